"""Request bodies of Compute v2.1's network proxies and network server actions, as Nova's
(schemas/security_groups.py, schemas/floating_ips.py).

COMPAT: Nova leaves the proxies' bodies open (unknown fields are ignored, never refused) and
leaves a rule's ``ip_protocol``, ``from_port``, ``to_port`` and ``cidr`` unchecked by the schema:
the core checks them as Nova's code does. The action bodies are closed.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, StringConstraints

from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.schemas.parameters import IPAddress, Uuid

Text255 = Annotated[StrictStr, StringConstraints(max_length=255)]


class Open(BaseModel):
    """A body that ignores the fields it does not know, as Nova's proxies do."""

    model_config = ConfigDict(extra="ignore", defer_build=True)


class SecurityGroup(Open):
    name: Text255
    description: Text255


class SecurityGroupBody(Open):
    """``POST /os-security-groups`` and ``PUT /os-security-groups/{id}``: both fields, always."""

    security_group: SecurityGroup


class SecurityGroupRule(Open):
    parent_group_id: Uuid
    group_id: Uuid | None = None
    ip_protocol: Any = None
    from_port: Any = None
    to_port: Any = None
    cidr: Any = None


class SecurityGroupRuleBody(Open):
    security_group_rule: SecurityGroupRule


class FloatingIpBody(Open):
    """``POST /os-floating-ips``: the body itself may be null or absent."""

    pool: StrictStr | None = None


class GroupName(Wire):
    name: Annotated[StrictStr, StringConstraints(min_length=1)]


class Addresses(Wire):
    address: IPAddress
    fixed_address: IPAddress = None  # type: ignore[assignment]


class Address(Wire):
    address: IPAddress


# The actions, each ``{wire: value}`` so that a failure names ``wire.field`` as Nova's does.
class AddSecurityGroup(Wire):
    value: GroupName = Field(alias="addSecurityGroup")


class RemoveSecurityGroup(Wire):
    value: GroupName = Field(alias="removeSecurityGroup")


class AddFloatingIp(Wire):
    value: Addresses = Field(alias="addFloatingIp")


class RemoveFloatingIp(Wire):
    value: Address = Field(alias="removeFloatingIp")
