"""Servers: create, read, update, delete. Actions live in actions.py, the work itself in
conductor.py; this module only validates, records and dispatches.

A create checks the networks asked for first (nics.plan), then records in one transaction the
quota check (under the project's quota lock), the server rows, tags, group membership, CREATE
tasks and each server's ports (in a savepoint per server: a server whose ports cannot be made
goes to ERROR, as in Nova, and the others stay). The tasks of the servers with ports are
published after the commit. One write transaction per create: SQLite takes one writer at a time.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Delete, Insert, delete, insert, select
from sqlalchemy.orm import Session

from pocketstack.core.compute import claims, faults, states
from pocketstack.core.compute.lookups import Kept
from pocketstack.core.compute.nics import NicRequest, Nics
from pocketstack.core.compute.quotas import refuse_over
from pocketstack.core.compute.user_quotas import UserQuotas
from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound, PocketstackError
from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement import dag
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import Flavor, Host, Server, ServerGroupMember, ServerTag
from pocketstack.store.db import Database

MAX_TAGS = 50
GiB = 1024**3


def not_found(server_id: str) -> NotFound:
    return NotFound("server", server_id, message=f"Instance {server_id} could not be found.")


def get_visible(s: Session, ctx: RequestContext, server_id: str, *, include_deleted: bool = False) -> Server:
    """The server if ``ctx`` may see it; another project's server is 404, never 403."""
    server = s.get(Server, server_id) if len(server_id) <= 36 else None
    if server is None or (server.deleted and not include_deleted):
        raise not_found(server_id)
    if server.project_id != ctx.project_id and not is_admin(ctx):
        raise not_found(server_id)
    return server


def forget_membership_stmt(server_id: str) -> Delete:
    return delete(ServerGroupMember).where(ServerGroupMember.server_id == server_id)


def flavor_snapshot(flavor: Flavor) -> dict[str, Any]:
    return {
        "id": flavor.id,
        "name": flavor.name,
        "vcpus": flavor.vcpus,
        "ram": flavor.memory_mb,
        "disk": flavor.root_gb,
        "ephemeral": flavor.ephemeral_gb,
        "swap": flavor.swap_mb,
        "extra_specs": dict(flavor.extra_specs or {}),
    }


def tags_of(s: Session, server_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {sid: [] for sid in server_ids}
    if server_ids:
        rows = s.execute(
            select(ServerTag.server_id, ServerTag.tag)
            .where(ServerTag.server_id.in_(server_ids))
            .order_by(ServerTag.tag)
        )
        for sid, tag in rows:
            out[sid].append(tag)
    return out


def insert_servers(s: Session, servers: Sequence[Server]) -> None:
    """New servers in as rows, in one Core statement on ``s``'s connection (the ORM's bulk
    insert costs several times more, inside the write lock): the attributes given, by their
    columns' names; the others get their column's default, as the unit of work would give."""
    rows = []
    for server in servers:
        given = server.__dict__
        rows.append({column: given[key] for key, column in _SERVER_COLUMNS if key in given})
    s.connection().execute(_server_insert(), rows)


_SERVER_COLUMNS = tuple((attr.key, attr.columns[0].name) for attr in Server.__mapper__.column_attrs)


@cache
def _server_insert() -> Insert:
    return insert(Server.__table__)


def hostname_from(name: str) -> str:
    """Nova's sanitising of a display name into a hostname."""
    host = re.sub(r"[^\w.-]+", "-", name.lower()).replace("_", "-").strip(".-")
    return host[:63] or "server"


@dataclass
class CreateRequest:
    name: str
    image_id: str | None
    flavor_id: str
    networks: Any = "auto"  # "auto" | "none" | None (left out, before 2.37) | [{"uuid"|"port", ...}]
    security_groups: list[str] = field(default_factory=list)
    key_name: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    user_data: str | None = None
    zone: str | None = None
    min_count: int = 1
    max_count: int = 1
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    hostname: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)
    access_ipv4: str | None = None
    access_ipv6: str | None = None
    config_drive: bool = False
    admin_password: str | None = None
    auto_disk_config: bool | None = None  # OS-DCF:diskConfig AUTO/MANUAL; None: the image's say


@dataclass
class Created:
    servers: list[Server]
    reservation_id: str


def auto_disk_config(asked: bool | None, image: Any) -> bool:
    """As Nova: the image's ``auto_disk_config`` property decides when the request does not;
    an image that sets it to ``disabled`` refuses AUTO."""
    said = str((image.properties or {}).get("auto_disk_config", "")).strip().lower()
    if asked and said == "disabled":
        raise BadRequest(f"Requested image {image.id} has automatic disk resize disabled.")
    return asked if asked is not None else said in ("true", "1", "yes", "on", "t", "y")


