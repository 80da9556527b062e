"""Networks: create, change and delete, with Neutron's rules about who may share them, make them
external or give provider attributes. Reading is the base service's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import Conflict
from pocketstack.core.network import floating_ips, segments, sharing
from pocketstack.core.network import tags as tagging
from pocketstack.core.network.access import target
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
from pocketstack.core.network.l3_guards import FLOATINGIP, ROUTER_GATEWAY
from pocketstack.core.network.listing import Lister
from pocketstack.core.network.security_groups import ensure_default, may_make_default
from pocketstack.core.network.validation import dns_name, string_list
from pocketstack.store.network_l3_models import FloatingIP
from pocketstack.store.network_models import IpAllocation, Network, Port, Subnet, SubnetPool

# Canonical attribute -> the suffix of its create_/update_network rule, and its default.
ATTRIBUTE_RULES = {
    "shared": "shared",
    "external": "router:external",
    "is_default": "is_default",
    "port_security_enabled": "port_security_enabled",
    "network_type": "provider:network_type",
    "physical_network": "provider:physical_network",
    "segmentation_id": "provider:segmentation_id",
}
DEFAULTS: dict[str, Any] = {
    "shared": False,
    "external": False,
    "is_default": False,
    "port_security_enabled": True,
}
UPDATABLE = frozenset(
    {"name", "description", "admin_state_up", "shared", "external", "is_default", "mtu"}
    | {"port_security_enabled", "dns_domain", "network_type", "physical_network", "segmentation_id"}
)
PROVIDER = ("network_type", "physical_network", "segmentation_id")
COLUMNS = {
    "id": Network.id,
    "name": Network.name,
    "description": Network.description,
    "project_id": Network.project_id,
    "admin_state_up": Network.admin_state_up,
    "status": Network.status,
    "shared": Network.shared,
    "external": Network.external,
    "is_default": Network.is_default,
    "mtu": Network.mtu,
    "port_security_enabled": Network.port_security_enabled,
    "network_type": Network.network_type,
    "physical_network": Network.physical_network,
    "segmentation_id": Network.segmentation_id,
    "dns_domain": Network.dns_domain,
    "revision_number": Network.revision_number,
    "created_at": Network.created_at,
    "updated_at": Network.updated_at,
}


def _rules_for(attrs: Mapping[str, Any], *, creating: bool) -> list[str]:
    """Attribute rules a request triggers: on create, attributes set to something other than
    their default; on update, every attribute given (as Neutron)."""
    return [
        rule
        for attribute, rule in ATTRIBUTE_RULES.items()
        if attribute in attrs and not (creating and attrs[attribute] == DEFAULTS.get(attribute, object()))
    ]


class NetworkService(ResourceService):
    kind = "network"
    collection = "networks"
    lister = Lister("network", COLUMNS)
    hideable = {a: f"provider:{a}" for a in PROVIDER}

    def networks_of(self, s: Session, rows: Sequence[Any]) -> dict[str, Network]:
        return {r.id: r for r in rows}

    def extras(self, s: Session, rows: Sequence[Any]) -> dict[str, dict[str, Any]]:
        """Each network's subnet ids and the address scope of its IPv4 / IPv6 subnets."""
        result: dict[str, dict[str, Any]] = {
            r.id: {"subnets": [], "scopes": {4: None, 6: None}} for r in rows
        }
        if not rows:
            return result
        stmt = (
            select(Subnet.network_id, Subnet.id, Subnet.ip_version, SubnetPool.address_scope_id)
            .outerjoin(SubnetPool, SubnetPool.id == Subnet.subnetpool_id)
            .where(Subnet.network_id.in_(list(result)))
            .order_by(Subnet.created_at, Subnet.id)
        )
        for network_id, subnet_id, version, scope in s.execute(stmt):
            result[network_id]["subnets"].append(subnet_id)
            result[network_id]["scopes"][version] = result[network_id]["scopes"][version] or scope
        return result

    # -- create ------------------------------------------------------------------------------
    def create(self, ctx: RequestContext, attrs: Mapping[str, Any]) -> Item:
        """A new network. Forbidden for attributes the caller may not set; BadRequest for bad
        values; Conflict (OverQuota, segment in use) as Neutron."""
        project = owner_of(ctx, attrs)
        tgt = {"project_id": project, "tenant_id": project, "network_project_id": project}
        self.access.enforce(ctx, "create_network", tgt)
        self.access.enforce_attributes(ctx, "create_network", _rules_for(attrs, creating=True), tgt)
        tags = self.creation_tags(ctx, attrs, tgt)
        wanted = segments.requested(attrs)
        hints = string_list(attrs.get("availability_zone_hints", []), "availability_zone_hints")
        domain = dns_name(attrs.get("dns_domain") or "", "dns_domain")
        if attrs.get("is_default") and not attrs.get("external"):
            raise invalid("is_default can only be set on an external network")

        def work(s: Session) -> str:
            self.quotas.check(s, project, {"network": 1})
            if may_make_default(ctx, project):  # as Neutron, a project's first network makes it
                ensure_default(s, self.quotas, project)
            segment = segments.allocate(s, wanted)
            if attrs.get("is_default"):
                self._check_one_default(s, None)
            network = Network(
                **stamp(id=new_id(), project_id=project, description=attrs.get("description", "")),
                name=attrs.get("name", ""),
                admin_state_up=attrs.get("admin_state_up", True),
                status="ACTIVE",
                shared=attrs.get("shared", False),
                external=attrs.get("external", False),
                is_default=attrs.get("is_default", False),
                mtu=segments.check_mtu(attrs.get("mtu"), segment),
                port_security_enabled=attrs.get("port_security_enabled", True),
                network_type=segment.network_type,
                physical_network=segment.physical_network,
                segmentation_id=segment.segmentation_id,
                segment_key=segment.key,
                availability_zone_hints=hints,
                dns_domain=domain,
            )
            s.add(network)
            s.flush()
            sharing.open_new(s, network)
            tagging.tag_new(s, self.collection, network.id, tags)
            return network.id

        return self.described(ctx, retrying(self.db, work))

    @staticmethod
    def _check_one_default(s: Session, except_id: str | None) -> None:
        stmt = select(Network.id).where(Network.is_default.is_(True), Network.external.is_(True))
        existing = s.scalar(stmt.where(Network.id != except_id) if except_id else stmt)
        if existing is not None:
            raise Conflict(
                f"Unable to set the network as the default external network: network {existing} is.",
                code="network.default.exists",
            )

    # -- update ------------------------------------------------------------------------------
    def update(
        self, ctx: RequestContext, ident: str, attrs: Mapping[str, Any], revision: int | None = None
    ) -> Item:
        check_read_only(attrs, UPDATABLE)
        with self.db.transaction() as s:
            network = self.load(s, ctx, ident, "update", lock=True)
            check_revision(network, revision)
            self.access.enforce_attributes(
                ctx, "update_network", _rules_for(attrs, creating=False), target(network)
            )
            self._apply(s, network, attrs)
            touch(network)
        return self.described(ctx, ident)

    def _apply(self, s: Session, network: Network, attrs: Mapping[str, Any]) -> None:
        provider = {a: attrs[a] for a in PROVIDER if a in attrs}
        if any(getattr(network, a) != v for a, v in provider.items()):
            raise invalid("Plugin does not support updating provider attributes")
        external = attrs.get("external", network.external)
        if attrs.get("is_default"):
            if not external:
                raise invalid("is_default can only be set on an external network")
            self._check_one_default(s, network.id)
        if "mtu" in attrs:
            network.mtu = segments.check_mtu(attrs["mtu"], segments.of(network))
        if "dns_domain" in attrs:
            network.dns_domain = dns_name(attrs["dns_domain"] or "", "dns_domain")
        for key in ("name", "description", "admin_state_up", "is_default"):
            if key in attrs:
                setattr(network, key, attrs[key])
        if "shared" in attrs:
            sharing.set_shared(s, network, attrs["shared"])
        if "external" in attrs:
            if network.external and not attrs["external"]:
                self._check_no_l3_ports(s, network)
            sharing.set_external(s, network, attrs["external"])
        if "port_security_enabled" in attrs:
            network.port_security_enabled = attrs["port_security_enabled"]
        if not network.external:
            network.is_default = False

    @staticmethod
    def _drop_free_floating_ips(s: Session, network: Network) -> None:
        """As Neutron, deleting an external network deletes its floating IPs that are on no port
        (one on a port, or a router's gateway, still keeps the network: NetworkInUse)."""
        free = select(FloatingIP).where(
            FloatingIP.floating_network_id == network.id, FloatingIP.fixed_port_id.is_(None)
        )
        for fip in list(s.scalars(free)):
            if not floating_ips.forwarded(s, fip.id):
                floating_ips.remove(s, fip)

    @staticmethod
    def _check_no_l3_ports(s: Session, network: Network) -> None:
        """COMPAT: Neutron's ExternalNetworkInUse, while router gateways or floating IPs use it."""
        owners = (ROUTER_GATEWAY, FLOATINGIP)
        stmt = select(Port.id).where(Port.network_id == network.id, Port.device_owner.in_(owners))
        if s.scalar(stmt.limit(1)) is not None:
            raise Conflict(
                f"External network {network.id} cannot be updated to be made non-external, since it has "
                "existing gateway ports.",
                code="network.external.in_use",
            )

    # -- delete ------------------------------------------------------------------------------
    def delete(self, ctx: RequestContext, ident: str, revision: int | None = None) -> None:
        """Delete the network and its subnets; 409 NetworkInUse while ports remain."""
        with self.db.transaction() as s:
            network = self.load(s, ctx, ident, "delete", lock=True)
            check_revision(network, revision)
            if network.external:
                self._drop_free_floating_ips(s, network)
            if s.scalar(select(Port.id).where(Port.network_id == network.id).limit(1)) is not None:
                # COMPAT: Neutron's NetworkInUse wording.
                raise in_use(
                    "network", network.id, "There are one or more ports still in use on the network."
                )
            subnet_ids = list(s.scalars(select(Subnet.id).where(Subnet.network_id == network.id)))
            lock_rows(s, Subnet, subnet_ids)
            if subnet_ids and s.scalar(
                select(IpAllocation.port_id).where(IpAllocation.subnet_id.in_(subnet_ids))
            ):
                raise in_use(
                    "network", network.id, "There are one or more ports still in use on the network."
                )
            tagging.forget(s, [network.id, *subnet_ids])
            sharing.forget(s, network.id)
            s.delete(network)
