"""``/servers/{id}/shares`` (2.97): Manila file shares attached to a server.

pocketstack has no shared file system service (Manila) and its compute hosts offer no
virtio-fs, so no share is ever attached; every call answers as Nova does on a cloud whose
computes lack that support:

- list: no shares (``{"shares": []}``); show: 404 for any share id;
- attach: 409 unless the server is stopped (Nova's state check comes first), then 409 "not
  configured correctly" (Nova's answer when the host lacks the virtio-fs trait);
- detach: 409 unless the server is stopped or in error, then 404 (no such attachment).

404 below 2.97, as in Nova. The list and show APIs refuse any query parameter.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints
from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.request import body, check_query
from pocketstack.api.compute_v21.schemas.parameters import Uuid
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.core.compute import states
from pocketstack.core.compute.servers import get_visible
from pocketstack.core.errors import Conflict, NotFound

P = "os_compute_api:os-server-shares:"
PATH = "/servers/{server_id}/shares"

ShareTag = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[a-zA-Z0-9-]*$", strict=True)
]


class NewShare(Wire):
    share_id: Uuid
    tag: ShareTag = None  # type: ignore[assignment]


class AttachShare(Wire):
    share: NewShare


def _server(req: ApiRequest) -> Any:
    """The server (404 when not visible) after the 2.97 gate, with the policy checked."""
    if not gated(req, "server.shares"):
        raise NotFound("resource", req.request.url.path, message="The resource could not be found.")
    with req.cloud.db.read() as s:
        server = get_visible(s, req.ctx, req.params["server_id"])
    req.enforce({"project_id": server.project_id})
    return server


def _share_not_found(share_id: str) -> NotFound:
    return NotFound("share", share_id, message=f"Share {share_id} could not be found.")


def _check_state(server: Any, action: str, allowed: tuple[str, ...]) -> None:
    if server.vm_state not in allowed:
        raise Conflict(f"Cannot '{action}' instance {server.id} while it is in vm_state {server.vm_state}")


def list_shares(req: ApiRequest) -> Response:
    check_query(req, (), gate="server.shares")
    _server(req)
    return json_response({"shares": []})


def show_share(req: ApiRequest) -> Response:
    check_query(req, (), gate="server.shares")
    _server(req)
    raise _share_not_found(req.params["share_id"])


def attach_share(req: ApiRequest) -> Response:
    if not gated(req, "server.shares"):
        raise NotFound("resource", req.request.url.path, message="The resource could not be found.")
    body(req, AttachShare)
    server = _server(req)
    _check_state(server, "create share", (states.STOPPED,))
    raise Conflict("Feature not supported because either compute or instance are not configured correctly.")


def detach_share(req: ApiRequest) -> Response:
    server = _server(req)
    _check_state(server, "delete share", (states.STOPPED, states.ERROR))
    raise _share_not_found(req.params["share_id"])


ROUTES: list[Endpoint] = [
    Endpoint("GET", PATH, list_shares, P + "index"),
    Endpoint("POST", PATH, attach_share, P + "create"),
    Endpoint("GET", PATH + "/{share_id}", show_share, P + "show"),
    Endpoint("DELETE", PATH + "/{share_id}", detach_share, P + "delete"),
]
