"""A server's network interfaces: ports of the network service, as Nova keeps them with
Neutron.

The requested networks are checked when the server is asked for (``plan``: Nova's API
validation, with its errors), the ports are made or claimed right after the server is recorded
(``attach``, with the caller's own rights, so the network service's policy, quotas, security
groups and address allocation apply unchanged) and bound to the host when the server is
scheduled (``bind``). At delete, ports made for the server are deleted and the user's own are
unbound and kept (``release``).

What a server shows (``addresses``, ``security_groups``, its interfaces) is read from the ports
whose ``device_id`` is the server, at the time it is shown: there is no second copy to go stale
when a port changes through the Network API.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Insert, Select, Update, and_, bindparam, case, delete, insert, select, update
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.core.network import l3_guards, l3_ports, port_attrs
from pocketstack.core.network.access import get_visible, granted, note_grants, visible, visible_to_project
from pocketstack.core.network.auto_topology import NETWORK_NAME as AUTO_NETWORK_NAME
from pocketstack.core.network.common import retrying, retrying_in, touch
from pocketstack.core.network.security_groups import DEFAULT_NAME, ensure_default
from pocketstack.core.network.services import NetworkServices
from pocketstack.core.network.validation import is_uuid
from pocketstack.drivers.base import FilterRule, FixedAddress, VifSpec
from pocketstack.store.compute_models import ServerInterface
from pocketstack.store.db import Database
from pocketstack.store.network_l3_models import FloatingIP
from pocketstack.store.network_models import IpAllocation, Network, Port, PortSecurityGroup, Subnet
from pocketstack.store.network_security_models import SecurityGroup, SecurityGroupRule

COMPUTE_OWNER = "compute:"
# The codes of plan's 400s for a network or port the caller cannot see (os-interface makes them 404s).
NOT_FOUND_CODES = frozenset({"compute.network.not_found", "compute.port.not_found"})
OVS_BRIDGE = "br-int"  # the integration bridge an ovs-bound port joins
DEFAULT_ZONE = "nova"  # Nova's default availability zone, in the device owner of its ports
AUTO_RACE_WAIT = 5.0  # seconds a boot waits for another process's get-me-a-network race to settle


@dataclass(frozen=True)
class NicRequest:
    """One interface to give each server: a network (optionally at a fixed address) or a port."""

    network_id: str | None = None
    port_id: str | None = None
    fixed_ip: str | None = None
    tag: str | None = None


@dataclass
class Attachment:
    """One port of a server as compute shows it."""

    port_id: str
    network_id: str
    network_name: str
    mac: str
    status: str
    fixed_ips: list[tuple[str, str]]  # (subnet id, address)
    floating: dict[str, list[str]] = field(default_factory=dict)  # fixed address -> floating ones
    groups: list[str] = field(default_factory=list)  # security group names
    tag: str | None = None


def version_of(address: str) -> int:
    return 6 if ":" in address else 4


def not_attached(port_id: str) -> NotFound:
    return NotFound("port", port_id, message=f"Port {port_id} is not attached")


class Nics:
    def __init__(self, db: Database, network: NetworkServices) -> None:
        self.db = db
        self.network = network
        self._auto_lock = threading.Lock()
        self._auto_locks: dict[str | None, threading.Lock] = {}
        self._auto_making: dict[str | None, int] = {}  # project -> boots holding or awaiting its lock

    # -- at the API: what to attach ----------------------------------------------------------
    def plan(self, ctx: RequestContext, networks: Any, count: int) -> list[NicRequest]:
        """The interfaces each of ``count`` servers gets. ``networks`` is "none", "auto",
        None (left out, before microversion 2.37) or a list of ``{"uuid"|"port", "fixed_ip",
        "tag"}``. Nova's 400/403/409 for what cannot work; the port quota is ``fitting``'s."""
        if networks == "none":
            return []
        if networks is None or networks == "auto":
            found = self._available_settled(ctx)
            if len(found) > 1:
                found = self._past_auto_race(ctx, found)
            if len(found) > 1:
                raise Conflict("Multiple possible networks found, use a Network ID to be more specific.")
            if not found and networks is None:
                return []
            if found:
                return [NicRequest(network_id=found[0])]
            with self._making(ctx.project_id):
                found = self.available(ctx)  # made by the boot this one waited for?
                return [NicRequest(network_id=found[0] if found else self.network.auto_topology.ensure(ctx))]
        with self.db.read() as s:
            return [self._checked(s, ctx, item, count) for item in networks]

    @contextmanager
    def _making(self, project_id: str | None) -> Iterator[None]:
        """Hold the project's get-me-a-network lock: of concurrent first boots, one makes the
        network and the others wait for it, instead of each making one (the losers' networks
        would show as a second available network until removed: 409 for everyone in between)."""
        with self._auto_lock:
            lock = self._auto_locks.setdefault(project_id, threading.Lock())
            self._auto_making[project_id] = self._auto_making.get(project_id, 0) + 1
        try:
            with lock:
                yield
        finally:
            with self._auto_lock:
                self._auto_making[project_id] -= 1
                if not self._auto_making[project_id]:
                    del self._auto_making[project_id]

    def _available_settled(self, ctx: RequestContext) -> list[str]:
        """``available``, after any network being made for the project by another boot of
        this process is done (it shows before its subnet and router are)."""
        found = self.available(ctx)
        with self._auto_lock:
            making = ctx.project_id in self._auto_making
        if not making:
            return found
        with self._making(ctx.project_id):
            return self.available(ctx)

    def _past_auto_race(self, ctx: RequestContext, found: list[str]) -> list[str]:
        """``found`` again once no two get-me-a-network runs of other processes race: while
        every network found is the project's own ``auto_allocated_network`` (all but one of
        them a loser, being undone), look again for up to AUTO_RACE_WAIT seconds."""
        deadline = time.monotonic() + AUTO_RACE_WAIT
        while len(found) > 1 and time.monotonic() < deadline:
            with self.db.read() as s:
                rows = s.execute(select(Network.name, Network.project_id).where(Network.id.in_(found))).all()
            if any(name != AUTO_NETWORK_NAME or project != ctx.project_id for name, project in rows):
                break
            time.sleep(0.05)
            found = self.available(ctx)
        return found

    def available(self, ctx: RequestContext) -> list[str]:
        """The networks a server of the caller's project may use without naming one: its own
        and those shared with it, not external ones (Nova's "available networks")."""
        with self.db.read() as s:
            params = {"project_id": ctx.project_id}
            rows = s.connection().execute(_available_stmt(is_admin(ctx)), params).all()
            # Only a network neither the project's nor shared can be shared with it by RBAC.
            others = [n.id for n in rows if n.project_id != ctx.project_id and not n.shared]
            shared_here = set(granted(s, ctx, others))
            return [n.id for n in rows if n.project_id == ctx.project_id or n.shared or n.id in shared_here]

    def _checked(self, s: Session, ctx: RequestContext, item: dict[str, Any], count: int) -> NicRequest:
        port_id, network_id, fixed_ip = item.get("port"), item.get("uuid"), item.get("fixed_ip")
        tag = item.get("tag")
        if port_id:
            if count > 1:
                raise BadRequest(
                    "Unable to launch multiple instances with a single configured port ID. "
                    "Please launch your instance one by one with different ports."
                )
            port = self._port(s, ctx, port_id)
            if port.device_id:
                raise Conflict(f"Port {port_id} is still in use.")
            if (
                s.scalar(select(IpAllocation.ip_address).where(IpAllocation.port_id == port.id).limit(1))
                is None
            ):
                raise BadRequest(f"Port {port_id} requires a FixedIP in order to be used.")
            return NicRequest(port_id=port.id, tag=tag)
        if not network_id:
            raise BadRequest("Bad network format: missing uuid")
        if not is_uuid(network_id):
            raise BadRequest(f"Bad networks format: network uuid is not in proper format ({network_id})")
        try:
            network = get_visible(s, ctx, "network", network_id)
        except NotFound:
            raise BadRequest(
                f"Network {network_id} could not be found.", code="compute.network.not_found"
            ) from None
        note_grants(s, ctx, [network])
        if network.external and not (network.shared or network.shared_here or is_admin(ctx)):
            raise Forbidden(f"It is not allowed to create an interface on external network {network_id}")
        subnets = list(s.scalars(select(Subnet.cidr).where(Subnet.network_id == network.id)))
        if not subnets:
            raise BadRequest(f"Network {network_id} requires a subnet in order to boot instances on.")
        if fixed_ip:
            if count > 1:
                raise BadRequest("max_count cannot be greater than 1 if an fixed_ip is specified.")
            self._check_fixed_ip(s, network.id, subnets, fixed_ip)
        return NicRequest(network_id=network.id, fixed_ip=fixed_ip, tag=tag)

    @staticmethod
    def _port(s: Session, ctx: RequestContext, port_id: str) -> Port:
        try:
            if is_uuid(port_id):
                return get_visible(s, ctx, "port", port_id)
        except NotFound:
            pass
        raise BadRequest(f"Port id {port_id} could not be found.", code="compute.port.not_found")

    @staticmethod
    def _check_fixed_ip(s: Session, network_id: str, cidrs: Sequence[str], fixed_ip: str) -> None:
        address = ipaddress.ip_address(fixed_ip)
        if not any(address in ipaddress.ip_network(c) for c in cidrs):
            raise BadRequest(f"Fixed IP {fixed_ip} is not a valid ip address for network {network_id}.")
        holder = s.scalar(
            select(Port.device_id)
            .join(IpAllocation, IpAllocation.port_id == Port.id)
            .where(IpAllocation.network_id == network_id, IpAllocation.ip_address == str(address))
        )
        if holder is not None:
            raise BadRequest(f"Fixed IP address {fixed_ip} is already in use on instance {holder}.")

    def fitting(self, ctx: RequestContext, plan: Sequence[NicRequest], low: int, high: int) -> int:
        """As Nova's network check: how many servers, between ``low`` and ``high``, the port
        quota leaves room for (each needs a new port per network it names); 403 "Maximum number
        of ports exceeded" when not even ``low``."""
        each = sum(1 for r in plan if r.port_id is None)
        if each == 0 or ctx.project_id is None:
            return high
        quotas = self.network.quotas
        with self.db.read() as s:
            limit = quotas.limits_in(s, ctx.project_id)["port"]
            used = quotas.usage(s, ctx.project_id, ["port"])["port"]
        room = high if limit < 0 else (limit - used) // each
        if room < low:
            raise Forbidden("Maximum number of ports exceeded")
        return min(high, room)

    def security_groups(self, ctx: RequestContext, names: Sequence[str]) -> list[str] | None:
        """The ids of the groups named (by name in the caller's project, or by id); None when
        none were named, so new ports get their project's default group."""
        if not names:
            return None
        project = ctx.project_id

        def work(s: Session) -> list[str]:
            ids = []
            for name in dict.fromkeys(names):
                stmt = select(SecurityGroup.id).where(visible("security_group", ctx))
                by_id = s.scalar(stmt.where(SecurityGroup.id == name)) if is_uuid(name) else None
                if by_id is not None:
                    ids.append(by_id)
                    continue
                matches = list(
                    s.scalars(stmt.where(SecurityGroup.name == name, SecurityGroup.project_id == project))
                )
                if not matches and name == DEFAULT_NAME and project is not None:
                    matches = [ensure_default(s, self.network.quotas, project)]
                if not matches:
                    raise BadRequest(f"Security group {name} not found.")
                if len(matches) > 1:
                    raise Conflict(
                        f"Multiple security groups found matching '{name}'. Use an ID to be more specific."
                    )
                ids.append(matches[0])
            return ids

        return retrying(self.db, work)

    # -- with the server's rows: make and claim the ports ------------------------------------
    def attach_in(
        self,
        s: Session,
        ctx: RequestContext,
        server_id: str,
        zone: str | None,
        plan: Sequence[NicRequest],
        groups: list[str] | None,
    ) -> None:
        """Give the server its interfaces in ``s``, all or none: on a failure, the savepoint
        they were made in is rolled back and the error raised; made again (in a new savepoint)
        when a unique key refused a port's random MAC or an address taken meanwhile."""
        if not plan:
            return  # no savepoint for a server without interfaces

        def attach_all(s: Session) -> None:
            for request in plan:
                self.attach_one_in(s, ctx, server_id, zone, request, groups)

        retrying_in(s, attach_all)

    def attach_one(self, ctx: RequestContext, server_id: str, zone: str | None, request: NicRequest) -> str:
        """``attach_one_in`` in a transaction of its own (an interface attached later)."""
        return retrying(self.db, lambda s: self.attach_one_in(s, ctx, server_id, zone, request))

    def attach_one_in(
        self,
        s: Session,
        ctx: RequestContext,
        server_id: str,
        zone: str | None,
        request: NicRequest,
        groups: list[str] | None = None,
    ) -> str:
        """Claim the port asked for, or make one on the network asked for; the port's id."""
        owner = COMPUTE_OWNER + (zone or DEFAULT_ZONE)
        if request.port_id is not None:
            claimed = s.execute(
                update(Port)
                .where(Port.id == request.port_id, Port.device_id == "")
                .values(device_id=server_id, device_owner=owner, revision_number=Port.revision_number + 1)
            ).rowcount
            if not claimed:
                raise Conflict(f"Port {request.port_id} is still in use.")
            _record(s, request.port_id, server_id, request.tag, preserve_on_delete=True)
            return request.port_id
        attrs: dict[str, Any] = {
            "network_id": request.network_id,
            "device_id": server_id,
            "device_owner": owner,
        }
        if request.fixed_ip:
            attrs["fixed_ips"] = [{"ip_address": request.fixed_ip}]
        if groups is not None:
            attrs["security_groups"] = groups

        def record(s: Session, port_id: str) -> None:
            _record(s, port_id, server_id, request.tag, preserve_on_delete=False)

        return self.network.ports.create_row_in(s, ctx, attrs, then=record)

    def detach(self, server_id: str, port_id: str) -> None:
        """Take one interface off the server: a port made for it is deleted, the user's port is
        unbound and kept. NotFound when the server has no such port."""
        with self.db.transaction() as s:
            port = s.get(Port, port_id)
            if port is None or port.device_id != server_id:
                raise not_attached(port_id)
            self._let_go(s, port, s.get(ServerInterface, port_id))

    def release(self, s: Session, server_id: str) -> None:
        """At delete: ports made for the server go, the user's are unbound and kept."""
        interfaces = {
            i.port_id: i
            for i in s.scalars(select(ServerInterface).where(ServerInterface.server_id == server_id))
        }
        for port in ports_of(s, [server_id]):
            self._let_go(s, port, interfaces.get(port.id))
        s.execute(delete(ServerInterface).where(ServerInterface.server_id == server_id))

    @staticmethod
    def _let_go(s: Session, port: Port, interface: ServerInterface | None) -> None:
        if interface is not None and not interface.preserve_on_delete:
            l3_guards.before_port_delete(s, RequestContext.system(), port)
            l3_ports.delete_port(s, port)
            return
        port.device_id = ""
        port.device_owner = ""
        _set_binding(port, None)
        if interface is not None:
            s.delete(interface)


@cache
def _available_stmt(admin: bool) -> Select[Any]:
    return (
        select(Network.id, Network.project_id, Network.shared)
        .where(visible_to_project("network", admin), Network.external.is_(False))
        .order_by(Network.created_at, Network.id)
    )


# -- binding -----------------------------------------------------------------------
def ports_of(s: Session, server_ids: Iterable[str]) -> list[Port]:
    ids = list(server_ids)
    if not ids:
        return []
    stmt = select(Port).where(Port.device_id.in_(ids), Port.device_owner.startswith(COMPUTE_OWNER))
    return list(s.scalars(stmt.order_by(Port.created_at, Port.id)))


@cache
def _bind_stmt() -> Update:
    bound = bindparam("bound", type_=Boolean)
    return (
        update(Port)
        .where(
            Port.device_id == bindparam("server_id"),
            Port.device_owner.startswith(COMPUTE_OWNER),
            Port.binding_host_id != bindparam("p_host"),
        )
        .values(
            binding_host_id=bindparam("p_host"),
            binding_vif_type=bindparam("vif_type"),
            binding_vif_details=bindparam("vif_details", type_=Port.binding_vif_details.type),
            status=case((and_(bound, Port.admin_state_up.is_(True)), "ACTIVE"), else_="DOWN"),
            revision_number=Port.revision_number + 1,
            updated_at=bindparam("now"),
        )
    )


def bind(s: Session, server_id: str, host: str | None) -> None:
    """Bind the server's ports to ``host`` (unbind them when None): what a driver plugs. One
    statement for all of them (each changed port gets a new revision, as ``_set_binding``);
    ports the session holds are read again when next used."""
    s.flush()  # what the session holds of these ports is written first, then read again
    vif_type, vif_details = port_attrs.binding(host or "")
    params = {"server_id": server_id, "p_host": host or "", "vif_type": vif_type, "vif_details": vif_details}
    s.connection().execute(_bind_stmt(), {**params, "bound": bool(host), "now": utcnow()})
    for held in list(s.identity_map.values()):
        if isinstance(held, Port) and held.device_id == server_id:
            s.expire(held)


def _set_binding(port: Port, host: str | None) -> None:
    port.binding_host_id = host or ""
    port.binding_vif_type, port.binding_vif_details = port_attrs.binding(host or "")
    port.status = "ACTIVE" if host and port.admin_state_up else "DOWN"
    touch(port)


def _record(s: Session, port_id: str, server_id: str, tag: str | None, *, preserve_on_delete: bool) -> None:
    """What compute alone keeps of a server's port: its device tag and whether it outlives the
    server."""
    row = {"port_id": port_id, "server_id": server_id, "tag": tag, "preserve_on_delete": preserve_on_delete}
    s.connection().execute(_interface_insert(), [{**row, "created_at": utcnow()}])


@cache
def _interface_insert() -> Insert:
    return insert(ServerInterface)


# -- what servers show -------------------------------------------------------------------
def attachments(s: Session, server_ids: Sequence[str]) -> dict[str, list[Attachment]]:
    """Each server's interfaces, oldest first, with their addresses, floating addresses and
    security group names: a handful of queries for a whole page of servers."""
    result: dict[str, list[Attachment]] = {sid: [] for sid in server_ids}
    ports = ports_of(s, server_ids)
    if not ports:
        return result
    port_ids = [p.id for p in ports]
    names = dict(
        s.execute(select(Network.id, Network.name).where(Network.id.in_({p.network_id for p in ports}))).all()
    )
    ips: dict[str, list[tuple[str, str]]] = {p: [] for p in port_ids}
    for ip in s.scalars(select(IpAllocation).where(IpAllocation.port_id.in_(port_ids))):
        ips[ip.port_id].append((ip.subnet_id, ip.ip_address))
    floating: dict[str, dict[str, list[str]]] = {p: {} for p in port_ids}
    stmt = select(FloatingIP.fixed_port_id, FloatingIP.fixed_ip_address, FloatingIP.floating_ip_address)
    for port_id, fixed, address in s.execute(stmt.where(FloatingIP.fixed_port_id.in_(port_ids))):
        floating[port_id].setdefault(fixed or "", []).append(address)
    groups: dict[str, list[str]] = {p: [] for p in port_ids}
    stmt = select(PortSecurityGroup.port_id, SecurityGroup.name).join(
        SecurityGroup, SecurityGroup.id == PortSecurityGroup.security_group_id
    )
    for port_id, name in s.execute(
        stmt.where(PortSecurityGroup.port_id.in_(port_ids)).order_by(SecurityGroup.name)
    ):
        groups[port_id].append(name)
    tags = dict(
        s.execute(
            select(ServerInterface.port_id, ServerInterface.tag).where(ServerInterface.port_id.in_(port_ids))
        ).all()
    )
    for port in ports:
        result[port.device_id].append(
            Attachment(
                port_id=port.id,
                network_id=port.network_id,
                network_name=names.get(port.network_id, ""),
                mac=port.mac_address,
                status=port.status,
                fixed_ips=sorted(ips[port.id], key=lambda a: (version_of(a[1]), a[0], a[1])),
                floating=floating[port.id],
                groups=groups[port.id],
                tag=tags.get(port.id),
            )
        )
    return result


def ips(s: Session, server_ids: Sequence[str], version: int) -> dict[str, list[str]]:
    """Every address (fixed and floating) of each server of one IP version: what the
    ``ip`` and ``ip6`` list filters match."""
    out: dict[str, list[str]] = {sid: [] for sid in server_ids}
    for sid, held in attachments(s, server_ids).items():
        for a in held:
            for _subnet, address in a.fixed_ips:
                out[sid].append(address)
                out[sid].extend(a.floating.get(address, []))
        out[sid] = [x for x in out[sid] if version_of(x) == version]
    return out


# -- what a driver plugs ---------------------------------------------------------------------
def vif_specs(s: Session, server_id: str) -> tuple[VifSpec, ...]:
    """The server's bound ports as a driver plugs them (docs/port-binding.md)."""
    ports = [p for p in ports_of(s, [server_id]) if p.binding_host_id]
    if not ports:
        return ()
    networks = {
        n.id: n for n in s.scalars(select(Network).where(Network.id.in_({p.network_id for p in ports})))
    }
    held = {p.id: list(s.scalars(select(IpAllocation).where(IpAllocation.port_id == p.id))) for p in ports}
    subnet_ids = {ip.subnet_id for ips in held.values() for ip in ips}
    subnets = (
        {x.id: x for x in s.scalars(select(Subnet).where(Subnet.id.in_(subnet_ids)))} if subnet_ids else {}
    )
    out = []
    for port in ports:
        network = networks[port.network_id]
        addresses = tuple(
            FixedAddress(ip.ip_address, subnets[ip.subnet_id].cidr, subnets[ip.subnet_id].gateway_ip)
            for ip in sorted(held[port.id], key=lambda a: (version_of(a.ip_address), a.ip_address))
        )
        out.append(
            VifSpec(
                port_id=port.id,
                mac=port.mac_address,
                mtu=network.mtu,
                network_id=network.id,
                network_type=network.network_type,
                physical_network=network.physical_network,
                segmentation_id=network.segmentation_id,
                vif_type=port.binding_vif_type,
                bridge=OVS_BRIDGE if port.binding_vif_type == "ovs" else f"brq{network.id[:11]}",
                device=f"tap{port.id[:11]}",
                addresses=addresses,
                port_security=port.port_security_enabled,
                rules=_filter_rules(s, port.id) if port.port_security_enabled else (),
            )
        )
    return tuple(out)


def _filter_rules(s: Session, port_id: str) -> tuple[FilterRule, ...]:
    groups = list(
        s.scalars(select(PortSecurityGroup.security_group_id).where(PortSecurityGroup.port_id == port_id))
    )
    if not groups:
        return ()
    rules = list(s.scalars(select(SecurityGroupRule).where(SecurityGroupRule.security_group_id.in_(groups))))
    remote_groups = {r.remote_group_id for r in rules if r.remote_group_id}
    members: dict[str, list[str]] = {g: [] for g in remote_groups}
    if remote_groups:
        stmt = (
            select(PortSecurityGroup.security_group_id, IpAllocation.ip_address)
            .join(IpAllocation, IpAllocation.port_id == PortSecurityGroup.port_id)
            .where(PortSecurityGroup.security_group_id.in_(remote_groups))
        )
        for group, address in s.execute(stmt):
            members[group].append(address)
    out = []
    for r in sorted(rules, key=lambda r: r.id):
        if r.remote_group_id:
            wanted = 4 if r.ethertype == "IPv4" else 6
            remote = tuple(sorted(a for a in members[r.remote_group_id] if version_of(a) == wanted))
        else:
            remote = (r.remote_ip_prefix,) if r.remote_ip_prefix else ()
        out.append(
            FilterRule(r.direction, r.ethertype, r.protocol, r.port_range_min, r.port_range_max, remote)
        )
    return tuple(out)
