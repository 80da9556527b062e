"""Compute v2.1: GET /limits, the caller's project limits and usage."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import check_query
from pocketstack.api.compute_v21.views import quotas as views

OTHER_PROJECT_RULE = "os_compute_api:limits:other_project"


def show_limits(req: ApiRequest) -> Response:
    """The caller's project, or with ``tenant_id`` (admins, by default) any project. COMPAT: as
    in Nova, naming a project at all needs the other-project rule, even one's own, and an
    unknown project reads as the defaults with nothing used."""
    check_query(req, ("tenant_id",))
    req.enforce({"project_id": req.ctx.project_id})
    project_id = req.ctx.project_id
    if "tenant_id" in req.query:
        project_id = req.query["tenant_id"]
        req.cloud.policy.enforce(OTHER_PROJECT_RULE, req.ctx, {"project_id": project_id})
    limits, usage = req.cloud.quotas.usage_report(project_id)
    return json_response(views.limits(req, limits, usage))


ROUTES: list[Endpoint] = [Endpoint("GET", "/limits", show_limits, "os_compute_api:limits")]
