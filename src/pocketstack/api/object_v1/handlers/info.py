"""``GET /info``: the cluster's capabilities, for anyone (no token needed)."""

from __future__ import annotations

import orjson
from starlette.responses import Response

from pocketstack.api.object_v1.limits import swift_info
from pocketstack.api.object_v1.request import SwiftRequest
from pocketstack.api.object_v1.responses import body_response


async def get_info(sreq: SwiftRequest) -> Response:
    return body_response(200, orjson.dumps(swift_info()), {}, "application/json")


HANDLERS = {"GET": get_info, "HEAD": get_info}
