"""The plans of every service over one session, and the compound operations built on them."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pocketstack.sdk.cloud import images, projects, servers
from pocketstack.sdk.image.v2.plans import ImagePlans
from pocketstack.sdk.plan import Call
from pocketstack.sdk.proxy import ServicePlans

if TYPE_CHECKING:
    from pocketstack.sdk.auth import AuthState
    from pocketstack.sdk.compute.v2_1.plans import ComputePlans
    from pocketstack.sdk.compute.vnext.plans import ComputeVNextPlans
    from pocketstack.sdk.identity.v3.plans import IdentityPlans
    from pocketstack.sdk.network.v2.l3 import FloatingIP
    from pocketstack.sdk.network.v2.plans import NetworkPlans
    from pocketstack.sdk.object_store.v1.plans import ObjectStorePlans


class ServicesPlans(ServicePlans):
    """Each service's plans over the one session, built on first use."""

    @cached_property
    def image(self) -> ImagePlans:
        return ImagePlans(self.session)

    @cached_property
    def compute(self) -> ComputePlans:
        from pocketstack.sdk.compute.v2_1.plans import ComputePlans

        return ComputePlans(self.session)

    @cached_property
    def compute_vnext(self) -> ComputeVNextPlans:
        from pocketstack.sdk.compute.vnext.plans import ComputeVNextPlans

        return ComputeVNextPlans(self.session)

    @cached_property
    def identity(self) -> IdentityPlans:
        from pocketstack.sdk.identity.v3.plans import IdentityPlans

        return IdentityPlans(self.session)

    @cached_property
    def network(self) -> NetworkPlans:
        from pocketstack.sdk.network.v2.plans import NetworkPlans

        return NetworkPlans(self.session)

    @cached_property
    def object_store(self) -> ObjectStorePlans:
        from pocketstack.sdk.object_store.v1.plans import ObjectStorePlans

        return ObjectStorePlans(self.session)


class CloudPlans(ServicesPlans):
    """The compound operations (see :mod:`pocketstack.sdk.cloud`)."""

    def whoami(self) -> Call[AuthState]:
        """The caller as the token says: user, project (or domain, or system) and roles
        (authenticating first if need be)."""
        return self.session.authenticator.state()

    # The compound operations are functions of the services' plans; as class attributes they
    # are methods (their first argument is this object) with one signature and docstring.
    create_server = servers.create_server
    create_servers = servers.create_servers
    upload_image = images.upload_image
    delete_project_resources = projects.delete_project_resources

    def attach_floating_ip(self, server_id: str, /) -> Call[FloatingIP]:
        """A floating IP for a server: see :func:`pocketstack.sdk.cloud.servers.attach_floating_ip`."""
        return servers.attach_floating_ip(self, server_id)
