"""Identity API versions served, and the discovery documents."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest

# v3.14 (Ussuri onwards): the newest minor whose whole surface our clients rely on.
VERSION = "v3.14"
UPDATED = "2020-04-07T00:00:00Z"


def version_doc(base_url: str) -> dict:
    return {
        "id": VERSION,
        "status": "stable",
        "updated": UPDATED,
        "links": [{"rel": "self", "href": f"{base_url}/v3/"}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    }


def list_versions(req: ApiRequest) -> Response:
    return json_response({"versions": {"values": [version_doc(req.base_url)]}}, 300)


def show_version(req: ApiRequest) -> Response:
    return json_response({"version": version_doc(req.base_url)})
