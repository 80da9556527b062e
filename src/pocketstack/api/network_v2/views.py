"""Network v2 views: core items to Neutron's documents. Attributes the caller's policy hides
(provider attributes, port bindings) are left out, as Neutron leaves them out."""

from __future__ import annotations

from typing import Any

from pocketstack.api.common.responses import isotime
from pocketstack.core.network.base import Item

DNS_DOMAIN = "openstacklocal."  # the domain of ports' generated host names, as Neutron's default
# Core attribute -> the wire key it is shown under, where they differ (for hiding).
WIRE = {
    "network_type": "provider:network_type",
    "physical_network": "provider:physical_network",
    "segmentation_id": "provider:segmentation_id",
    "binding_host_id": "binding:host_id",
    "binding_profile": "binding:profile",
    "binding_vif_type": "binding:vif_type",
    "binding_vif_details": "binding:vif_details",
}


def _standard(item: Item) -> dict[str, Any]:
    row = item.row
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "tenant_id": row.project_id,
        "project_id": row.project_id,
        "tags": item.tags,
        "revision_number": row.revision_number,
        # COMPAT: Neutron's timestamps carry seconds and a Z, no fraction.
        "created_at": isotime(row.created_at, micros=False),
        "updated_at": isotime(row.updated_at, micros=False),
    }


def _shown(item: Item, body: dict[str, Any]) -> dict[str, Any]:
    for hidden in item.hidden:
        body.pop(WIRE.get(hidden, hidden), None)
    return body


def network(item: Item) -> dict[str, Any]:
    n, extra = item.row, item.extra
    return _shown(
        item,
        {
            **_standard(item),
            "admin_state_up": n.admin_state_up,
            "status": n.status,
            "shared": n.shared or n.shared_here,  # shared with everyone, or with the caller by RBAC
            "router:external": n.external,
            "is_default": n.is_default,
            "mtu": n.mtu,
            "port_security_enabled": n.port_security_enabled,
            "provider:network_type": n.network_type,
            "provider:physical_network": n.physical_network,
            "provider:segmentation_id": n.segmentation_id,
            "availability_zone_hints": n.availability_zone_hints,
            "availability_zones": [],  # no agents host networks here
            "dns_domain": n.dns_domain,
            "subnets": extra.get("subnets", []),
            "ipv4_address_scope": extra.get("scopes", {}).get(4),
            "ipv6_address_scope": extra.get("scopes", {}).get(6),
            "l2_adjacency": True,
        },
    )


def subnet(item: Item) -> dict[str, Any]:
    s = item.row
    return {
        **_standard(item),
        "network_id": s.network_id,
        "ip_version": s.ip_version,
        "cidr": s.cidr,
        "gateway_ip": s.gateway_ip,
        "allocation_pools": s.allocation_pools,
        "dns_nameservers": s.dns_nameservers,
        "host_routes": s.host_routes,
        "enable_dhcp": s.enable_dhcp,
        "ipv6_ra_mode": s.ipv6_ra_mode,
        "ipv6_address_mode": s.ipv6_address_mode,
        "subnetpool_id": s.subnetpool_id,
        "segment_id": None,
        "service_types": s.service_types,
        "router:external": item.extra.get("external", False),
    }


def _dns_assignment(port: Any, fixed_ips: list[dict[str, str]]) -> list[dict[str, str]]:
    result = []
    for ip in fixed_ips:
        host = port.dns_name or "host-" + ip["ip_address"].replace(".", "-").replace(":", "-")
        result.append({"hostname": host, "ip_address": ip["ip_address"], "fqdn": f"{host}.{DNS_DOMAIN}"})
    return result


def port(item: Item) -> dict[str, Any]:
    p, extra = item.row, item.extra
    fixed_ips = extra.get("fixed_ips", [])
    return _shown(
        item,
        {
            **_standard(item),
            "network_id": p.network_id,
            "admin_state_up": p.admin_state_up,
            "status": p.status,
            "mac_address": p.mac_address,
            "fixed_ips": fixed_ips,
            "device_id": p.device_id,
            "device_owner": p.device_owner,
            "port_security_enabled": p.port_security_enabled,
            "security_groups": extra.get("security_groups", []),
            "allowed_address_pairs": p.allowed_address_pairs,
            "extra_dhcp_opts": p.extra_dhcp_opts,
            "binding:host_id": p.binding_host_id,
            "binding:vnic_type": p.binding_vnic_type,
            "binding:profile": p.binding_profile,
            "binding:vif_type": p.binding_vif_type,
            "binding:vif_details": p.binding_vif_details,
            "dns_name": p.dns_name,
            "dns_assignment": _dns_assignment(p, fixed_ips),
        },
    )


def subnetpool(item: Item) -> dict[str, Any]:
    p = item.row
    return {
        **_standard(item),
        "prefixes": p.prefixes,
        "default_prefixlen": p.default_prefixlen,
        "min_prefixlen": p.min_prefixlen,
        "max_prefixlen": p.max_prefixlen,
        "default_quota": p.default_quota,
        "ip_version": p.ip_version,
        "shared": p.shared,
        "is_default": p.is_default,
        "address_scope_id": p.address_scope_id,
    }


def address_scope(item: Item) -> dict[str, Any]:
    a = item.row
    return {**_standard(item), "shared": a.shared, "ip_version": a.ip_version}


def only(body: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """``fields=`` asks for some attributes only (unknown names are ignored, as Neutron)."""
    return {k: v for k, v in body.items() if k in fields} if fields else body
