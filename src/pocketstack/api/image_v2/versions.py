"""Image API versions served (Glance's list), and the discovery document."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest

CURRENT = "v2.16"
# Older minors stay SUPPORTED: clients pick the major version, minors only add.
SUPPORTED = [
    "v2.15",
    "v2.14",
    "v2.13",
    "v2.12",
    "v2.11",
    "v2.10",
    "v2.9",
    "v2.8",
    "v2.7",
    "v2.6",
    "v2.5",
    "v2.4",
    "v2.3",
    "v2.2",
    "v2.1",
    "v2.0",
]


def _doc(base_url: str) -> dict:
    def entry(version: str, status: str) -> dict:
        return {"id": version, "status": status, "links": [{"rel": "self", "href": f"{base_url}/v2/"}]}

    return {"versions": [entry(CURRENT, "CURRENT"), *(entry(v, "SUPPORTED") for v in SUPPORTED)]}


def list_versions(req: ApiRequest) -> Response:
    return json_response(_doc(req.base_url), 300)


def show_versions(req: ApiRequest) -> Response:
    return json_response(_doc(req.base_url), 200)
