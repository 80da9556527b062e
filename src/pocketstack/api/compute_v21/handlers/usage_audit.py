"""``GET /os-instance_usage_audit_log`` (the last completed audit period) and
``GET /os-instance_usage_audit_log/{before}`` (the last one completed before a
``YYYY-MM-DD HH:MM:SS[.ffffff]`` time), admin only (core/compute/usage_audit.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.core.compute.usage_audit import AuditReport, audit_report
from pocketstack.core.errors import BadRequest

P = "os_compute_api:os-instance-usage-audit-log:"


def _body(report: AuditReport) -> dict[str, Any]:
    return {
        "period_beginning": str(report.period_beginning),
        "period_ending": str(report.period_ending),
        "num_hosts": len(report.hosts),
        "num_hosts_done": len(report.hosts_done),
        "num_hosts_running": len(report.hosts_running),
        "num_hosts_not_run": len(report.hosts_not_run),
        "hosts_not_run": report.hosts_not_run,
        "total_instances": report.total_instances,
        "total_errors": report.total_errors,
        "overall_status": report.overall_status,
        "log": report.log,
    }


def list_audit_logs(req: ApiRequest) -> Response:
    req.enforce()
    return json_response({"instance_usage_audit_logs": _body(audit_report(req.cloud.service_registry))})


def show_audit_log(req: ApiRequest) -> Response:
    req.enforce()
    raw = req.params["before"]
    try:
        before = datetime.strptime(raw, "%Y-%m-%d %H:%M:%S.%f" if "." in raw else "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise BadRequest(f"Invalid timestamp for date {raw}") from None
    report = audit_report(req.cloud.service_registry, before)
    return json_response({"instance_usage_audit_log": _body(report)})


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/os-instance_usage_audit_log", list_audit_logs, f"{P}list"),
    Endpoint("GET", "/os-instance_usage_audit_log/{before}", show_audit_log, f"{P}show"),
]
