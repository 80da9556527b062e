"""Quota sets, quota classes and limits as Nova renders them, per microversion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_v21.request import version
from pocketstack.api.compute_v21.schemas.quotas import settable_class_resources, visible_quota_resources
from pocketstack.api.compute_v21.version_ranges import Ranged, gated

# Resources whose limits leave GET /limits at 2.36 (network proxies) and at 2.57 (personality).
# COMPAT: Nova's own lists: fixed_ips never appears in limits, and injected_file_path_bytes
# has no limit name there at any version.
_LIMITS_HIDDEN_236 = ("floating_ips", "security_groups", "security_group_rules")
_LIMITS_HIDDEN_257 = (*_LIMITS_HIDDEN_236, "injected_files", "injected_file_content_bytes")
LIMITS_HIDDEN: Ranged[tuple[str, ...]] = Ranged(
    "limits.hidden_resources",
    ("2.0", "2.35", ()),
    ("2.36", "2.56", _LIMITS_HIDDEN_236),
    ("2.57", None, _LIMITS_HIDDEN_257),
)
_LIMIT_NAMES: dict[str, tuple[str, ...]] = {
    "ram": ("maxTotalRAMSize",),
    "instances": ("maxTotalInstances",),
    "cores": ("maxTotalCores",),
    "key_pairs": ("maxTotalKeypairs",),
    "floating_ips": ("maxTotalFloatingIps",),
    "metadata_items": ("maxServerMeta", "maxImageMeta"),
    "injected_files": ("maxPersonality",),
    "injected_file_content_bytes": ("maxPersonalitySize",),
    "security_groups": ("maxSecurityGroups",),
    "security_group_rules": ("maxSecurityGroupRules",),
    "server_groups": ("maxServerGroups",),
    "server_group_members": ("maxServerGroupMembers",),
}
_USED_NAMES: dict[str, str] = {
    "totalRAMUsed": "ram",
    "totalCoresUsed": "cores",
    "totalInstancesUsed": "instances",
    "totalFloatingIpsUsed": "floating_ips",
    "totalSecurityGroupsUsed": "security_groups",
    "totalServerGroupsUsed": "server_groups",
}


def quota_set(req: ApiRequest, limits: Mapping[str, int], project_id: str | None = None) -> dict[str, Any]:
    """``{"quota_set": {...}}``; with ``id`` when ``project_id`` is given (show, defaults)
    and without it (as Nova's update answers) when not."""
    body: dict[str, Any] = {"id": project_id} if project_id is not None else {}
    body.update({r: limits[r] for r in visible_quota_resources(req)})
    return {"quota_set": body}


def quota_set_detail(
    req: ApiRequest, limits: Mapping[str, int], usage: Mapping[str, int], project_id: str
) -> dict[str, Any]:
    """``/detail``: each resource as limit, in_use and reserved (always 0: nothing is
    reserved ahead, creates are checked and counted in one transaction)."""
    body: dict[str, Any] = {"id": project_id}
    for r in visible_quota_resources(req):
        body[r] = {"in_use": usage.get(r, 0), "limit": limits[r], "reserved": 0}
    return {"quota_set": body}


def quota_class_set(
    req: ApiRequest, limits: Mapping[str, int], class_name: str | None = None
) -> dict[str, Any]:
    """``{"quota_class_set": {...}}``. COMPAT: below 2.50 Nova leaves the server group keys out
    (and still shows the network ones)."""
    shown = settable_class_resources(req)
    if not gated(req, "quota_class.server_groups"):
        shown = tuple(r for r in shown if r not in ("server_groups", "server_group_members"))
    body: dict[str, Any] = {"id": class_name} if class_name is not None else {}
    body.update({r: limits[r] for r in shown})
    return {"quota_class_set": body}


def limits(req: ApiRequest, limits: Mapping[str, int], usage: Mapping[str, int]) -> dict[str, Any]:
    """``GET /limits``: no rate limits (Nova has had none since Liberty); absolute limits and
    usage under Nova's camel-case names for the request's microversion."""
    hidden = LIMITS_HIDDEN.at(version(req))
    absolute: dict[str, int] = {}
    for resource, names in _LIMIT_NAMES.items():
        if resource in hidden:
            continue
        for name in names:
            # maxImageMeta went with the image-metadata proxy at 2.39.
            if name == "maxImageMeta" and not gated(req, "limits.max_image_meta"):
                continue
            absolute[name] = limits[resource]
    for name, resource in _USED_NAMES.items():
        if resource not in hidden:
            absolute[name] = usage.get(resource, 0)
    return {"limits": {"rate": [], "absolute": absolute}}
