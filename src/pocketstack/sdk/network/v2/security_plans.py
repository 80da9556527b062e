"""Network v2 security group and security group rule plans."""

from __future__ import annotations

from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.network.v2._support import NetworkPlansBase
from pocketstack.sdk.network.v2.security import SecurityGroup, SecurityGroupRule
from pocketstack.sdk.plan import Call, Listing


class SecurityGroupPlans(NetworkPlansBase):
    # -- security groups ---------------------------------------------------------------------

    def security_groups(self, /, **query: Any) -> Listing[SecurityGroup]:
        """Every security group the caller sees, page by page."""
        return self._list(SecurityGroup, query)

    def get_security_group(self, security_group: SecurityGroup | str) -> Call[SecurityGroup]:
        """The security group with its rules (raises NotFound)."""
        return ops.get_resource(self.session, SecurityGroup, security_group)

    def find_security_group(
        self, name_or_id: str, /, ignore_missing: bool = True, **query: Any
    ) -> Call[SecurityGroup | None]:
        """The security group of this id or name (MultipleMatches when the name is not unique;
        each project has its own ``default``)."""
        return self._find(SecurityGroup, name_or_id, ignore_missing, query)

    def create_security_group(self, /, **attrs: Any) -> Call[SecurityGroup]:
        """A new security group (Neutron gives it two egress rules)."""
        return ops.create_resource(self.session, SecurityGroup, **attrs)

    def update_security_group(
        self, security_group: SecurityGroup | str, /, if_revision: int | None = None, **attrs: Any
    ) -> Call[SecurityGroup]:
        """Change the security group's name, description or statefulness."""
        return self._update(SecurityGroup, security_group, if_revision, attrs)

    def delete_security_group(
        self, security_group: SecurityGroup | str, ignore_missing: bool = True, if_revision: int | None = None
    ) -> Call[None]:
        """Delete the security group (Conflict while ports use it)."""
        return self._delete(SecurityGroup, security_group, ignore_missing, if_revision)

    def security_group_rules(self, /, **query: Any) -> Listing[SecurityGroupRule]:
        """Every security group rule the caller sees, page by page."""
        return self._list(SecurityGroupRule, query)

    def get_security_group_rule(self, rule: SecurityGroupRule | str) -> Call[SecurityGroupRule]:
        """The rule (raises NotFound)."""
        return ops.get_resource(self.session, SecurityGroupRule, rule)

    def find_security_group_rule(
        self, name_or_id: str, /, ignore_missing: bool = True, **query: Any
    ) -> Call[SecurityGroupRule | None]:
        """The rule of this id (rules have no names)."""
        return self._find(SecurityGroupRule, name_or_id, ignore_missing, query)

    def create_security_group_rule(self, /, **attrs: Any) -> Call[SecurityGroupRule]:
        """A new rule (``security_group_id``, ``direction``, ``ethertype``, ``protocol``,
        ``port_range_min``/``max``, ``remote_ip_prefix`` or ``remote_group_id``); Conflict when
        the same rule exists."""
        return ops.create_resource(self.session, SecurityGroupRule, **attrs)

    def create_security_group_rules(self, data: list[dict[str, Any]]) -> Call[list[SecurityGroupRule]]:
        """Several rules in one request: all are made, or none."""
        return self._bulk(SecurityGroupRule, data)

    def delete_security_group_rule(
        self, rule: SecurityGroupRule | str, ignore_missing: bool = True, if_revision: int | None = None
    ) -> Call[None]:
        """Delete the rule."""
        return self._delete(SecurityGroupRule, rule, ignore_missing, if_revision)


__all__ = ["SecurityGroupPlans"]
