"""Token keys: their ids and stages (never their material), and rotation. Every process sees
a rotation within a second (core/identity/keys.KeyRing); the one that rotates, at once."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from starlette.responses import Response

from pocketstack.api.common.hal.routes import Route, links
from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.core.identity import keys

PATH = "/keys"


class KeyShape(BaseModel):
    id: str
    stage: Literal["primary", "secondary", "staged"]


class KeysShape(BaseModel):
    """The token keys, primary first."""

    keys: list[KeyShape]
    _links: dict[str, Any]


def _answer(req: ApiRequest) -> Response:
    found = [{"id": str(n), "stage": stage} for n, stage in keys.stages(req.cloud.settings.keys_dir)]
    return json_response({"keys": found, "_links": links(req, PATH, "KeysShape", rotate=f"{PATH}/rotate")})


def list_keys(req: ApiRequest) -> Response:
    req.enforce({})
    return _answer(req)


def rotate(req: ApiRequest) -> Response:
    req.enforce({})
    settings = req.cloud.settings
    keys.rotate(settings.keys_dir, settings.max_active_keys)
    req.cloud.auth.formatter.keys.refresh()
    return _answer(req)


ROUTES = [
    Route(
        "GET",
        PATH,
        list_keys,
        "operator:keys:list",
        "keys",
        "The token keys and their stages.",
        returns=KeysShape,
    ),
    Route(
        "POST",
        f"{PATH}/rotate",
        rotate,
        "operator:keys:rotate",
        "keys-rotate",
        "Rotate: the staged key becomes primary, a new one is staged, the oldest are pruned.",
        returns=KeysShape,
        errors=(401, 403),
    ),
]
