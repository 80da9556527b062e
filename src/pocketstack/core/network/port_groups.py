"""The security groups of a port, as Neutron decides them.

A new port with port security gets the groups it asks for, or its project's default group when
it names none; ``security_groups: []`` (or null) means none. The cloud's own ports (device
owner ``network:...``) get none. A port without port security may have no group: asking for one
is a 400, and turning port security off while groups remain is a 409. Groups must be the port
project's own (an admin may use any) and all stateful or all stateless.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.network.access import visible
from pocketstack.core.network.errors import bad_request
from pocketstack.core.network.quotas import NetworkQuotas
from pocketstack.core.network.security_errors import (
    group_conflict,
    groups_not_found,
    port_has_groups,
    port_security_required,
)
from pocketstack.core.network.security_groups import ensure_default, may_make_default
from pocketstack.core.network.validation import is_uuid
from pocketstack.store.network_models import Port, PortSecurityGroup
from pocketstack.store.network_security_models import SecurityGroup

TRUSTED_OWNER = "network:"


def _ids(value: Any) -> list[str]:
    """Neutron's uuid_list: null is [], duplicates and non-UUIDs are a 400."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"Invalid input for security_groups. Reason: '{value}' is not a list.")
    for item in value:
        if not is_uuid(item):
            raise bad_request(f"Invalid input for security_groups. Reason: '{item}' is not a valid UUID.")
    if len(set(value)) != len(value):
        raise bad_request(f"Invalid input for security_groups. Reason: Duplicate items in the list: {value}.")
    return list(value)


def _usable(s: Session, ctx: RequestContext, project_id: str, ids: list[str]) -> list[str]:
    """The groups, if each is one the caller sees and the port's project may use."""
    if not ids:
        return []
    stmt = select(SecurityGroup).where(SecurityGroup.id.in_(ids), visible("security_group", ctx))
    found = {g.id: g for g in s.scalars(stmt) if is_admin(ctx) or g.project_id == project_id}
    missing = [i for i in ids if i not in found]
    if missing:
        raise groups_not_found(missing)
    if len({found[i].stateful for i in ids}) > 1:
        raise group_conflict(
            "Cannot apply both stateful and stateless security groups on the same port at the same time"
        )
    return ids


def for_new_port(
    s: Session,
    ctx: RequestContext,
    quotas: NetworkQuotas,
    project_id: str,
    attrs: Mapping[str, Any],
    port_security: bool,
) -> list[str]:
    """The groups of a port being created (its project's default group is made if missing)."""
    default = ensure_default(s, quotas, project_id) if may_make_default(ctx, project_id) else None
    if str(attrs.get("device_owner") or "").startswith(TRUSTED_OWNER):
        return []
    if not port_security:
        if _ids(attrs.get("security_groups")):
            raise port_security_required()
        return []
    if "security_groups" not in attrs:
        return [default] if default else []
    return _usable(s, ctx, project_id, _ids(attrs["security_groups"]))


def on_update(s: Session, ctx: RequestContext, port: Port, attrs: Mapping[str, Any]) -> None:
    """Apply a change of a port's groups, after its port security has been updated."""
    asked = _ids(attrs["security_groups"]) if "security_groups" in attrs else None
    if not port.port_security_enabled:
        if asked:
            raise port_security_required()
        if asked is None and s.scalar(
            select(PortSecurityGroup.port_id).where(PortSecurityGroup.port_id == port.id).limit(1)
        ):
            raise port_has_groups()
    if asked is None:
        return
    groups = [] if port.device_owner.startswith(TRUSTED_OWNER) else _usable(s, ctx, port.project_id, asked)
    s.execute(delete(PortSecurityGroup).where(PortSecurityGroup.port_id == port.id))
    s.add_all(PortSecurityGroup(port_id=port.id, security_group_id=g) for g in groups)
