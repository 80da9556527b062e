"""Subnet pools: prefixes subnets are carved from, with bounds on their size, an optional
per-project quota of addresses, and membership of an address scope (whose pools may not
overlap). ``carve`` is what a subnet create calls to take a prefix from a pool."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Conflict
from pocketstack.core.network import ipam
from pocketstack.core.network import tags as tagging
from pocketstack.core.network.access import creation_target, get_visible, target
from pocketstack.core.network.base import Item, ResourceService
from pocketstack.core.network.common import (
    check_read_only,
    check_revision,
    lock_rows,
    new_id,
    owner_of,
    retrying,
    stamp,
    touch,
)
from pocketstack.core.network.errors import in_use, invalid
from pocketstack.core.network.listing import Lister
from pocketstack.store.network_models import AddressScope, Subnet, SubnetPool

BOUNDS = {4: (8, 32), 6: (64, 128)}  # default min and max prefix lengths
UPDATABLE = frozenset(
    {"name", "description", "prefixes", "default_prefixlen", "min_prefixlen", "max_prefixlen"}
    | {"default_quota", "is_default", "address_scope_id"}
)
COLUMNS = {
    key: getattr(SubnetPool, key)
    for key in (
        "id",
        "name",
        "description",
        "project_id",
        "ip_version",
        "default_prefixlen",
        "min_prefixlen",
        "max_prefixlen",
        "default_quota",
        "shared",
        "is_default",
        "address_scope_id",
        "revision_number",
        "created_at",
        "updated_at",
    )
}


def _prefixes(raw: Any) -> list[ipam.Net]:
    if not isinstance(raw, list) or not raw:
        raise BadRequest("Empty subnet pool prefix list.", code="network.subnetpool.empty")
    nets = [ipam.parse_cidr(p) for p in raw]
    if len({n.version for n in nets}) > 1:
        raise BadRequest(
            "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.", code="network.subnetpool.mixed"
        )
    return list(ipaddress.collapse_addresses(nets))  # type: ignore[arg-type]


def _bounds(version: int, attrs: Mapping[str, Any], current: SubnetPool | None) -> tuple[int, int, int]:
    """(min, default, max) prefix lengths: given, else current, else the version's defaults."""
    low, high = BOUNDS[version]
    minimum = attrs.get("min_prefixlen", current.min_prefixlen if current else low)
    maximum = attrs.get("max_prefixlen", current.max_prefixlen if current else high)
    default = attrs.get("default_prefixlen", current.default_prefixlen if current else minimum)
    limit = 32 if version == 4 else 128
    if not 0 <= minimum <= default <= maximum <= limit:
        raise invalid(
            f"Illegal prefix bounds: min_prefixlen={minimum}, default_prefixlen={default}, "
            f"max_prefixlen={maximum} (0 <= min <= default <= max <= {limit})"
        )
    return minimum, default, maximum


def _size(net: ipam.Net) -> int:
    """What a subnet counts against a pool's default_quota: addresses (IPv4) or /64s (IPv6)."""
    return net.num_addresses if net.version == 4 else 1 << max(0, 64 - net.prefixlen)


def carve(s: Session, pool: SubnetPool, project_id: str, cidr: Any, prefixlen: Any) -> ipam.Net:
    """Take a prefix for a new subnet from ``pool``: the CIDR asked for, or the lowest free block
    of ``prefixlen`` (the pool's default when None). The pool row is locked meanwhile."""
    lock_rows(s, SubnetPool, [pool.id])
    within = [ipaddress.ip_network(p) for p in pool.prefixes]
    rows = s.execute(select(Subnet.cidr, Subnet.project_id).where(Subnet.subnetpool_id == pool.id)).all()
    taken = [ipaddress.ip_network(c) for c, _ in rows]
    if cidr is not None:
        net = ipam.parse_cidr(cidr, pool.ip_version)
        if not any(net.subnet_of(p) for p in within):  # type: ignore[arg-type]
            raise invalid(f"Cidr {net} is not within the prefixes of subnet pool {pool.id}")
        if any(net.overlaps(t) for t in taken):
            raise Conflict(f"Failed to allocate subnet: {net} overlaps a subnet of pool {pool.id}.")
    else:
        net = None
    length = net.prefixlen if net else (prefixlen if prefixlen is not None else pool.default_prefixlen)
    if length < pool.min_prefixlen or length > pool.max_prefixlen:
        edge = "minimum" if length < pool.min_prefixlen else "maximum"
        allowed = pool.min_prefixlen if edge == "minimum" else pool.max_prefixlen
        raise BadRequest(
            f"Unable to allocate subnet with prefix length {length}, {edge} allowed prefix is {allowed}.",
            code="network.subnetpool.prefixlen",
        )
    net = net or ipam.free_prefix(within, taken, length)
    if net is None:
        raise Conflict(
            f"Failed to allocate subnet: Insufficient prefix space to allocate subnet size /{length}."
        )
    if pool.default_quota is not None:
        used = sum(_size(ipaddress.ip_network(c)) for c, owner in rows if owner == project_id)
        if used + _size(net) > pool.default_quota:
            raise Conflict("Failed to allocate subnet: Per-project subnet pool prefix quota exceeded.")
    return net


