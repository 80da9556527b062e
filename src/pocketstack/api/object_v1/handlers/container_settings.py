"""A container's settings from a PUT's or POST's headers, as the core's ``settings`` mapping:
metadata, ACLs, versioning, quotas, the storage policy and (internal requests only) system
metadata; and a container's headers for HEAD and GET."""

from __future__ import annotations

from typing import Any

from pocketstack.api.object_v1 import limits
from pocketstack.api.object_v1.errors import SwiftError
from pocketstack.api.object_v1.headers import (
    http_date,
    is_sysmeta,
    is_true,
    meta_changes,
    meta_headers,
    sysmeta_in,
    timestamp,
)
from pocketstack.api.object_v1.request import SwiftRequest
from pocketstack.core.objects import acl
from pocketstack.core.objects.model import ContainerInfo
from pocketstack.core.objects.policies import CONTAINER_ACL, account_target

QUOTAS = (
    ("quota-bytes", "quota_bytes", "Invalid bytes quota."),
    ("quota-count", "quota_count", "Invalid count quota."),
)
ACLS = (("read", "read_acl"), ("write", "write_acl"))


def _acls(sreq: SwiftRequest) -> dict[str, Any]:
    headers, found = sreq.headers, {}
    for kind, key in ACLS:
        if f"x-remove-container-{kind}" in headers:
            found[key] = None
        elif f"x-container-{kind}" in headers:
            found[key] = acl.clean_acl(kind, headers[f"x-container-{kind}"]) or None
    if found and sreq.caller.grant is None:
        ctx = sreq.caller.ctx
        if ctx is None or not sreq.cloud.policy.check(CONTAINER_ACL, ctx, account_target(sreq.project_id)):
            raise SwiftError(403)
    return found


def _versioning(sreq: SwiftRequest) -> dict[str, Any]:
    headers = sreq.headers
    stack = (headers.get("x-versions-location") or "").strip()
    history = (headers.get("x-history-location") or "").strip()
    if stack and history:
        raise SwiftError(400, "Only one of X-Versions-Location or X-History-Location may be specified")
    found: dict[str, Any] = {}
    location = stack or history
    if location:
        location = location.lstrip("/")
        if "/" in location:
            raise SwiftError(412, "Container name cannot contain slashes")
        found = {"versions_location": location, "versions_mode": "stack" if stack else "history"}
    elif any(
        name in headers
        for name in (
            "x-versions-location",
            "x-history-location",
            "x-remove-versions-location",
            "x-remove-history-location",
        )
    ):
        found = {"versions_location": None, "versions_mode": None}
    if "x-versions-enabled" in headers:
        found["versions_enabled"] = is_true(headers["x-versions-enabled"])
    return found


def _quotas(sreq: SwiftRequest) -> dict[str, Any]:
    headers, found = sreq.headers, {}
    for name, key, message in QUOTAS:
        value = headers.get(f"x-container-meta-{name}")
        if f"x-remove-container-meta-{name}" in headers or (value is not None and not value.strip()):
            found[key] = None
        elif value is not None:
            if not value.strip().isdigit():
                raise SwiftError(400, message)
            found[key] = int(value)
    return found


def _policy(sreq: SwiftRequest) -> None:
    name = sreq.headers.get("x-storage-policy")
    if name is not None and name.strip().lower() != limits.STORAGE_POLICY.lower():
        raise SwiftError(400, f'Invalid X-Storage-Policy "{name}"')


def settings_from(sreq: SwiftRequest, current: ContainerInfo | None) -> dict[str, Any]:
    _policy(sreq)
    settings: dict[str, Any] = {}
    set_meta, remove = meta_changes(sreq.headers, "container", skip=[q[0] for q in QUOTAS])
    if set_meta:
        settings["meta"] = set_meta
    if remove:
        settings["remove_meta"] = remove
    settings.update(_acls(sreq))
    settings.update(_versioning(sreq))
    settings.update(_quotas(sreq))
    sysmeta = sysmeta_in(sreq.headers, "container") if sreq.internal else {}
    if sysmeta:
        extra = dict(current.extra) if current else {}
        for name, value in sysmeta.items():
            if value:
                extra[name] = value
            else:
                extra.pop(name, None)
        settings["extra"] = extra
    return settings


def container_headers(info: ContainerInfo, owner: bool, internal: bool) -> dict[str, str]:
    headers = {
        "X-Container-Object-Count": str(info.object_count),
        "X-Container-Bytes-Used": str(info.bytes_used),
        "X-Timestamp": timestamp(info.created_at),
        "X-Put-Timestamp": timestamp(info.put_timestamp),
        "Last-Modified": http_date(info.put_timestamp),
        "X-Storage-Policy": limits.STORAGE_POLICY,
        "Accept-Ranges": "bytes",
        **meta_headers("container", info.meta, owner or internal),
    }
    if info.quota_bytes is not None:
        headers["X-Container-Meta-Quota-Bytes"] = str(info.quota_bytes)
    if info.quota_count is not None:
        headers["X-Container-Meta-Quota-Count"] = str(info.quota_count)
    if info.versions_location and info.versions_mode in ("stack", "history"):
        name = "X-Versions-Location" if info.versions_mode == "stack" else "X-History-Location"
        headers[name] = info.versions_location
    if info.versions_enabled:
        headers["X-Versions-Enabled"] = "True"
    if owner:  # COMPAT: Swift shows ACLs and the like to the account's owner only
        if info.read_acl:
            headers["X-Container-Read"] = info.read_acl
        if info.write_acl:
            headers["X-Container-Write"] = info.write_acl
    for name, value in info.extra.items():
        if (internal and is_sysmeta(name)) or (owner and not is_sysmeta(name)):
            headers[name] = value
    return headers
