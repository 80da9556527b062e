"""Identity v3 plans for the service catalog: regions, services and endpoints."""

from __future__ import annotations

from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.identity.v3._support import IdentityBasePlans
from pocketstack.sdk.identity.v3.resources import Endpoint, Region, Service
from pocketstack.sdk.plan import Call, Listing


class CatalogPlans(IdentityBasePlans):
    # -- catalog -------------------------------------------------------------------------------

    def regions(self, /, **query: Any) -> Listing[Region]:
        """Every region (filter: ``parent_region_id``)."""
        return ops.list_resources(self.session, Region, **query)

    def get_region(self, region: Region | str) -> Call[Region]:
        """The region (raises NotFound)."""
        return ops.get_resource(self.session, Region, region)

    def create_region(self, /, **attrs: Any) -> Call[Region]:
        """A new region (``id`` optional, ``description``, ``parent_region_id``)."""
        return ops.create_resource(self.session, Region, **attrs)

    def update_region(self, region: Region | str, /, **attrs: Any) -> Call[Region]:
        """Change the region; only the changed fields are sent."""
        return ops.update_resource(self.session, Region, region, **attrs)

    def delete_region(self, region: Region | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the region."""
        return ops.delete_resource(self.session, Region, region, ignore_missing=ignore_missing)

    def services(self, /, **query: Any) -> Listing[Service]:
        """Every catalog service (filters: ``type``, ``name``)."""
        return ops.list_resources(self.session, Service, **query)

    def get_service(self, service: Service | str) -> Call[Service]:
        """The service (raises NotFound)."""
        return ops.get_resource(self.session, Service, service)

    def find_service(self, name_or_id: str, ignore_missing: bool = True) -> Call[Service | None]:
        """The service of this id or name."""
        return ops.find_resource(self.session, Service, name_or_id, ignore_missing=ignore_missing)

    def create_service(self, /, **attrs: Any) -> Call[Service]:
        """A new catalog service (``type``, ``name``, ``description``, ``is_enabled``)."""
        return ops.create_resource(self.session, Service, **attrs)

    def update_service(self, service: Service | str, /, **attrs: Any) -> Call[Service]:
        """Change the service; only the changed fields are sent."""
        return ops.update_resource(self.session, Service, service, **attrs)

    def delete_service(self, service: Service | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the service (and its endpoints)."""
        return ops.delete_resource(self.session, Service, service, ignore_missing=ignore_missing)

    def endpoints(self, /, **query: Any) -> Listing[Endpoint]:
        """Every endpoint (filters: ``service_id``, ``interface``, ``region_id``)."""
        return ops.list_resources(self.session, Endpoint, **query)

    def get_endpoint(self, endpoint: Endpoint | str) -> Call[Endpoint]:
        """The endpoint (raises NotFound)."""
        return ops.get_resource(self.session, Endpoint, endpoint)

    def create_endpoint(self, /, **attrs: Any) -> Call[Endpoint]:
        """A new endpoint (``service_id``, ``interface``, ``url``, ``region_id``)."""
        return ops.create_resource(self.session, Endpoint, **attrs)

    def update_endpoint(self, endpoint: Endpoint | str, /, **attrs: Any) -> Call[Endpoint]:
        """Change the endpoint; only the changed fields are sent."""
        return ops.update_resource(self.session, Endpoint, endpoint, **attrs)

    def delete_endpoint(self, endpoint: Endpoint | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the endpoint."""
        return ops.delete_resource(self.session, Endpoint, endpoint, ignore_missing=ignore_missing)
