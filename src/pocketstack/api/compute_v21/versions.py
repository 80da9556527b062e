"""Compute API versions served, and the discovery documents (Nova's shapes).

- v2.1 (CURRENT): microversions MIN_VERSION..MAX_VERSION; what each one changed and whether
  pocketstack honours it is listed in docs/compute-microversions.md.
- v2.0 (SUPPORTED): the legacy relaxed mode under ``/compute/v2``: no microversions, unknown
  body fields ignored instead of refused.

``GET /compute/`` lists both (200, not 300: Nova answers its root with 200); ``GET
/compute/v2.1/`` and ``GET /compute/v2/`` describe one each.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_v21.microversions import MAX_VERSION, MIN_VERSION

V2_0 = "v2.0"
V2_1 = "v2.1"
_DOCS_URL = "http://docs.openstack.org/"

# COMPAT: the dates are Nova's constants, not ours. Nova marked v2.0 DEPRECATED (updated
# 2025-07-04T12:00:00Z) after 2.100; we announce 2.104, so we describe it as Nova does now.
_VERSIONS: dict[str, dict[str, Any]] = {
    V2_0: {
        "status": "DEPRECATED",
        "version": "",
        "min_version": "",
        "updated": "2025-07-04T12:00:00Z",
        "path": "v2",
        "media_type": "application/vnd.openstack.compute+json;version=2",
    },
    V2_1: {
        "status": "CURRENT",
        "version": str(MAX_VERSION),
        "min_version": str(MIN_VERSION),
        "updated": "2013-07-23T11:33:21Z",
        "path": "v2.1",
        "media_type": "application/vnd.openstack.compute+json;version=2.1",
    },
}


def list_versions(req: ApiRequest) -> Response:
    """``GET /compute/``: every version, each with a self link only (as Nova's root has)."""
    root = compute_root(req.base_url)
    return json_response({"versions": [_summary(vid, root) for vid in _VERSIONS]})


def show_version(req: ApiRequest) -> Response:
    """``GET /compute/v2.1/`` or ``GET /compute/v2/``: one version with its media type and a
    ``describedby`` link."""
    vid = requested_version_id(req.request.url.path)
    root = compute_root(req.base_url)
    entry = _VERSIONS[vid]
    document = {
        **_summary(vid, root),
        "links": [
            {"rel": "self", "href": f"{root}/{entry['path']}/"},
            {"rel": "describedby", "type": "text/html", "href": _DOCS_URL},
        ],
        "media-types": [{"base": "application/json", "type": entry["media_type"]}],
    }
    return json_response({"version": document})


def requested_version_id(path: str) -> str:
    """Which version document a request path asks for: its first ``v2`` or ``v2.1`` segment.

    The full path is read (Starlette keeps it whole; ``root_path`` is only its mount prefix),
    so this works whether the version is a route inside the compute mount or a mount itself.
    """
    for segment in path.split("/"):
        if segment == _VERSIONS[V2_1]["path"]:
            return V2_1
        if segment == _VERSIONS[V2_0]["path"]:
            return V2_0
    return V2_1


def compute_root(base_url: str) -> str:
    """The compute service's root, without a version segment when the mount includes one."""
    base = base_url.rstrip("/")
    for entry in _VERSIONS.values():
        suffix = f"/{entry['path']}"
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def _summary(vid: str, root: str) -> dict[str, Any]:
    entry = _VERSIONS[vid]
    return {
        "id": vid,
        "status": entry["status"],
        "version": entry["version"],
        "min_version": entry["min_version"],
        "updated": entry["updated"],
        "links": [{"rel": "self", "href": f"{root}/{entry['path']}/"}],
    }
