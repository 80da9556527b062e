"""Network v2 views of routers, floating IPs, port forwardings and floating IP pools (Neutron's
documents; ``distributed`` and ``ha`` are left out for those the policy hides them from)."""

from __future__ import annotations

from typing import Any

from pocketstack.api.common.responses import isotime
from pocketstack.api.network_v2.views import _shown, _standard
from pocketstack.core.network.base import Item
from pocketstack.core.network.router_interfaces import Interface
from pocketstack.store.network_l3_models import PortForwarding
from pocketstack.store.network_models import Subnet


def router(item: Item) -> dict[str, Any]:
    r, gateway = item.row, item.extra.get("gateway")
    return _shown(
        item,
        {
            **_standard(item),
            "admin_state_up": r.admin_state_up,
            "status": r.status,
            "external_gateway_info": {**gateway, "enable_snat": r.enable_snat} if gateway else None,
            "routes": r.routes,
            "distributed": False,
            "ha": False,
            "availability_zone_hints": r.availability_zone_hints,
            "availability_zones": [],  # no agents host routers here
            "flavor_id": None,
        },
    )


def _port_range(start: int, end: int) -> str:
    return f"{start}:{end}"


def port_forwarding(pf: PortForwarding) -> dict[str, Any]:
    """COMPAT: as Neutron with port ranges, a single port shows as both a port and a range."""
    single = pf.internal_port_start == pf.internal_port_end
    return {
        "id": pf.id,
        "internal_port_id": pf.internal_port_id,
        "internal_ip_address": pf.internal_ip_address,
        "internal_port": pf.internal_port_start if single else None,
        "external_port": pf.external_port_start if pf.external_port_start == pf.external_port_end else None,
        "internal_port_range": _port_range(pf.internal_port_start, pf.internal_port_end),
        "external_port_range": _port_range(pf.external_port_start, pf.external_port_end),
        "protocol": pf.protocol,
        "description": pf.description,
    }


def _in_floatingip(pf: PortForwarding) -> dict[str, Any]:
    shown = ("id", "internal_port_id", "internal_ip_address", "internal_port", "external_port", "protocol")
    body = port_forwarding(pf)
    return {key: body[key] for key in shown}


def _unnamed(item: Item) -> dict[str, Any]:
    """The standard attributes of a resource without a name (a floating IP)."""
    row = item.row
    return {
        "id": row.id,
        "description": row.description,
        "tenant_id": row.project_id,
        "project_id": row.project_id,
        "tags": item.tags,
        "revision_number": row.revision_number,
        "created_at": isotime(row.created_at, micros=False),
        "updated_at": isotime(row.updated_at, micros=False),
    }


def floatingip(item: Item) -> dict[str, Any]:
    f, extra = item.row, item.extra
    return {
        **_unnamed(item),
        "floating_ip_address": f.floating_ip_address,
        "floating_network_id": f.floating_network_id,
        "router_id": f.router_id,
        "port_id": f.fixed_port_id,
        "fixed_ip_address": f.fixed_ip_address,
        "status": f.status,
        "port_details": extra.get("port_details"),
        "port_forwardings": [_in_floatingip(pf) for pf in extra.get("forwardings", [])],
        "dns_name": "",
        "dns_domain": "",
        "qos_policy_id": None,
    }


def interface(info: Interface) -> dict[str, Any]:
    return {
        "id": info.router_id,
        "tenant_id": info.project_id,
        "project_id": info.project_id,
        "port_id": info.port_id,
        "network_id": info.network_id,
        "subnet_id": info.subnet_ids[-1] if info.subnet_ids else None,
        "subnet_ids": info.subnet_ids,
    }


def floatingip_pool(subnet: Subnet, project_id: str) -> dict[str, Any]:
    return {
        "subnet_id": subnet.id,
        "subnet_name": subnet.name,
        "network_id": subnet.network_id,
        "cidr": subnet.cidr,
        "project_id": project_id,
    }
