"""Fault injection of the fake driver (core/compute/faults.py): the same settings as Compute
v2.1's ``/os-pocketstack-faults``, which stays as it was."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from pocketstack.api.common.hal.routes import Route, body, links
from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_v21.schemas.fault_injection import Faults

PATH = "/faults"


class FaultsShape(BaseModel):
    """The fault injection settings: counts of builds and actions still to fail or crash, and
    the delay added to every build."""

    fail_builds: int
    fail_actions: int
    crash_builds: int
    build_delay: float
    _links: dict[str, Any]


def _answer(req: ApiRequest, values: dict[str, Any]) -> Response:
    return json_response({**values, "_links": links(req, PATH, "FaultsShape")})


def show(req: ApiRequest) -> Response:
    req.enforce({})
    return _answer(req, req.cloud.faults.get())


def update(req: ApiRequest) -> Response:
    req.enforce({})
    changes = body(req, Faults).model_dump(exclude_unset=True)
    return _answer(req, req.cloud.faults.set(changes))


ROUTES = [
    Route(
        "GET",
        PATH,
        show,
        "operator:faults:get",
        "faults",
        "The fault injection settings.",
        returns=FaultsShape,
    ),
    Route(
        "PATCH",
        PATH,
        update,
        "operator:faults:update",
        "faults",
        "Change some of the fault injection settings (0 clears one).",
        body=Faults,
        returns=FaultsShape,
        errors=(400, 401, 403, 415),
    ),
]
