"""``GET /info``: the cluster's capabilities; ``GET /healthcheck``: Swift's healthcheck
middleware's ``OK``; ``GET /crossdomain.xml``: its crossdomain middleware's policy file. All
for anyone (no token needed)."""

from __future__ import annotations

import orjson
from starlette.responses import Response

from pocketstack.api.object_v1.limits import swift_info
from pocketstack.api.object_v1.request import SwiftRequest
from pocketstack.api.object_v1.responses import body_response


async def get_info(sreq: SwiftRequest) -> Response:
    return body_response(200, orjson.dumps(swift_info()), {}, "application/json")


async def get_healthcheck(sreq: SwiftRequest) -> Response:
    """COMPAT: Swift's healthcheck answers a plain ``OK`` while the proxy is up."""
    return Response(b"OK", 200, media_type="text/plain")


# COMPAT: Swift's crossdomain middleware with its default policy (any domain may read).
CROSSDOMAIN_POLICY = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd" >\n'
    "<cross-domain-policy>\n"
    '<allow-access-from domain="*" secure="false" />\n'
    "</cross-domain-policy>"
)


async def get_crossdomain(sreq: SwiftRequest) -> Response:
    return Response(CROSSDOMAIN_POLICY.encode(), 200, media_type="application/xml")


HANDLERS = {"GET": get_info, "HEAD": get_info}
CROSSDOMAIN = {"GET": get_crossdomain, "HEAD": get_crossdomain}
HEALTHCHECK = {"GET": get_healthcheck, "HEAD": get_healthcheck}
