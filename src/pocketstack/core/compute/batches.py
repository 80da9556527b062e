"""Batch create (vNext, docs/compute-vnext.md 4.2): many servers, each with its own type,
template, hostname, placement and affinity, validated as a whole before anything is written.

The order is v2.1's (``ServerService.create``), for a whole batch: what is only looked up (types,
templates, keys, placements, affinity targets, networks) is read first and a bad item is a 400
naming its index; then one transaction takes the project's quota lock, checks the quota for
the whole batch, picks the hostnames (unique in the project, ``hostnames.allocate``) and writes
the servers, their tags, CREATE tasks and ports (a server whose ports cannot be made goes to
ERROR, as in v2.1: ``ServerService.networked``); the tasks are published after the commit.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pocketstack.core.compute import affinity, faults, hostnames, server_types
from pocketstack.core.compute.nics import NicRequest
from pocketstack.core.compute.quotas import refuse_over
from pocketstack.core.compute.servers import CreateRequest, ServerService, insert_servers
from pocketstack.core.compute.user_quotas import UserQuotas
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest
from pocketstack.core.placement import dag
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import Flavor, Placement, Server, ServerTag

MAX_ITEMS = 1000
K = TypeVar("K")
V = TypeVar("V")


@dataclass
class BatchItem:
    """One server of a batch, defaults already applied. ``interfaces`` None: the project's
    network (v2.1's "auto"); otherwise v2.1's list form (``uuid``/``port``, ``fixed_ip``,
    ``tag``), [] for none."""

    type_id: str
    template_id: str
    hostname: str | None = None
    hostname_pattern: str | None = None
    keypair_id: str | None = None
    placement_id: str | None = None
    interfaces: list[dict[str, Any]] | None = None
    affinity: affinity.Affinity = field(default_factory=affinity.Affinity)
    user_data: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


@dataclass
class Made:
    server_id: str
    task_id: str
    created_at: datetime


@dataclass
class _Ready:
    """An item with what it was looked up to: everything its row needs but its hostname."""

    item: BatchItem
    name: str | hostnames.Pattern
    flavor: Flavor
    image: Any
    key_data: str | None
    zone: str | None
    hints: dict[str, Any]
    plan: list[NicRequest]
    metadata: dict[str, str]
    injected: dict[str, Any]
    placement_id: str | None = None


def _memo(table: dict[K, V], key: K, make: Callable[[], V]) -> V:
    if key not in table:
        table[key] = make()
    return table[key]


class Batches:
    """Creates batches through the v2.1 create's parts (``ServerService``)."""

    def __init__(self, servers: ServerService) -> None:
        self.servers = servers
        self.svc = servers.svc
        self.nics = servers.nics

    def create(self, ctx: RequestContext, items: Sequence[BatchItem]) -> list[Made]:
        """Create every server of ``items`` or none. Raises BadRequest (naming the item's index)
        for an item that cannot be made, QuotaExceeded (403) for a batch over the project's
        quota or ports, and what ``Nics.plan`` raises for the project's network."""
        if not 1 <= len(items) <= MAX_ITEMS:
            raise BadRequest(f"A batch has 1 to {MAX_ITEMS} servers, not {len(items)}.")
        ready = self._prepare(ctx, items)
        self._check_ports(ctx, ready)
        made, networked = self._record(ctx, ready)
        for done in networked:
            self.servers.publish(done.task_id)
        return made

    # -- before the transaction: every lookup, every item ------------------------------------
    def _prepare(self, ctx: RequestContext, items: Sequence[BatchItem]) -> list[_Ready]:
        seen: dict[str, dict[Any, Any]] = {
            "image": {},
            "flavor": {},
            "key": {},
            "place": {},
            "affinity": {},
            "plan": {},
        }
        most_properties = max(len(i.properties) for i in items)
        self.svc.quotas.check_metadata_items(ctx.project_id, most_properties)
        ports = Counter(nic.get("port") for i in items for nic in i.interfaces or [] if nic.get("port"))
        out: list[_Ready] = []
        with self.servers.db.read() as s:
            for index, item in enumerate(items):
                with _naming(index):
                    if any(ports[nic.get("port")] > 1 for nic in item.interfaces or [] if nic.get("port")):
                        raise BadRequest("a port may serve one server of a batch only.")
                    out.append(self._ready(s, ctx, item, seen))
        # Networks last: "auto" may make the project's network, which no bad item should cause.
        for index, entry in enumerate(out):
            with _naming(index):
                entry.plan = self._plan(ctx, entry.item, seen)
        return out

    def _ready(
        self, s: Session, ctx: RequestContext, item: BatchItem, seen: dict[str, dict[Any, Any]]
    ) -> _Ready:
        if (item.hostname is None) == (item.hostname_pattern is None):
            raise BadRequest("give hostname or hostname_pattern (one of them).")
        name: str | hostnames.Pattern
        if item.hostname is not None:
            hostnames.check_name(item.hostname)
            name = item.hostname
        else:
            name = hostnames.check_pattern(item.hostname_pattern or "")
            name = name.prefix if not name.digits else name
        image = _memo(seen["image"], item.template_id, lambda: self.servers._image(ctx, item.template_id))
        flavor = _memo(seen["flavor"], item.type_id, lambda: server_types.usable(s, ctx, item.type_id))
        self.servers._check_image_fits(image, flavor)
        key = _memo(seen["key"], item.keypair_id, lambda: self.servers._key(s, ctx, item.keypair_id))
        placement_id, zone = _memo(seen["place"], item.placement_id, lambda: _placement(s, item.placement_id))
        hints = _memo(
            seen["affinity"],
            item.affinity,
            lambda: affinity.hints(s, ctx, ctx.project_id or "", item.affinity),
        )
        metadata, injected = faults.split_metadata(item.properties)
        return _Ready(item, name, flavor, image, key, zone, hints, [], metadata, injected, placement_id)

    def _plan(
        self, ctx: RequestContext, item: BatchItem, seen: dict[str, dict[Any, Any]]
    ) -> list[NicRequest]:
        if item.interfaces is None:
            return _memo(seen["plan"], "auto", lambda: self.nics.plan(ctx, "auto", 1))
        return self.nics.plan(ctx, item.interfaces or "none", 1)

    def _check_ports(self, ctx: RequestContext, ready: list[_Ready]) -> None:
        """The port quota for the whole batch (one new port per network interface)."""
        needed = sum(1 for r in ready for nic in r.plan if nic.port_id is None)
        if needed:
            # COMPAT: Nics.fitting counts servers of one plan; one interface each counts ports.
            self.nics.fitting(ctx, [NicRequest(network_id="batch")], needed, needed)

    # -- the transaction ------------------------------------------------------------------
    def _record(self, ctx: RequestContext, ready: list[_Ready]) -> tuple[list[Made], list[Made]]:
        """The batch's rows, tasks and ports: (every server made, those whose ports were)."""
        project = ctx.project_id or ""
        reservation_id = f"r-{uuid.uuid4().hex[:8]}"
        with self.servers.db.transaction() as s:
            self.svc.quotas.lock(s, project)  # hostnames and quota: two batches take turns
            names = hostnames.allocate([r.name for r in ready], hostnames.taken(s, project))
            self._reserve_quota(s, ctx, ready)
            servers = [
                self._server(ctx, r, name, i, reservation_id)
                for i, (r, name) in enumerate(zip(ready, names, strict=True))
            ]
            insert_servers(s, servers)
            rows = [
                {"server_id": sv.id, "tag": t}
                for sv, r in zip(servers, ready, strict=True)
                for t in dict.fromkeys(r.item.tags)
            ]
            if rows:
                s.execute(insert(ServerTag), rows)
            made = [
                Made(sv.id, tasks.start(s, sv.id, project, "create", ctx).id, sv.created_at) for sv in servers
            ]
            networked = [
                done
                for r, done in zip(ready, made, strict=True)
                if self.servers.networked(s, ctx, done.server_id, done.task_id, r.zone, r.plan, None)
            ]
        return made, networked

    def _reserve_quota(self, s: Session, ctx: RequestContext, ready: list[_Ready]) -> None:
        """The whole batch against the project's limits and, when an admin set any, the user's
        (the caller holds the project's quota lock)."""
        deltas = {
            "instances": len(ready),
            "cores": sum(r.flavor.vcpus for r in ready),
            "ram": sum(r.flavor.memory_mb for r in ready),
        }
        quotas, project = self.svc.quotas, ctx.project_id or ""
        with s.no_autoflush:
            refuse_over(deltas, quotas.server_usage(s, project), quotas.limits_in(s, project))
            own = UserQuotas.own_in(s, project, ctx.user_id)
            if own:
                refuse_over(deltas, quotas.server_usage(s, project, ctx.user_id), own)

    def _server(
        self, ctx: RequestContext, r: _Ready, hostname: str, index: int, reservation_id: str
    ) -> Server:
        item = r.item
        req = CreateRequest(
            name=hostname,  # vNext's hostname is v2.1's name too
            image_id=r.image.id,
            flavor_id=r.flavor.id,
            key_name=item.keypair_id,
            user_data=item.user_data,
            hostname=hostname,
        )
        server = self.servers._new_server(
            ctx, req, r.flavor, r.image, hostname, index, reservation_id, r.key_data
        )
        server.metadata_ = r.metadata
        server.injected_faults = r.injected
        server.requested_zone = r.zone
        server.placement_id = r.placement_id
        server.scheduler_hints = dict(r.hints)
        return server


@contextmanager
def _naming(index: int) -> Iterator[None]:
    """A 400 raised inside names the batch item it is about."""
    try:
        yield
    except BadRequest as exc:
        raise BadRequest(f"servers[{index}]: {exc.message}", code=exc.code) from None


def _placement(s: Session, placement_id: str | None) -> tuple[str | None, str | None]:
    """The placement ``placement_id`` as the server keeps it: its id (``servers.placement_id``,
    which keeps the scheduler in that placement and those below it) and, for a root, its name
    as the requested zone: a root is a v2.1 availability zone, so v2.1 shows the server pinned
    to it. A placement inside another is no zone: v2.1 shows no pinned zone, and the server's
    zone is its host's."""
    if placement_id is None:
        return None, None
    name = s.scalar(select(Placement.name).where(Placement.id == placement_id))
    if name is None:
        raise BadRequest(f"Placement {placement_id} could not be found.")
    return placement_id, (name if dag.is_root(s, placement_id) else None)
