"""Image API versions served (Glance's list), and the discovery document."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest

# Glance's list with multiple stores and the cache on, up to 2.17: 2.10 DELETE /v2/stores/
# {store}/{image}, 2.12 GET /v2/images/{id}/tasks, 2.14-2.16 the cache API, 2.17 the locations
# API (handlers/stores.py). 2.18 (cache clean and prune) is not served, so not announced.
CURRENT = "v2.17"
SUPPORTED = [f"v2.{minor}" for minor in range(16, -1, -1)]


def _doc(base_url: str) -> dict:
    def entry(version: str, status: str) -> dict:
        return {"id": version, "status": status, "links": [{"rel": "self", "href": f"{base_url}/v2/"}]}

    return {"versions": [entry(CURRENT, "CURRENT"), *(entry(v, "SUPPORTED") for v in SUPPORTED)]}


def list_versions(req: ApiRequest) -> Response:
    return json_response(_doc(req.base_url), 300)


def show_versions(req: ApiRequest) -> Response:
    return json_response(_doc(req.base_url), 200)