class SubnetPoolService(ResourceService):
    kind = "subnetpool"
    collection = "subnetpools"
    lister = Lister("subnetpool", COLUMNS)

    def create(self, ctx: RequestContext, attrs: Mapping[str, Any]) -> Item:
        project = owner_of(ctx, attrs)
        tgt = creation_target(project)
        self.access.enforce(ctx, "create_subnetpool", tgt)
        set_rules = [a for a in ("shared", "is_default") if attrs.get(a)]
        self.access.enforce_attributes(ctx, "create_subnetpool", set_rules, tgt)
        tags = self.creation_tags(ctx, attrs, tgt)
        prefixes = _prefixes(attrs.get("prefixes"))
        version = prefixes[0].version
        minimum, default, maximum = _bounds(version, attrs, None)

        def work(s: Session) -> str:
            self.quotas.check(s, project, {"subnetpool": 1})
            pool = SubnetPool(
                **stamp(id=new_id(), project_id=project, description=attrs.get("description", "")),
                name=attrs.get("name", ""),
                ip_version=version,
                prefixes=[str(p) for p in prefixes],
                default_prefixlen=default,
                min_prefixlen=minimum,
                max_prefixlen=maximum,
                default_quota=attrs.get("default_quota"),
                shared=attrs.get("shared", False),
                is_default=attrs.get("is_default", False),
                address_scope_id=None,
            )
            self._scope(s, ctx, pool, attrs.get("address_scope_id"))
            if pool.is_default:
                self._check_one_default(s, pool)
            s.add(pool)
            s.flush()
            tagging.tag_new(s, self.collection, pool.id, tags)
            return pool.id

        return self.described(ctx, retrying(self.db, work))

    @staticmethod
    def _check_one_default(s: Session, pool: SubnetPool) -> None:
        stmt = select(SubnetPool.id).where(
            SubnetPool.is_default.is_(True),
            SubnetPool.ip_version == pool.ip_version,
            SubnetPool.id != pool.id,
        )
        if s.scalar(stmt) is not None:
            raise invalid(
                "A default subnetpool for this IP family has already been set. Only one default may exist "
                "per IP family"
            )

    def _scope(self, s: Session, ctx: RequestContext, pool: SubnetPool, scope_id: str | None) -> None:
        """Join ``pool`` to the address scope (visible, same IP version, no overlap with its
        other pools); None leaves every scope."""
        if scope_id is None:
            pool.address_scope_id = None
            return
        scope = get_visible(s, ctx, "address_scope", scope_id)  # before the pool names it: no flush
        pool.address_scope_id = scope_id
        if scope.ip_version != pool.ip_version:
            raise invalid(
                f"Illegal subnetpool association: subnetpool {pool.id} cannot associate with address scope "
                f"{scope_id} because subnetpool ip_version is not {scope.ip_version}"
            )
        lock_rows(s, AddressScope, [scope_id])
        mine = [ipaddress.ip_network(p) for p in pool.prefixes]
        others = s.scalars(
            select(SubnetPool).where(SubnetPool.address_scope_id == scope_id, SubnetPool.id != pool.id)
        )
        for other in others:
            if any(a.overlaps(ipaddress.ip_network(b)) for a in mine for b in other.prefixes):
                raise Conflict(
                    "Failed to associate address scope: subnetpools within an address scope must have "
                    "unique prefixes.",
                    code="network.address_scope.prefix_conflict",
                )

    def update(
        self, ctx: RequestContext, ident: str, attrs: Mapping[str, Any], revision: int | None = None
    ) -> Item:
        check_read_only(attrs, UPDATABLE)
        with self.db.transaction() as s:
            pool = self.load(s, ctx, ident, "update", lock=True)
            check_revision(pool, revision)
            if "is_default" in attrs:
                self.access.enforce(ctx, "update_subnetpool:is_default", target(pool))
            if "prefixes" in attrs:
                new = _prefixes(attrs["prefixes"])
                if new[0].version != pool.ip_version or not all(
                    any(ipaddress.ip_network(old).subnet_of(n) for n in new)
                    for old in pool.prefixes  # type: ignore[arg-type]
                ):
                    raise invalid("Illegal update to prefixes: the new prefixes must hold every existing one")
                pool.prefixes = [str(p) for p in new]
            pool.min_prefixlen, pool.default_prefixlen, pool.max_prefixlen = _bounds(
                pool.ip_version, attrs, pool
            )
            for key in ("name", "description", "default_quota", "is_default"):
                if key in attrs:
                    setattr(pool, key, attrs[key])
            if pool.is_default:
                self._check_one_default(s, pool)
            if "address_scope_id" in attrs or "prefixes" in attrs:
                self._scope(s, ctx, pool, attrs.get("address_scope_id", pool.address_scope_id))
            touch(pool)
        return self.described(ctx, ident)

    def delete(self, ctx: RequestContext, ident: str, revision: int | None = None) -> None:
        with self.db.transaction() as s:
            pool = self.load(s, ctx, ident, "delete", lock=True)
            check_revision(pool, revision)
            if s.scalar(select(Subnet.id).where(Subnet.subnetpool_id == pool.id).limit(1)) is not None:
                raise in_use("subnetpool", pool.id, "Subnets are allocated from this pool.")
            tagging.forget(s, [pool.id])
            s.delete(pool)
