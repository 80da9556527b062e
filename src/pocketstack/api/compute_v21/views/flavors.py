"""Flavor bodies as Nova renders them, per microversion."""

from __future__ import annotations

import re
from typing import Any

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.store.compute_models import Flavor

_VERSION_TAIL = re.compile(r"/v\d+(\.\d+)?$")


def links(req: ApiRequest, collection: str, ident: str) -> list[dict[str, str]]:
    """Nova's ``self`` (under the versioned root) and ``bookmark`` (without the version)."""
    base = req.base_url
    bookmark = _VERSION_TAIL.sub("", base)
    return [
        {"rel": "self", "href": f"{base}/{collection}/{ident}"},
        {"rel": "bookmark", "href": f"{bookmark}/{collection}/{ident}"},
    ]


def brief(req: ApiRequest, flavor: Flavor) -> dict[str, Any]:
    """An item of ``GET /flavors``."""
    body: dict[str, Any] = {"id": flavor.id, "name": flavor.name, "links": links(req, "flavors", flavor.id)}
    if gated(req, "flavor.description"):
        body["description"] = flavor.description
    return body


def full(req: ApiRequest, flavor: Flavor, with_extra_specs: bool = False) -> dict[str, Any]:
    """A flavor in detail (show, create, update, ``/flavors/detail``). ``with_extra_specs`` is
    for 2.61+ callers the extra-specs policy lets read them."""
    body: dict[str, Any] = {
        "id": flavor.id,
        "name": flavor.name,
        "ram": flavor.memory_mb,
        "disk": flavor.root_gb,
        # COMPAT: below 2.75 Nova writes a swap of 0 as "".
        "swap": flavor.swap_mb if gated(req, "flavor.swap_as_int") else (flavor.swap_mb or ""),
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
        "OS-FLV-DISABLED:disabled": flavor.disabled,
        "vcpus": flavor.vcpus,
        "os-flavor-access:is_public": flavor.is_public,
        "rxtx_factor": flavor.rxtx_factor or "",
        "links": links(req, "flavors", flavor.id),
    }
    if gated(req, "flavor.description"):
        body["description"] = flavor.description
    if not gated(req, "flavor.rxtx_factor"):
        del body["rxtx_factor"]
    if not gated(req, "flavor.disabled"):
        del body["OS-FLV-DISABLED:disabled"]
    if with_extra_specs:
        body["extra_specs"] = dict(flavor.extra_specs or {})
    return body


def access(flavor_id: str, projects: list[str]) -> dict[str, Any]:
    """The ``flavor_access`` list of a private flavor."""
    return {"flavor_access": [{"flavor_id": flavor_id, "tenant_id": p} for p in projects]}
