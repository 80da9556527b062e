"""Network v2 views of security groups (with their rules embedded), security group rules and
RBAC policies, in Neutron's documents."""

from __future__ import annotations

from typing import Any

from pocketstack.api.common.responses import isotime
from pocketstack.api.network_v2.views import _standard
from pocketstack.core.network.base import Item


def rule_document(rule: Any) -> dict[str, Any]:
    """A rule as Neutron shows it, alone or inside its group (rules have no name and no tags)."""
    return {
        "id": rule.id,
        "tenant_id": rule.project_id,
        "project_id": rule.project_id,
        "security_group_id": rule.security_group_id,
        "ethertype": rule.ethertype,
        "direction": rule.direction,
        "protocol": rule.protocol,
        "port_range_min": rule.port_range_min,
        "port_range_max": rule.port_range_max,
        "remote_ip_prefix": rule.remote_ip_prefix,
        "remote_address_group_id": None,  # no address groups are served
        "normalized_cidr": rule.normalized_cidr,
        "remote_group_id": rule.remote_group_id,
        "belongs_to_default_sg": rule.belongs_to_default_sg,
        "description": rule.description,
        "revision_number": rule.revision_number,
        "created_at": isotime(rule.created_at, micros=False),
        "updated_at": isotime(rule.updated_at, micros=False),
    }


def security_group(item: Item) -> dict[str, Any]:
    return {
        **_standard(item),
        "stateful": item.row.stateful,
        "security_group_rules": [rule_document(r) for r in item.extra.get("rules", [])],
    }


def security_group_rule(item: Item) -> dict[str, Any]:
    return rule_document(item.row)


def rbac_policy(item: Item) -> dict[str, Any]:
    p = item.row
    return {
        "id": p.id,
        "tenant_id": p.project_id,
        "project_id": p.project_id,
        "object_type": p.object_type,
        "object_id": p.object_id,
        "action": p.action,
        "target_tenant": p.target_project,
    }
