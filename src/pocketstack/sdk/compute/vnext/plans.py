"""Compute vNext calls as plans (docs/compute-vnext.md). Every change to a server but its
hostname and properties is a task: ``create_task(server, "STOP")``, then ``wait_for_task``.

Servers and their tags are in :mod:`.server_plans`, tasks and their shortcuts in
:mod:`.task_plans`, server types in :mod:`.server_type_plans`; placements are here."""

from __future__ import annotations

from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.compute.vnext._support import ProjectRef, _filters
from pocketstack.sdk.compute.vnext.resources import Placement
from pocketstack.sdk.compute.vnext.server_plans import ServerPlans
from pocketstack.sdk.compute.vnext.server_type_plans import ServerTypePlans
from pocketstack.sdk.plan import Call, Listing


class ComputeVNextPlans(ServerPlans, ServerTypePlans):
    # -- placements ----------------------------------------------------------------------------

    def placements(self, /, limit: int | None = None, **filters: Any) -> Listing[Placement]:
        """Placements, page by page (filters: ``parent_placement`` (an id: its direct
        children), ``tag`` (a list must all match))."""
        return ops.list_resources(self.session, Placement, limit=limit, **_filters(filters))

    def get_placement(self, placement: Placement | str) -> Call[Placement]:
        """The placement with its direct ``children`` (raises NotFound)."""
        return ops.get_resource(self.session, Placement, placement)

    def find_placement(self, name_or_id: str, ignore_missing: bool = True) -> Call[Placement | None]:
        """The placement of this id or name (names are unique)."""
        return ops.find_resource(
            self.session,
            Placement,
            name_or_id,
            ignore_missing=ignore_missing,
            name_filter=False,
            unique=False,
        )


__all__ = ["ComputeVNextPlans", "ProjectRef"]
