"""What the request does itself for a server action (core/compute/actions.py), named by the
action table (core/compute/action_table.py):

- preparations, run after the claim and before the task is recorded: they check what only the
  request can answer (a flavor the caller may use, a target host that exists, an image that
  is active) and write what the API shows at once (a rebuild's new name and image);
- bookkeeping for the actions finished inside the request (lock, unlock, reset state, confirm
  resize, crash dump), written with the same claim as a task so no concurrent change is lost.

Each is a plain function taking the ``ServerActions`` first (for its services and driver).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from pocketstack.core.compute import claims, states
from pocketstack.core.compute.servers import flavor_snapshot, image_properties
from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.store.compute_models import Host, Server

if TYPE_CHECKING:
    from pocketstack.core.compute.actions import ServerActions


# -- preparations in the request -------------------------------------------------------------
def prepare_resize(
    sa: ServerActions, s: Session, ctx: RequestContext, server: Server, params: dict[str, Any]
) -> None:
    try:
        flavor = sa.svc.flavors.get_for_project(
            s, params.pop("flavor_id"), ctx.project_id, is_admin(ctx), ctx.user_id
        )
    except NotFound:
        raise BadRequest("Unable to locate requested flavor.") from None
    if flavor.id == server.flavor_id:
        raise BadRequest("When resizing, instances must change flavor!")
    if flavor.disabled:
        raise BadRequest(f"Flavor {flavor.id} is disabled and cannot be used.")
    old = server.flavor
    deltas = {"cores": max(0, flavor.vcpus - old["vcpus"]), "ram": max(0, flavor.memory_mb - old["ram"])}
    if any(deltas.values()):
        sa.svc.quotas.check(s, server.project_id, deltas)
    params["flavor"] = flavor_snapshot(flavor)
    if "auto_disk_config" in params:
        server.auto_disk_config = params.pop("auto_disk_config")


def prepare_migrate(
    sa: ServerActions, s: Session, ctx: RequestContext, server: Server, params: dict[str, Any]
) -> None:
    """Cold and live migration: a target host named must exist."""
    _check_target_host(s, params.get("host"))


def prepare_evacuate(
    sa: ServerActions, s: Session, ctx: RequestContext, server: Server, params: dict[str, Any]
) -> None:
    source = s.query(Host).filter(Host.name == server.host).first() if server.host else None
    if source is not None and not source.forced_down:
        raise Conflict(f"Compute service of {server.host} is still in use.")
    _check_target_host(s, params.get("host"))


def _check_target_host(s: Session, host: str | None) -> None:
    if host and s.query(Host).filter(Host.name == host).first() is None:
        raise BadRequest(f"Compute host {host} could not be found.")


_REBUILT_FIELDS = (
    "name",
    "metadata",
    "description",
    "access_ipv4",
    "access_ipv6",
    "hostname",
    "user_data",
    "auto_disk_config",
)


def prepare_rebuild(
    sa: ServerActions, s: Session, ctx: RequestContext, server: Server, params: dict[str, Any]
) -> None:
    image_id = params.get("image_id")
    if image_id:
        image = sa.svc.images.get(ctx, image_id)
        if image.status != "active":
            raise BadRequest(f"Image {image_id} is not active.")
        server.image_id = image.id  # as Nova: the server shows its new image from the answer on
        server.image_properties = image_properties(image)
    for key in _REBUILT_FIELDS:
        if key in params:
            setattr(server, "metadata_" if key == "metadata" else key, params.pop(key))
    if "key_name" in params:
        key_name = params.pop("key_name")
        server.key_name = key_name
        keypairs = sa.svc.keypairs
        server.key_data = keypairs.get_public_key(s, ctx.user_id, key_name).public_key if key_name else None


def prepare_unshelve(
    sa: ServerActions, s: Session, ctx: RequestContext, server: Server, params: dict[str, Any]
) -> None:
    if params.get("host") and not is_admin(ctx):
        raise Forbidden("Policy doesn't allow os_compute_api:os-shelve:unshelve_to_host to be performed.")
    if params.get("host") and server.vm_state != states.SHELVED_OFFLOADED:
        raise Conflict("The host can only be given when unshelving an offloaded server.")


# -- finished in the request -----------------------------------------------------------------
def lock(
    sa: ServerActions,
    s: Session,
    ctx: RequestContext,
    server: Server,
    act: states.Action,
    params: dict[str, Any],
    guard_lock: bool,
) -> None:
    owner = "admin" if is_admin(ctx) and server.project_id != ctx.project_id else "owner"
    _claim_lock(s, server, act, True, owner, params.get("locked_reason"))


def unlock(
    sa: ServerActions,
    s: Session,
    ctx: RequestContext,
    server: Server,
    act: states.Action,
    params: dict[str, Any],
    guard_lock: bool,
) -> None:
    if server.locked_by == "admin" and not is_admin(ctx):
        rule = "os_compute_api:os-lock-server:unlock:unlock_override"
        raise Forbidden(f"Policy doesn't allow {rule} to be performed.")
    _claim_lock(s, server, act, False, None, None)


def _claim_lock(
    s: Session, server: Server, act: states.Action, locked: bool, by: str | None, reason: str | None
) -> None:
    # Only over the lock as it was read: a lock or unlock that came in meanwhile is a 409.
    seen = Server.locked_by.is_not_distinct_from(server.locked_by)
    claims.claim(s, server, act, where=[seen], locked=locked, locked_by=by, locked_reason=reason)


def reset_state(
    sa: ServerActions,
    s: Session,
    ctx: RequestContext,
    server: Server,
    act: states.Action,
    params: dict[str, Any],
    guard_lock: bool,
) -> None:
    claims.claim(s, server, act, vm_state=params["state"], task_state=None)


def confirm_resize(
    sa: ServerActions,
    s: Session,
    ctx: RequestContext,
    server: Server,
    act: states.Action,
    params: dict[str, Any],
    guard_lock: bool,
) -> None:
    sa.confirm_resize(s, server, guard_lock)


def check_only(
    sa: ServerActions,
    s: Session,
    ctx: RequestContext,
    server: Server,
    act: states.Action,
    params: dict[str, Any],
    guard_lock: bool,
) -> None:
    """trigger_crash_dump: the state is only checked, nothing is written."""
    states.check_allowed(act, server.vm_state, server.task_state)
