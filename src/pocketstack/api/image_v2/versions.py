"""Image API versions served (Glance's list), and the discovery document."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest

# Announce honestly: 2.10 adds DELETE /v2/stores/{store}/{image}, 2.12 GET /v2/images/{id}/tasks,
# 2.14-2.16 and 2.18 the cache API, 2.17 the location API; none are served yet. 2.8 and 2.9
# (multiple stores, copy-image) are.
CURRENT = "v2.9"
SUPPORTED = ["v2.8", "v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0"]


def _doc(base_url: str) -> dict:
    def entry(version: str, status: str) -> dict:
        return {"id": version, "status": status, "links": [{"rel": "self", "href": f"{base_url}/v2/"}]}

    return {"versions": [entry(CURRENT, "CURRENT"), *(entry(v, "SUPPORTED") for v in SUPPORTED)]}


def list_versions(req: ApiRequest) -> Response:
    return json_response(_doc(req.base_url), 300)


def show_versions(req: ApiRequest) -> Response:
    return json_response(_doc(req.base_url), 200)
