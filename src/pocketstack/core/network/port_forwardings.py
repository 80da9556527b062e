"""Port forwardings of a floating IP (Neutron's floating-ip-port-forwarding, with descriptions
and port ranges): TCP or UDP traffic to an external port (range) of the floating IP goes to a
port (range) of an internal IPv4 address reached by the floating IP's router.

A floating IP with port forwardings is not associated with a port; the first forwarding sets its
router, the last one removed clears it. Ranges of one floating IP and protocol may not overlap
outside, nor those of one internal address and protocol inside (400, as Neutron); the floating
IP's row lock serialises changes, unique keys catch what races past it."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import NotFound
from pocketstack.core.network import l3_ports
from pocketstack.core.network.access import Access, get_visible, target
from pocketstack.core.network.common import check_read_only, new_id, retrying, touch
from pocketstack.core.network.errors import not_found
from pocketstack.core.network.fip_association import router_for
from pocketstack.core.network.l3_errors import bad, fixed_ip_taken, port_has_fip
from pocketstack.core.network.listing import Lister, ListQuery
from pocketstack.store.db import Database
from pocketstack.store.network_l3_models import FloatingIP, PortForwarding
from pocketstack.store.network_models import Port, Subnet

PROTOCOLS = ("tcp", "udp")
RESOURCE = "port_forwarding"
UPDATABLE = frozenset(
    {"internal_port_id", "internal_ip_address", "internal_port", "external_port", "protocol", "description"}
    | {"internal_port_range", "external_port_range"}
)
Range = tuple[int, int]


def _range_filter(values: Any) -> Any:
    bounds = [port_range(v, "external_port_range") for v in values]
    start, end = PortForwarding.external_port_start, PortForwarding.external_port_end
    return or_(*(and_(start == a, end == b) for a, b in bounds))


COLUMNS = {
    "id": PortForwarding.id,
    "floatingip_id": PortForwarding.floatingip_id,
    "internal_port_id": PortForwarding.internal_port_id,
    "protocol": PortForwarding.protocol,
    "description": PortForwarding.description,
    "external_port": PortForwarding.external_port_start,
}


def port_range(value: Any, name: str) -> Range:
    """``N`` or ``N:M`` (1 <= N <= M <= 65535)."""
    parts = str(value).split(":") if isinstance(value, str | int) and not isinstance(value, bool) else []
    try:
        first, last = int(parts[0]), int(parts[-1])
    except (IndexError, ValueError):
        raise bad(RESOURCE, f"{name} '{value}' is not a port or a range of ports N:M") from None
    if len(parts) > 2 or not 1 <= first <= last <= 65535:
        raise bad(RESOURCE, "Invalid port value, the port value must be a value between 1 and 65535")
    return first, last


def _side(attrs: Mapping[str, Any], side: str, current: Range | None) -> Range:
    port, ranged = attrs.get(f"{side}_port"), attrs.get(f"{side}_port_range")
    if port is not None and ranged is not None:
        raise bad(RESOURCE, f"{side}_port and {side}_port_range cannot be given together")
    if port is not None:
        return port_range(port, f"{side}_port")
    if ranged is not None:
        return port_range(ranged, f"{side}_port_range")
    if current is None:
        raise bad(RESOURCE, f"{side}_port or {side}_port_range must be given")
    return current


def _ranges(attrs: Mapping[str, Any], pf: PortForwarding | None) -> tuple[Range, Range]:
    internal = _side(attrs, "internal", (pf.internal_port_start, pf.internal_port_end) if pf else None)
    external = _side(attrs, "external", (pf.external_port_start, pf.external_port_end) if pf else None)
    if internal[1] > internal[0] and internal[1] - internal[0] != external[1] - external[0]:
        raise bad(
            RESOURCE,
            "Invalid ranges of internal and/or external ports. The relation between internal and external "
            "ports must be N-N or 1-N",
        )
    return internal, external


def _protocol(value: Any) -> str:
    if value not in PROTOCOLS:
        raise bad(RESOURCE, f"'{value}' is not in {list(PROTOCOLS)}")
    return str(value)


class PortForwardingService:
    """Port forwardings, reached through their floating IP (its visibility and owner)."""

    lister = Lister("port_forwarding", COLUMNS, {"external_port_range": _range_filter})

    def __init__(self, db: Database, access: Access) -> None:
        self.db = db
        self.access = access

    def _parent(
        self, s: Session, ctx: RequestContext, fip_id: str, verb: str, *, lock: bool = False
    ) -> FloatingIP:
        fip = get_visible(s, ctx, "floatingip", fip_id, lock=lock)
        self.access.enforce(ctx, f"{verb}_floatingip_port_forwarding", target(fip))
        return fip

    @staticmethod
    def _own(s: Session, fip: FloatingIP, pf_id: str) -> PortForwarding:
        pf = s.get(PortForwarding, pf_id)
        if pf is None or pf.floatingip_id != fip.id:
            raise not_found(RESOURCE, pf_id)
        return pf

    # -- reading -----------------------------------------------------------------------------
    def list(self, ctx: RequestContext, fip_id: str, q: ListQuery) -> list[PortForwarding]:
        with self.db.read() as s:
            fip = self._parent(s, ctx, fip_id, "get")
            return self.lister.list(s, ctx, replace(q, filters={**q.filters, "floatingip_id": [fip.id]}))

    def get(self, ctx: RequestContext, fip_id: str, pf_id: str) -> PortForwarding:
        with self.db.read() as s:
            return self._own(s, self._parent(s, ctx, fip_id, "get"), pf_id)

    # -- writing -----------------------------------------------------------------------------
    def create(self, ctx: RequestContext, fip_id: str, attrs: Mapping[str, Any]) -> PortForwarding:
        """400 for bad values, collisions and an unreachable address; 409 when the floating IP
        is associated with a port, or the internal port has a floating IP of its own."""
        for required in ("internal_port_id", "internal_ip_address", "protocol"):
            if attrs.get(required) is None:
                raise bad(RESOURCE, f"Failed to parse request. Required attribute '{required}' not specified")
        internal, external = _ranges(attrs, None)
        protocol = _protocol(attrs["protocol"])

        def work(s: Session) -> str:
            fip = self._parent(s, ctx, fip_id, "create", lock=True)
            pf = PortForwarding(id=new_id(), floatingip_id=fip.id, description=attrs.get("description") or "")
            self._apply(s, ctx, fip, pf, attrs, internal, external, protocol)
            s.add(pf)
            s.flush()
            return pf.id

        pf_id = retrying(self.db, work)
        return self.get(ctx, fip_id, pf_id)

    def update(
        self, ctx: RequestContext, fip_id: str, pf_id: str, attrs: Mapping[str, Any]
    ) -> PortForwarding:
        check_read_only(attrs, UPDATABLE)

        def work(s: Session) -> None:
            fip = self._parent(s, ctx, fip_id, "update", lock=True)
            pf = self._own(s, fip, pf_id)
            internal, external = _ranges(attrs, pf)
            protocol = _protocol(attrs.get("protocol", pf.protocol))
            merged = {
                "internal_port_id": pf.internal_port_id,
                "internal_ip_address": pf.internal_ip_address,
                **{k: v for k, v in attrs.items() if v is not None},
            }
            self._apply(s, ctx, fip, pf, merged, internal, external, protocol)
            if "description" in attrs:
                pf.description = attrs["description"] or ""

        retrying(self.db, work)
        return self.get(ctx, fip_id, pf_id)

    def delete(self, ctx: RequestContext, fip_id: str, pf_id: str) -> None:
        def work(s: Session) -> None:
            fip = self._parent(s, ctx, fip_id, "delete", lock=True)
            s.delete(self._own(s, fip, pf_id))
            s.flush()
            left = s.scalar(select(PortForwarding.id).where(PortForwarding.floatingip_id == fip.id).limit(1))
            if left is None and fip.fixed_port_id is None:
                fip.router_id = None
            touch(fip)

        retrying(self.db, work)

    def _apply(
        self,
        s: Session,
        ctx: RequestContext,
        fip: FloatingIP,
        pf: PortForwarding,
        attrs: Mapping[str, Any],
        internal: Range,
        external: Range,
        protocol: str,
    ) -> None:
        """Check the forwarding as it will be and write it onto ``pf`` (and the router onto the
        floating IP)."""
        port = get_visible(s, ctx, "port", str(attrs["internal_port_id"]))
        address = self._internal_address(s, port, attrs["internal_ip_address"])
        if fip.fixed_port_id is not None:
            raise fixed_ip_taken(fip, port.id, address)
        if s.scalar(select(FloatingIP.id).where(FloatingIP.fixed_port_id == port.id).limit(1)):
            raise port_has_fip(fip, port.id, address)
        held = l3_ports.addresses(s, [port.id])[port.id]
        subnet = s.get(Subnet, next(ip.subnet_id for ip in held if ip.ip_address == address))
        assert subnet is not None
        router_id = self._router(s, fip, port, subnet)
        self._check_collisions(s, fip, pf, port.id, address, protocol, internal, external)
        pf.internal_port_id, pf.internal_ip_address, pf.protocol = port.id, address, protocol
        pf.internal_port_start, pf.internal_port_end = internal
        pf.external_port_start, pf.external_port_end = external
        fip.router_id = router_id
        touch(fip)

    @staticmethod
    def _internal_address(s: Session, port: Port, wanted: Any) -> str:
        held = l3_ports.addresses(s, [port.id])[port.id]
        v4 = [ip.ip_address for ip in held if ipaddress.ip_address(ip.ip_address).version == 4]
        if not v4:
            raise bad(RESOURCE, f"Requested internal port {port.id} must allocate an IPv4 address at least")
        try:
            address = str(ipaddress.ip_address(wanted))
        except ValueError:
            raise bad(RESOURCE, f"'{wanted}' is not a valid IP address") from None
        if address not in v4:
            raise bad(
                RESOURCE,
                f"Requested internal IP address {address} is not suitable for internal neutron port "
                f"{port.id}, as its fixed_ips are {v4}",
            )
        return address

    @staticmethod
    def _router(s: Session, fip: FloatingIP, port: Port, subnet: Subnet) -> str:
        try:
            router_id = router_for(s, port, subnet, fip.floating_network_id)
        except NotFound as exc:
            if exc.code != "network.floatingip.no_gateway":
                raise
            raise bad(
                RESOURCE,
                f"External network {fip.floating_network_id} is not reachable from subnet {subnet.id}. "
                f"Cannot set Port forwarding for port {port.id} with Floating IP {fip.id}",
            ) from None
        if fip.router_id is not None and fip.router_id != router_id:
            raise bad(
                RESOURCE,
                f"The Floating IP {fip.id} had been set on router {fip.router_id}, the internal Neutron port "
                f"{port.id} can not reach it",
            )
        return router_id

    @staticmethod
    def _check_collisions(
        s: Session,
        fip: FloatingIP,
        pf: PortForwarding,
        port_id: str,
        address: str,
        protocol: str,
        internal: Range,
        external: Range,
    ) -> None:
        same = PortForwarding.protocol == protocol, PortForwarding.id != pf.id
        outside = select(PortForwarding).where(PortForwarding.floatingip_id == fip.id, *same)
        inside = select(PortForwarding).where(
            PortForwarding.internal_port_id == port_id, PortForwarding.internal_ip_address == address, *same
        )
        for key, stmt, wanted in (
            ("external_port_range", outside, external),
            ("internal_port_range", inside, internal),
        ):
            for other in s.scalars(stmt):
                start, end = (
                    (other.external_port_start, other.external_port_end)
                    if key == "external_port_range"
                    else (other.internal_port_start, other.internal_port_end)
                )
                if max(start, wanted[0]) <= min(end, wanted[1]):
                    raise bad(
                        RESOURCE,
                        f"There is a port collision with the {key}. The following ranges collide: "
                        f"{start}:{end} and {wanted[0]}:{wanted[1]}",
                    )
