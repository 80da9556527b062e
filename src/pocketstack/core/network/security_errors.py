"""Errors of security groups, their rules, a port's groups and RBAC policies. Messages keep
Neutron's wording (clients show them); the Network v2 front end maps each code to Neutron's
exception name."""

from __future__ import annotations

from collections.abc import Iterable

from pocketstack.core.errors import BadRequest, Conflict, NotFound


def groups_not_found(ids: Iterable[str]) -> NotFound:
    joined = ", ".join(ids)
    return NotFound(
        "security group",
        joined,
        code="network.security_group.not_found",
        message=f"Security group {joined} does not exist",
    )


def group_in_use(group_id: str) -> Conflict:
    return Conflict(f"Security Group {group_id} in use.", code="network.security_group.in_use")


def default_undeletable() -> Conflict:
    return Conflict(
        "Insufficient rights for removing default security group.",
        code="network.security_group.default_undeletable",
    )


def default_unchangeable() -> Conflict:
    return Conflict(
        "Updating default security group not allowed.", code="network.security_group.default_unchangeable"
    )


def default_exists() -> Conflict:
    """A group may not be named ``default``: that name is the project's default group's."""
    return Conflict("Default security group already exists.", code="network.security_group.default_exists")


def group_conflict(reason: str) -> Conflict:
    return Conflict(f"Error {reason} while attempting the operation.", code="network.security_group.conflict")


def rule_exists(rule_id: str) -> Conflict:
    return Conflict(
        f"Security group rule already exists. Rule id is {rule_id}.",
        code="network.security_group_rule.exists",
    )


def rule_invalid(condition: str, message: str) -> BadRequest:
    """A rule Neutron refuses (its InvalidInput subclasses: SecurityGroupInvalidPortRange, ...)."""
    return BadRequest(message, code=f"network.security_group_rule.{condition}")


def address_group_not_found(ident: str) -> NotFound:
    # No address groups are served, so none can be a rule's remote.
    return NotFound(
        "address group",
        ident,
        code="network.address_group.not_found",
        message=f"Address group {ident} could not be found.",
    )


def port_security_required() -> BadRequest:
    return BadRequest(
        "Port security must be enabled and port must have an IP address in order to use security groups.",
        code="network.port.security_required",
    )


def port_has_groups() -> Conflict:
    return Conflict(
        "Port has security group associated. Cannot disable port security or IP address until "
        "security group is removed.",
        code="network.port.has_security_groups",
    )


def rbac_in_use(object_id: str, details: str) -> Conflict:
    return Conflict(
        f"RBAC policy on object {object_id} cannot be removed because other objects depend on it.\n"
        f"Details: {details}",
        code="network.rbac_policy.in_use",
    )


def rbac_duplicate() -> Conflict:
    return Conflict("An RBAC policy already exists with those values.", code="network.rbac_policy.duplicate")


def rbac_invalid_action(action: str, object_type: str, valid: Iterable[str]) -> BadRequest:
    return BadRequest(
        f"Invalid action '{action}' for object type '{object_type}'. Valid actions: {tuple(valid)}",
        code="network.rbac_policy.invalid_action",
    )
