"""Ports: a network attachment with a MAC address (unique on its network) and fixed IPs (see
allocation.py), bindings for compute, allowed address pairs and extra DHCP options.

A port is DOWN until it is bound to a host (``binding:host_id``; compute will bind its own
ports), then ACTIVE while its admin state is up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, and_, bindparam, insert, select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.network import l3_guards, port_attrs, port_groups
from pocketstack.core.network import tags as tagging
from pocketstack.core.network.access import note_grants, opens, target, visible_to_project
from pocketstack.core.network.allocation import Allocator, plan_automatic, plan_requested
from pocketstack.core.network.base import Item, ResourceService, networks_by_id
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
from pocketstack.core.network.errors import mac_in_use, not_found
from pocketstack.core.network.listing import Lister
from pocketstack.core.network.quotas import lock as quota_lock
from pocketstack.core.network.validation import dns_name, required
from pocketstack.store.network_models import IpAllocation, Network, Port, PortSecurityGroup

# Canonical attribute -> the suffix of its create_/update_port rule.
RULES = {
    "mac_address": "mac_address",
    "device_id": "device_id",
    "port_security_enabled": "port_security_enabled",
    "binding_host_id": "binding:host_id",
    "binding_profile": "binding:profile",
    "binding_vnic_type": "binding:vnic_type",
    "allowed_address_pairs": "allowed_address_pairs",
}
UNSET = {"device_id": "", "binding_host_id": "", "binding_profile": {}, "binding_vnic_type": "normal"}
UPDATABLE = (
    frozenset({"name", "description", "admin_state_up", "fixed_ips", "security_groups", "dns_name"})
    | set(RULES)
    | {"device_owner", "extra_dhcp_opts"}
)
COLUMNS = {
    key: getattr(Port, key)
    for key in (
        "id",
        "name",
        "description",
        "project_id",
        "network_id",
        "admin_state_up",
        "status",
        "mac_address",
        "device_id",
        "device_owner",
        "port_security_enabled",
        "binding_host_id",
        "binding_vnic_type",
        "dns_name",
        "revision_number",
        "created_at",
        "updated_at",
    )
}


def _fixed_ips_filter(values: Sequence[Any]) -> Any:
    """``fixed_ips=ip_address=...`` / ``subnet_id=...`` / ``ip_address_substr=...``: a port with an
    address matching every kind of condition given (any value of each)."""
    by_key: dict[str, list[str]] = {}
    for item in values:
        for key, value in item.items():
            by_key.setdefault(key, []).append(value)
    conditions = []
    if "ip_address" in by_key:
        conditions.append(IpAllocation.ip_address.in_(by_key["ip_address"]))
    if "subnet_id" in by_key:
        conditions.append(IpAllocation.subnet_id.in_(by_key["subnet_id"]))
    for part in by_key.get("ip_address_substr", []):
        conditions.append(IpAllocation.ip_address.contains(part, autoescape=True))
    return Port.id.in_(select(IpAllocation.port_id).where(and_(*conditions)))


def _groups_filter(values: Sequence[Any]) -> Any:
    chosen = select(PortSecurityGroup.port_id).where(PortSecurityGroup.security_group_id.in_(list(values)))
    return Port.id.in_(chosen)


_PORT_COLUMNS = tuple(attr.key for attr in Port.__mapper__.column_attrs)


def _row_of(port: Port) -> dict[str, Any]:
    """A new port's attributes as a row to insert (those not given get their column's default)."""
    given = port.__dict__
    return {key: given[key] for key in _PORT_COLUMNS if key in given}


@cache
def _port_insert() -> Insert:
    return insert(Port)


@cache
def _group_insert() -> Insert:
    return insert(PortSecurityGroup)


@cache
def _network_stmt(admin: bool) -> Select[Any]:
    return select(Network).where(Network.id == bindparam("network_id"), visible_to_project("network", admin))


def _visible_network(s: Session, ctx: RequestContext, network_id: str) -> Network:
    """``get_visible(s, ctx, "network", network_id)`` with a statement built once."""
    params = {"network_id": network_id, "project_id": ctx.project_id}
    network = s.scalar(_network_stmt(is_admin(ctx)), params)
    if network is None:
        raise not_found("network", network_id)
    return network


def status_of(port: Port) -> str:
    return "ACTIVE" if port.binding_host_id and port.admin_state_up else "DOWN"


class PortService(ResourceService):
    kind = "port"
    collection = "ports"
    lister = Lister("port", COLUMNS, {"fixed_ips": _fixed_ips_filter, "security_groups": _groups_filter})
    hideable = {
        "binding_host_id": "binding:host_id",
        "binding_profile": "binding:profile",
        "binding_vif_type": "binding:vif_type",
        "binding_vif_details": "binding:vif_details",
    }

    def networks_of(self, s: Session, rows: Sequence[Any]) -> dict[str, Network]:
        networks = networks_by_id(s, (r.network_id for r in rows))
        return {r.id: networks[r.network_id] for r in rows if r.network_id in networks}

    def extras(self, s: Session, rows: Sequence[Any]) -> dict[str, dict[str, Any]]:
        """Each port's fixed IPs (subnet order, then address) and security group ids."""
        result: dict[str, dict[str, Any]] = {r.id: {"fixed_ips": [], "security_groups": []} for r in rows}
        if not rows:
            return result
        ips = select(IpAllocation).where(IpAllocation.port_id.in_(list(result)))
        for ip in sorted(s.scalars(ips), key=lambda a: (a.subnet_id, a.ip_address)):
            result[ip.port_id]["fixed_ips"].append({"subnet_id": ip.subnet_id, "ip_address": ip.ip_address})
        groups = select(PortSecurityGroup).where(PortSecurityGroup.port_id.in_(list(result)))
        for group in s.scalars(groups.order_by(PortSecurityGroup.security_group_id)):
            result[group.port_id]["security_groups"].append(group.security_group_id)
        return result

    # -- policy ------------------------------------------------------------------------------
    def _check_attributes(
        self, ctx: RequestContext, action: str, attrs: Mapping[str, Any], tgt: dict[str, Any], shared: bool
    ) -> None:
        """The attribute rules a request triggers (on create only for values off their default)."""
        creating = action == "create_port"
        for attribute, rule in RULES.items():
            if attribute in attrs and not (creating and attrs[attribute] == UNSET.get(attribute, object())):
                self.access.enforce(ctx, f"{action}:{rule}", tgt, shared=shared)
        if str(attrs.get("device_owner") or "").startswith("network:"):
            self.access.enforce(ctx, f"{action}:device_owner", tgt, shared=shared)
        if "fixed_ips" in attrs:
            self.access.enforce(ctx, f"{action}:fixed_ips", tgt, shared=shared)
            for request in attrs["fixed_ips"] or []:
                for key in ("ip_address", "subnet_id"):
                    if isinstance(request, dict) and key in request:
                        self.access.enforce(ctx, f"{action}:fixed_ips:{key}", tgt, shared=shared)
        if creating and attrs.get("tags"):
            self.access.enforce(ctx, "create_port:tags", tgt)

    # -- create ------------------------------------------------------------------------------
    def create(self, ctx: RequestContext, attrs: Mapping[str, Any]) -> Item:
        """A new port with its addresses. NotFound for the network; BadRequest for bad values;
        409 IpAddressGenerationFailure, IpAddressAlreadyAllocated, MacAddressInUse, OverQuota."""
        return self.described(ctx, self.create_row(ctx, attrs))

    def create_row(
        self,
        ctx: RequestContext,
        attrs: Mapping[str, Any],
        then: Callable[[Session, str], None] | None = None,
    ) -> str:
        """``create`` without the description: the new port's id. ``then(session, port_id)``
        runs inside the port's transaction (again if the transaction is), for a caller that
        records something of its own with the port."""
        return retrying(self.db, self._creating(ctx, attrs, then))

    def create_row_in(
        self,
        s: Session,
        ctx: RequestContext,
        attrs: Mapping[str, Any],
        then: Callable[[Session, str], None] | None = None,
    ) -> str:
        """``create_row`` inside the caller's transaction ``s`` (a server's create makes its
        ports with its rows: one write transaction instead of one more per port). The caller
        runs it under ``retrying_in``: its savepoint is what a lost race rolls back."""
        return self._creating(ctx, attrs, then)(s)

    def _creating(
        self,
        ctx: RequestContext,
        attrs: Mapping[str, Any],
        then: Callable[[Session, str], None] | None,
    ) -> Callable[[Session], str]:
        """The checked attributes' port, as the work of a (retried) transaction."""
        project = owner_of(ctx, attrs)
        tags = tagging.check_tags(attrs.get("tags", []))
        requests = port_attrs.fixed_ip_requests(attrs["fixed_ips"]) if "fixed_ips" in attrs else None
        given_mac = port_attrs.mac(attrs["mac_address"]) if attrs.get("mac_address") else None
        host = attrs.get("binding_host_id") or ""
        values = {
            "binding_vnic_type": port_attrs.vnic_type(attrs.get("binding_vnic_type", "normal")),
            "binding_profile": port_attrs.profile(attrs.get("binding_profile")),
            "dns_name": dns_name(attrs.get("dns_name") or ""),
            "extra_dhcp_opts": port_attrs.dhcp_opts(attrs.get("extra_dhcp_opts")),
        }

        def work(s: Session) -> str:
            # On SQLite the quota lock makes this transaction the one writer: taken first, what
            # is read next cannot change before the commit, so the network is read only once.
            early = project is not None and s.get_bind().dialect.name == "sqlite"
            if early:
                quota_lock(s, project)
            network = _visible_network(s, ctx, required(attrs, "network_id"))
            note_grants(s, ctx, [network])
            shared = opens(network)[0]  # with everyone, or with the caller's project by RBAC
            tgt = {"project_id": project, "tenant_id": project, "network_project_id": network.project_id}
            self.access.enforce(ctx, "create_port", tgt, shared=shared)
            self._check_attributes(ctx, "create_port", attrs, tgt, shared)
            self.quotas.check(s, project, {"port": 1}, locked=early)
            if s.get_bind().dialect.name != "sqlite":  # there, the quota lock made this the one writer
                lock_rows(s, Network, [network.id], share=True)
            if not early:
                _visible_network(s, ctx, network.id)  # still, now that no RBAC change can race us
            mac = self._mac(s, network, given_mac)
            security = attrs.get("port_security_enabled", network.port_security_enabled)
            pairs = port_attrs.address_pairs(attrs.get("allowed_address_pairs"), mac)
            port_attrs.check_pairs_allowed(pairs, security)
            groups = port_groups.for_new_port(s, ctx, self.quotas, project, attrs, security)
            vif_type, vif_details = port_attrs.binding(host)
            port = Port(
                **stamp(id=new_id(), project_id=project, description=attrs.get("description", "")),
                network_id=network.id,
                name=attrs.get("name", ""),
                admin_state_up=attrs.get("admin_state_up", True),
                mac_address=mac,
                device_id=attrs.get("device_id", ""),
                device_owner=attrs.get("device_owner", ""),
                port_security_enabled=security,
                binding_host_id=host,
                binding_vif_type=vif_type,
                binding_vif_details=vif_details,
                allowed_address_pairs=pairs,
                **values,
            )
            port.status = status_of(port)
            s.flush()  # what the session holds first (a default group made just now)
            # The rows go in as rows, not through the unit of work (the port is described anew).
            s.connection().execute(_port_insert(), [_row_of(port)])
            allocator = Allocator(s, network, port.id, mac, port.device_owner)
            subnets = allocator.subnets()
            claims = (
                plan_automatic(subnets, port.device_owner)
                if requests is None
                else plan_requested(network, subnets, requests)
            )
            allocator.allocate(claims, writing=True)
            if groups:
                members = [{"port_id": port.id, "security_group_id": g} for g in groups]
                s.connection().execute(_group_insert(), members)
            tagging.tag_new(s, self.collection, port.id, tags)
            if then is not None:
                then(s, port.id)
            return port.id

        return work

    @staticmethod
    def _mac(s: Session, network: Network, given: str | None) -> str:
        """The MAC asked for (409 MacAddressInUse when another port on the network has it), or a
        random one, unchecked: should another port of the network hold it (n in 2**24 with n
        ports), the unique key refuses the insert and the create runs again (``retrying``)."""
        if given is None:
            return port_attrs.random_mac()
        used = s.scalar(select(Port.id).where(Port.network_id == network.id, Port.mac_address == given))
        if used is not None:
            raise mac_in_use(network.id, given)
        return given

    # -- update ------------------------------------------------------------------------------
    def update(
        self, ctx: RequestContext, ident: str, attrs: Mapping[str, Any], revision: int | None = None
    ) -> Item:
        check_read_only(attrs, UPDATABLE)

        def work(s: Session) -> None:
            port = self.load(s, ctx, ident, "update", lock=True)
            network = s.get(Network, port.network_id)
            assert network is not None  # a port's network cannot go while the port exists
            check_revision(port, revision)
            self._check_attributes(ctx, "update_port", attrs, target(port, network), opens(network)[0])
            l3_guards.before_fixed_ips_change(s, port, attrs)
            self._apply(s, ctx, port, network, attrs)
            touch(port)

        retrying(self.db, work)
        return self.described(ctx, ident)

    def _apply(
        self, s: Session, ctx: RequestContext, port: Port, network: Network, attrs: Mapping[str, Any]
    ) -> None:
        if attrs.get("mac_address") is not None and port_attrs.mac(attrs["mac_address"]) != port.mac_address:
            port.mac_address = self._mac(s, network, port_attrs.mac(attrs["mac_address"]))
        for key in (
            "name",
            "description",
            "admin_state_up",
            "device_id",
            "device_owner",
            "port_security_enabled",
        ):
            if key in attrs:
                setattr(port, key, attrs[key])
        if "dns_name" in attrs:
            port.dns_name = dns_name(attrs["dns_name"] or "")
        if "binding_vnic_type" in attrs:
            port.binding_vnic_type = port_attrs.vnic_type(attrs["binding_vnic_type"])
        if "binding_profile" in attrs:
            port.binding_profile = port_attrs.profile(attrs["binding_profile"])
        if "binding_host_id" in attrs:
            port.binding_host_id = attrs["binding_host_id"] or ""
            port.binding_vif_type, port.binding_vif_details = port_attrs.binding(port.binding_host_id)
        if "extra_dhcp_opts" in attrs:
            port.extra_dhcp_opts = port_attrs.dhcp_opts(attrs["extra_dhcp_opts"], port.extra_dhcp_opts)
        if "allowed_address_pairs" in attrs:
            port.allowed_address_pairs = port_attrs.address_pairs(
                attrs["allowed_address_pairs"], port.mac_address
            )
        port_attrs.check_pairs_allowed(port.allowed_address_pairs, port.port_security_enabled)
        port_groups.on_update(s, ctx, port, attrs)
        if "fixed_ips" in attrs:
            self._readdress(s, port, network, port_attrs.fixed_ip_requests(attrs["fixed_ips"] or []))
        port.status = status_of(port)

    @staticmethod
    def _readdress(s: Session, port: Port, network: Network, requests: list[dict[str, str]]) -> None:
        """Keep the addresses still asked for (by address, or a subnet-only entry by any address
        held on that subnet), free the others, hand out the new ones."""
        lock_rows(s, Network, [network.id], share=True)
        held = list(s.scalars(select(IpAllocation).where(IpAllocation.port_id == port.id)))
        fresh = []
        for request in requests:
            match = next(
                (
                    a
                    for a in held
                    if ("ip_address" not in request or a.ip_address == request["ip_address"])
                    and ("subnet_id" not in request or a.subnet_id == request["subnet_id"])
                ),
                None,
            )
            if match is None:
                fresh.append(request)
            else:
                held.remove(match)
        for gone in held:
            s.delete(gone)
        s.flush()
        allocator = Allocator(s, network, port.id, port.mac_address, port.device_owner)
        allocator.allocate(plan_requested(network, allocator.subnets(), fresh))

    # -- delete ------------------------------------------------------------------------------
    def delete(self, ctx: RequestContext, ident: str, revision: int | None = None) -> None:
        with self.db.transaction() as s:
            port = self.load(s, ctx, ident, "delete", lock=True)
            check_revision(port, revision)
            l3_guards.before_port_delete(s, ctx, port)
            tagging.forget(s, [port.id])
            s.delete(port)
