"""The plans of every service over one session, and the compound operations built on them."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pocketstack.sdk.image.v2.plans import ImagePlans
from pocketstack.sdk.proxy import ServicePlans

if TYPE_CHECKING:
    from pocketstack.sdk.compute.v2_1.plans import ComputePlans
    from pocketstack.sdk.compute.vnext.plans import ComputeVNextPlans
    from pocketstack.sdk.identity.v3.plans import IdentityPlans
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
