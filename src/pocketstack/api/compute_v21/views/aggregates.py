"""os-aggregates bodies as Nova renders them: with ``deleted``/``deleted_at`` (always false and
null here), and the ``uuid`` from 2.41."""

from __future__ import annotations

from typing import Any

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.api.compute_v21.views.services import nova_time
from pocketstack.core.placement.aggregates import AggregateRecord


def aggregate(req: ApiRequest, rec: AggregateRecord, *, brief: bool = False) -> dict[str, Any]:
    """One aggregate; ``brief`` (the create answer) leaves out hosts and metadata, as Nova."""
    agg = rec.aggregate
    body: dict[str, Any] = {
        "availability_zone": agg.availability_zone,
        "created_at": nova_time(agg.created_at),
        "deleted": False,
        "deleted_at": None,
        "id": agg.id,
        "name": agg.name,
        "updated_at": nova_time(agg.updated_at),
    }
    if not brief:
        body["hosts"] = rec.hosts
        body["metadata"] = rec.metadata
    if gated(req, "aggregate.uuid"):
        body["uuid"] = agg.uuid
    return body