# Image properties Nova never copies onto a server (too large for its system metadata).
_UNRECORDED_IMAGE_PROPERTIES = frozenset(
    ("mappings", "block_device_mapping", "img_mappings", "img_block_device_mapping")
)


def image_properties(image: Any) -> dict[str, str]:
    """What a server records of its image's properties at build and rebuild, as Nova's
    ``image_*`` system metadata: every property but the mappings, as a string of at most 255
    characters (the API picks the ones it shows)."""
    return {
        str(k): str(v)[:255]
        for k, v in (image.properties or {}).items()
        if k not in _UNRECORDED_IMAGE_PROPERTIES and v is not None
    }


class ServerService:
    def __init__(self, db: Database, cloud_services: Any, nics: Nics, publish: Callable[[str], None]) -> None:
        self.db = db
        self.svc = cloud_services  # flavors, keypairs, quotas, server_groups, images
        self.nics = nics
        self.publish = publish
        self._flavors: Kept[Flavor] = Kept(db, "flavors")
        self._images: Kept[Any] = Kept(db, "images")

    # -- create ----------------------------------------------------------------------------
    def create(self, ctx: RequestContext, req: CreateRequest) -> Created:
        if req.min_count > req.max_count:
            raise BadRequest("min_count must be <= max_count")
        metadata, injected = faults.split_metadata(req.metadata)
        self.svc.quotas.check_metadata_items(ctx.project_id, len(metadata))
        image = self._image(ctx, req.image_id)
        plan = self.nics.plan(ctx, req.networks, req.max_count)
        most = self.nics.fitting(ctx, plan, req.min_count, req.max_count)
        groups = self.nics.security_groups(ctx, req.security_groups) if plan else None
        # What is only looked up is read before the write transaction (SQLite's one writer at
        # a time): the flavor, the key and the zone; the group and the quota under it.
        with self.db.read() as s:
            admin = is_admin(ctx)
            try:
                key = (req.flavor_id, ctx.project_id, admin, ctx.user_id)
                flavors = self.svc.flavors
                flavor = self._flavors.get(
                    key, lambda: flavors.get_for_project(s, req.flavor_id, ctx.project_id, admin, ctx.user_id)
                )
            except NotFound:
                raise BadRequest(f"Flavor {req.flavor_id} could not be found.") from None
            if flavor.disabled:
                raise BadRequest(f"Flavor {flavor.id} is disabled and cannot be used.")
            self._check_image_fits(image, flavor)
            key_data = self._key(s, ctx, req.key_name)
            zone, forced_host = self._zone(s, ctx, req.zone)
            # The zone's root placement, kept as servers.placement_id (revision 0010); none for
            # a placement inside another named as a zone, which is found by name as before.
            zone_id = dag.root_id(s, zone) if zone else None
        with self.db.transaction() as s:
            group = self._group(s, ctx, req.hints)
            count = self._reserve_quota(s, ctx.project_id, ctx.user_id, flavor, req.min_count, most)
            reservation_id = f"r-{uuid.uuid4().hex[:8]}"
            servers = []
            for index in range(count):
                name = req.name if count == 1 else f"{req.name}-{index + 1}"
                server = self._new_server(ctx, req, flavor, image, name, index, reservation_id, key_data)
                server.metadata_ = metadata
                server.injected_faults = injected
                server.requested_zone = zone
                server.placement_id = zone_id
                server.scheduler_hints = {**req.hints, **({"force_host": forced_host} if forced_host else {})}
                servers.append(server)
            insert_servers(s, servers)  # the objects answer the caller
            for server in servers:
                for tag in dict.fromkeys(req.tags):
                    s.add(ServerTag(server_id=server.id, tag=tag))
                if group is not None:
                    self.svc.server_groups.add_member(s, group, server.id)
            task_ids = tasks.start_rows(s, [server.id for server in servers], ctx.project_id, "create", ctx)
            networked = [
                task_id
                for server, task_id in zip(servers, task_ids, strict=True)
                if self.networked(s, ctx, server.id, task_id, zone, plan, groups)
            ]
        for task_id in networked:
            self.publish(task_id)
        return Created(servers, reservation_id)

    def networked(
        self,
        s: Session,
        ctx: RequestContext,
        server_id: str,
        task_id: str,
        zone: str | None,
        plan: Sequence[NicRequest],
        groups: list[str] | None,
    ) -> bool:
        """Make the new server's ports in its create's transaction ``s``; True when made. When
        they cannot be (as Nova when it cannot allocate a server's network), the server is in
        ERROR with the reason as its fault, its build task failed, and it holds no port."""
        try:
            self.nics.attach_in(s, ctx, server_id, zone, plan, groups)
            return True
        except PocketstackError as exc:
            reason = exc.message
        message = f"Build of instance {server_id} aborted: Failed to allocate the network(s): {reason}"
        claims.swap(
            s,
            server_id,
            vm_states=[states.BUILDING],
            vm_state=states.ERROR,
            task_state=None,
            fault=states.fault_record(message),
        )
        tasks.finish(s, task_id, False, message)
        return False

    def _image(self, ctx: RequestContext, image_id: str | None) -> Any:
        if not image_id:
            raise BadRequest("Missing imageRef attribute: booting from volume is not supported yet.")
        try:
            # What an image lookup depends on: the image, and the caller's project and adminship.
            key = (image_id, ctx.project_id, is_admin(ctx))
            image = self._images.get(key, lambda: self.svc.images.get(ctx, image_id))
        except NotFound:
            raise BadRequest(f"Image {image_id} could not be found.") from None
        if image.status != "active":
            raise BadRequest(f"Image {image_id} is not active.")
        return image

    @staticmethod
    def _check_image_fits(image: Any, flavor: Flavor) -> None:
        if flavor.memory_mb < (image.min_ram or 0):
            raise BadRequest("Flavor's memory is too small for requested image.")
        if flavor.root_gb:
            if flavor.root_gb < (image.min_disk or 0):
                raise BadRequest("Flavor's disk is too small for requested image.")
            if (image.size or 0) > flavor.root_gb * GiB or (image.virtual_size or 0) > flavor.root_gb * GiB:
                raise BadRequest(
                    f"Flavor's disk is too small for requested image. Flavor disk is {flavor.root_gb * GiB} "
                    f"bytes, image is {image.virtual_size or image.size} bytes."
                )

    def _key(self, s: Session, ctx: RequestContext, key_name: str | None) -> str | None:
        if key_name is None:
            return None
        try:
            return self.svc.keypairs.get_public_key(s, ctx.user_id, key_name).public_key
        except NotFound:
            raise BadRequest("Invalid key_name provided.") from None

    @staticmethod
    def _zone(s: Session, ctx: RequestContext, requested: str | None) -> tuple[str | None, str | None]:
        """``zone``, ``zone:host`` or ``:host`` (the forms with a host are for admins)."""
        if not requested:
            return None, None
        zone, _, host = requested.partition(":")
        if host and not is_admin(ctx):
            raise Forbidden("Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.")
        if zone and dag.placement_id(s, zone) is None:
            raise BadRequest("The requested availability zone is not available")
        return zone or None, host or None

    def _group(self, s: Session, ctx: RequestContext, hints: dict[str, Any]) -> str | None:
        group_id = hints.get("group")
        if not group_id:
            return None
        try:
            return self.svc.server_groups.get_for_project(s, group_id, ctx.project_id, is_admin(ctx)).id
        except NotFound:
            raise BadRequest(f"Invalid server group {group_id}.") from None

    def _reserve_quota(
        self, s: Session, project_id: str, user_id: str, flavor: Flavor, low: int, high: int
    ) -> int:
        """Take ``high`` servers if the quotas allow, else the most between ``low`` and it. The
        count is worked out from the limits at once (``high`` may be large), then checked: the
        project's limits, then (as Nova's per-user quotas) the creating user's own limits when
        an admin has set any. Limits and usage are read once, under the project's quota lock."""
        each = {"instances": 1, "cores": flavor.vcpus, "ram": flavor.memory_mb}
        quotas = self.svc.quotas
        quotas.lock(s, project_id)
        with s.no_autoflush:
            limits = quotas.limits_in(s, project_id)
            used = quotas.server_usage(s, project_id)
            own = UserQuotas.own_in(s, project_id, user_id)
            own_used = quotas.server_usage(s, project_id, user_id) if own else {}
        bounds = [(limits, used)] + ([(own, own_used)] if own else [])
        count = high
        for bound, counted in bounds:
            for resource, amount in each.items():
                if bound.get(resource, -1) >= 0 and amount > 0:
                    count = min(count, (bound[resource] - counted.get(resource, 0)) // amount)
        count = max(count, low)
        deltas = {resource: count * amount for resource, amount in each.items()}
        refuse_over(deltas, used, limits)
        if own:
            refuse_over(deltas, own_used, own)
        return count

    @staticmethod
    def _new_server(
        ctx: RequestContext,
        req: CreateRequest,
        flavor: Flavor,
        image: Any,
        name: str,
        index: int,
        reservation_id: str,
        key_data: str | None,
    ) -> Server:
        now = utcnow()
        hostname = req.hostname or hostname_from(name)
        if req.hostname and req.max_count > 1:
            hostname = f"{req.hostname}-{index + 1}"
        return Server(
            id=str(uuid.uuid4()),
            project_id=ctx.project_id,
            user_id=ctx.user_id,
            name=name,
            description=req.description,
            hostname=hostname,
            image_id=image.id,
            image_properties=image_properties(image),
            flavor_id=flavor.id,
            flavor=flavor_snapshot(flavor),
            vm_state=states.BUILDING,
            task_state="scheduling",
            power_state=states.NOSTATE,
            key_name=req.key_name,
            key_data=key_data,
            user_data=req.user_data,
            access_ipv4=req.access_ipv4,
            access_ipv6=req.access_ipv6,
            locked=False,
            config_drive="True" if req.config_drive else "",
            auto_disk_config=auto_disk_config(req.auto_disk_config, image),
            reservation_id=reservation_id,
            launch_index=index,
            admin_password_set=req.admin_password is not None,
            created_at=now,
            updated_at=now,
            deleted=False,
        )

    # -- read / update -------------------------------------------------------------------
    def get(self, ctx: RequestContext, server_id: str) -> Server:
        with self.db.read() as s:
            return get_visible(s, ctx, server_id)

    def update(self, ctx: RequestContext, server_id: str, changes: dict[str, Any]) -> Server:
        """Set the given attributes; ``pinned_availability_zone`` (2.104) unpins (None) or
        re-pins the server's requested zone, with Nova's 409s."""
        changes = dict(changes)
        with self.db.transaction() as s:
            server = get_visible(s, ctx, server_id)
            if "pinned_availability_zone" in changes:
                self._repin(s, server, changes.pop("pinned_availability_zone"))
            for key, value in changes.items():
                setattr(server, key, value)
            server.updated_at = utcnow()
            return server

    @staticmethod
    def _repin(s: Session, server: Server, requested: str | None) -> None:
        """As Nova 2.104: null unpins; a zone re-pins only an unpinned server, and only to the
        zone it is in now; the same zone again is a no-op."""
        pinned = server.requested_zone
        if requested is None:
            if pinned is not None:
                server.placement_id = None  # the zone it asked for; a placement inside one stays
            server.requested_zone = None
            return
        if pinned is not None:
            if requested != pinned:
                raise Conflict(
                    "Cannot change pinned availability zone directly. Unpin first by setting "
                    "pinned_availability_zone to null."
                )
            return
        current = ""
        if server.host:
            host_id = s.scalar(select(Host.id).where(Host.name == server.host))
            current = dag.zones_of_hosts(s).get(host_id or "", "")
        if requested != current:
            raise Conflict(
                f"Server can only be pinned to its current availability zone '{current}', but "
                f"'{requested}' was requested."
            )
        server.requested_zone = requested
        server.placement_id = dag.root_id(s, requested)

    # -- delete ------------------------------------------------------------------------------
    def delete(self, ctx: RequestContext, server_id: str, soft_delete: bool) -> str | None:
        """Delete (or, with a reclaim interval, soft-delete) a server; 409 when locked for a
        non-admin. A server being deleted already is answered again without a second task.
        Returns the id of the delete task: the new one, or the one running already (None only
        when none is recorded as running)."""
        with self.db.transaction() as s:
            server = get_visible(s, ctx, server_id)
            if server.locked and not is_admin(ctx):
                raise Conflict(f"Instance {server_id} is locked", code="compute.server.locked")
            if server.task_state == "deleting":
                return tasks.running_of(s, server.id, "delete")
            soft = soft_delete and server.vm_state not in (states.SOFT_DELETED, states.BUILDING)
            action = "softDelete" if soft else "delete"
            # One conditional write: of two deletes, or a delete and an action, one claims it.
            if not claims.claim_delete(s, server, states.ACTIONS[action], guard_lock=not is_admin(ctx)):
                return tasks.running_of(s, server.id, "delete")  # another delete got there first
            task = tasks.start(
                s, server.id, server.project_id, "delete", ctx, {"soft": action == "softDelete"}
            )
        self.publish(task.id)
        return task.id
