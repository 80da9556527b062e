"""Compute v2.1 documents of the network proxies: networks, floating IPs and security groups with
their rules, in Nova's shapes (nova/api/openstack/compute/networks.py, floating_ips.py,
security_groups.py)."""

from __future__ import annotations

from typing import Any

from pocketstack.core.compute.network_proxy import ProxyFloatingIp, ProxyNetwork
from pocketstack.core.compute.security_group_proxy import ProxyGroup, ProxyRule

# COMPAT: nova-network's fields; with Neutron only ``id`` and ``label`` have values.
NETWORK_FIELDS = (
    "id",
    "cidr",
    "netmask",
    "gateway",
    "broadcast",
    "dns1",
    "dns2",
    "cidr_v6",
    "gateway_v6",
    "label",
    "netmask_v6",
)
ADMIN_NETWORK_FIELDS = (
    "created_at",
    "updated_at",
    "deleted_at",
    "deleted",
    "injected",
    "bridge",
    "vlan",
    "vpn_public_address",
    "vpn_public_port",
    "vpn_private_address",
    "dhcp_start",
    "project_id",
    "host",
    "bridge_interface",
    "multi_host",
    "priority",
    "rxtx_base",
    "mtu",
    "dhcp_server",
    "enable_dhcp",
    "share_address",
)


def network(net: ProxyNetwork, admin: bool) -> dict[str, Any]:
    """Every nova-network field (an admin sees more of them), all null but ``id`` and ``label``."""
    fields = NETWORK_FIELDS + (ADMIN_NETWORK_FIELDS if admin else ())
    values = {"id": net.id, "label": net.label}
    return {name: values.get(name) for name in fields}


def floating_ip(fip: ProxyFloatingIp) -> dict[str, Any]:
    return {
        "fixed_ip": fip.fixed_address,
        "id": fip.id,
        "instance_id": fip.instance_id,
        "ip": fip.address,
        "pool": fip.pool,
    }


def rule(item: ProxyRule) -> dict[str, Any]:
    """A rule from a source group shows the group (``ip_range`` empty); one from a CIDR shows
    the CIDR (``group`` empty)."""
    r = item.rule
    source = {"name": item.source[0], "tenant_id": item.source[1]} if item.source else {}
    return {
        "id": r.id,
        "parent_group_id": r.parent_group_id,
        "ip_protocol": r.protocol,
        "from_port": r.from_port,
        "to_port": r.to_port,
        "group": source,
        "ip_range": {} if r.group_id else {"cidr": r.cidr},
    }


def security_group(group: ProxyGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "tenant_id": group.project_id,
        "rules": [rule(r) for r in group.rules],
    }
