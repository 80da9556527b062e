"""Network v2 calls as plans. Lists take filters by openstacksdk's Python names or Neutron's
wire names (``is_shared=True`` or ``shared=True``; ``any_tags=[...]``) and page by Neutron's
``<resources>_links`` when ``limit`` is given. Updates send only the changed attributes;
``if_revision`` makes an update or delete conditional (``If-Match: revision_number=N``, 412
PreconditionFailed as an HttpError when the resource moved on).

Networks, subnets and ports are in :mod:`.core_plans`, routers and floating IPs in
:mod:`.l3_plans`, security groups in :mod:`.security_plans`; tags, quotas, extensions and waits
are here."""

from __future__ import annotations

from typing import Any, TypeVar

from pocketstack.sdk import ops
from pocketstack.sdk.exceptions import NotFound
from pocketstack.sdk.network.v2._support import SERVICE, N
from pocketstack.sdk.network.v2.core_plans import CorePlans
from pocketstack.sdk.network.v2.l3_plans import L3Plans
from pocketstack.sdk.network.v2.resources import Extension, NetworkResource, Quota, QuotaDetails
from pocketstack.sdk.network.v2.security_plans import SecurityGroupPlans
from pocketstack.sdk.plan import Call, Listing
from pocketstack.sdk.resource import Resource, unwrap, value_id

R = TypeVar("R", bound=Resource)


class NetworkPlans(CorePlans, L3Plans, SecurityGroupPlans):
    # -- tags --------------------------------------------------------------------------------

    def set_tags(self, resource: N, tags: list[str]) -> Call[N]:
        """Replace the resource's tags; returns it with the new ones."""
        url = type(resource).item_path(value_id(resource), {}) + "/tags"
        body = yield from self.session.json(SERVICE, "PUT", url, json_body={"tags": list(tags)})
        resource.tags = list((body or {}).get("tags", tags))
        resource._wire["tags"] = list(resource.tags)
        return resource

    def add_tag(self, resource: NetworkResource, tag: str) -> Call[None]:
        """Add one tag to the resource."""
        url = type(resource).item_path(value_id(resource), {}) + f"/tags/{tag}"
        yield from self.session.request(SERVICE, "PUT", url)

    def remove_tag(self, resource: NetworkResource, tag: str) -> Call[None]:
        """Remove one tag from the resource (NotFound when it has no such tag)."""
        url = type(resource).item_path(value_id(resource), {}) + f"/tags/{tag}"
        yield from self.session.request(SERVICE, "DELETE", url)

    # -- quotas ------------------------------------------------------------------------------

    def quotas(self, /, **query: Any) -> Listing[Quota]:
        """The projects with limits of their own, and all their limits (administrators)."""
        return ops.list_resources(self.session, Quota, **query)

    def get_quota(self, project: Resource | str) -> Call[Quota]:
        """The project's limits."""
        return self._quota(Quota, project, "")

    def get_quota_details(self, project: Resource | str) -> Call[QuotaDetails]:
        """The project's limits with their use (``{"limit", "used", "reserved"}`` each)."""
        return self._quota(QuotaDetails, project, "/details")

    def get_quota_default(self, project: Resource | str) -> Call[Quota]:
        """The limits a project gets by default."""
        return self._quota(Quota, project, "/default")

    def _quota(self, cls: type[R], project: Resource | str, suffix: str) -> Call[R]:
        project_id = value_id(project)
        body = yield from self.session.json(SERVICE, "GET", f"/quotas/{project_id}{suffix}")
        return cls.from_wire({**unwrap(cls, body), "project_id": project_id})

    def update_quota(self, quota: Quota | Resource | str, /, **attrs: Any) -> Call[Quota]:
        """Set some of the project's limits (by Python or wire names: ``networks=`` or
        ``network=``); administrators only. ``check_limit=True`` refuses a limit below use."""
        project_id = value_id(quota)
        wanted = Quota.new(**attrs).create_body()
        body = yield from self.session.json(
            SERVICE, "PUT", f"/quotas/{project_id}", json_body={"quota": wanted}
        )
        return Quota.from_wire({**unwrap(Quota, body), "project_id": project_id})

    def delete_quota(self, quota: Quota | Resource | str, ignore_missing: bool = True) -> Call[None]:
        """Reset the project's limits to the defaults."""
        try:
            yield from self.session.request(SERVICE, "DELETE", f"/quotas/{value_id(quota)}")
        except NotFound:
            if not ignore_missing:
                raise

    # -- extensions --------------------------------------------------------------------------

    def extensions(self) -> Listing[Extension]:
        """The API extensions the server offers."""
        return ops.list_resources(self.session, Extension)

    def get_extension(self, extension: Extension | str) -> Call[Extension]:
        """The extension of this alias (raises NotFound)."""
        return ops.get_resource(self.session, Extension, extension)

    def find_extension(self, name_or_id: str, ignore_missing: bool = True) -> Call[Extension | None]:
        """The extension of this alias or name."""
        return ops.find_resource(self.session, Extension, name_or_id, ignore_missing=ignore_missing)

    # -- waits -------------------------------------------------------------------------------

    def wait_for_status(
        self,
        res: N,
        status: str,
        failures: list[str] | None = None,
        interval: float = 2.0,
        wait: float | None = None,
        attribute: str = "status",
    ) -> Call[N]:
        """Poll until the resource's ``attribute`` is ``status`` (ResourceFailure on one of
        ``failures``, default ERROR; Timeout after ``wait`` seconds, default 120)."""
        return ops.wait_for_status(
            self.session,
            res,
            status,
            failures=tuple(failures) if failures is not None else ("ERROR",),
            interval=interval,
            wait=120.0 if wait is None else wait,
            attribute=attribute,
        )

    def wait_for_delete(self, res: N, interval: float = 2.0, wait: float = 120.0) -> Call[N]:
        """Poll until the resource is gone (Timeout after ``wait`` seconds)."""
        return ops.wait_for_delete(self.session, res, interval=interval, wait=wait)
