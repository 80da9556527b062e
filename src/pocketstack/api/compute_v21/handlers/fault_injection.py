"""pocketstack's own admin endpoint for the fake driver's global fault injection:
GET shows the settings, PUT changes some (``{"faults": {"fail_builds": 2, ...}}``),
DELETE clears them. See core/compute/faults.py for what each does."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.request import body
from pocketstack.api.compute_v21.schemas.fault_injection import SetFaults
from pocketstack.core.compute.faults import GLOBAL_KEYS

RULE = "pocketstack:fault-injection"
PATH = "/os-pocketstack-faults"


def show_faults(req: ApiRequest) -> Response:
    req.enforce({})
    return json_response({"faults": req.cloud.faults.get()})


def set_faults(req: ApiRequest) -> Response:
    req.enforce({})
    faults = body(req, SetFaults).faults
    return json_response({"faults": req.cloud.faults.set(faults.model_dump(exclude_unset=True))})


def clear_faults(req: ApiRequest) -> Response:
    req.enforce({})
    return json_response({"faults": req.cloud.faults.set(dict.fromkeys(GLOBAL_KEYS, 0))})


ROUTES = [
    Endpoint("GET", PATH, show_faults, RULE),
    Endpoint("PUT", PATH, set_faults, RULE),
    Endpoint("DELETE", PATH, clear_faults, RULE),
]
