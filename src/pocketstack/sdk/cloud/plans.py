"""The plans of every service over one session, and the compound operations built on them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pocketstack.sdk.cloud import images, projects, servers
from pocketstack.sdk.image.v2.plans import ImagePlans
from pocketstack.sdk.plan import Call
from pocketstack.sdk.proxy import ServicePlans

if TYPE_CHECKING:
    from pocketstack.sdk.auth import AuthState
    from pocketstack.sdk.compute.v2_1.plans import ComputePlans
    from pocketstack.sdk.compute.v2_1.resources import Server
    from pocketstack.sdk.compute.vnext.plans import ComputeVNextPlans
    from pocketstack.sdk.identity.v3.plans import IdentityPlans
    from pocketstack.sdk.image.v2.resources import Image
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

    def create_server(
        self,
        name: str,
        /,
        image: str,
        flavor: str,
        *,
        network: str | None = "auto",
        floating_ip: bool = True,
        security_groups: Sequence[str] = (),
        key: str | None = None,
        wait: bool = True,
        timeout: float = 300.0,
        **attrs: Any,
    ) -> Call[Server]:
        """Give me a server: see :func:`pocketstack.sdk.cloud.servers.create_server`."""
        return servers.create_server(
            self,
            name,
            image,
            flavor,
            network=network,
            floating_ip=floating_ip,
            security_groups=security_groups,
            key=key,
            wait=wait,
            timeout=timeout,
            **attrs,
        )

    def create_servers(self, requests: Sequence[dict[str, Any]], concurrency: int = 8) -> Call[list[Server]]:
        """Several servers at once: see :func:`pocketstack.sdk.cloud.servers.create_servers`."""
        return servers.create_servers(self, requests, concurrency=concurrency)

    def attach_floating_ip(self, server_id: str, /) -> Call[FloatingIP]:
        """A floating IP for a server: see :func:`pocketstack.sdk.cloud.servers.attach_floating_ip`."""
        return servers.attach_floating_ip(self, server_id)

    def upload_image(
        self,
        path: Path | str,
        /,
        name: str | None = None,
        *,
        disk_format: str | None = None,
        container_format: str = "bare",
        progress: Callable[[int], None] | None = None,
        **attrs: Any,
    ) -> Call[Image]:
        """Upload this image: see :func:`pocketstack.sdk.cloud.images.upload_image`."""
        return images.upload_image(
            self,
            path,
            name,
            disk_format=disk_format,
            container_format=container_format,
            progress=progress,
            **attrs,
        )

    def delete_project_resources(
        self, project: str, dry_run: bool = False, concurrency: int = 8
    ) -> Call[dict[str, list[str]]]:
        """Empty a project: see :func:`pocketstack.sdk.cloud.projects.delete_project_resources`."""
        return projects.delete_project_resources(self, project, dry_run=dry_run, concurrency=concurrency)
