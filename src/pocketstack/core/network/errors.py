"""Errors of the network core. Each carries a stable code (``network.<thing>.<condition>``) that
the Network v2 front end maps to Neutron's error type; messages that clients are known to show
or match keep Neutron's wording (marked COMPAT)."""

from __future__ import annotations

from pocketstack.core.errors import BadRequest, Conflict, NotFound, PocketstackError

# Singular kind -> how a message names it.
KIND_NAMES = {
    "network": "Network",
    "subnet": "Subnet",
    "port": "Port",
    "subnetpool": "Subnet pool",
    "address_scope": "Address scope",
    "router": "Router",
    "floatingip": "Floating IP",
    "port_forwarding": "Port Forwarding",
    "security_group": "Security group",
    "security_group_rule": "Security group rule",
    "rbac_policy": "RBAC policy",
}
# COMPAT: kinds whose NotFound Neutron words otherwise (SecurityGroupNotFound, RbacPolicyNotFound;
# an unknown policy id is of type "unknown" there, since its type is looked up by id).
NOT_FOUND_WORDING = {
    "security_group": "Security group {id} does not exist",
    "security_group_rule": "Security group rule {id} does not exist",
    "rbac_policy": "RBAC policy of type unknown with ID {id} not found",
}


class PreconditionFailed(PocketstackError):
    status = 412
    code = "network.revision.mismatch"


def not_found(kind: str, ident: str) -> NotFound:
    # COMPAT: Neutron's "<Kind> <id> could not be found." (NetworkNotFound, PortNotFound, ...).
    return NotFound(
        kind,
        ident,
        code=f"network.{kind}.not_found",
        message=NOT_FOUND_WORDING.get(kind, "{kind} {id} could not be found.").format(
            kind=KIND_NAMES[kind], id=ident
        ),
    )


def invalid(message: str) -> BadRequest:
    """COMPAT: Neutron's InvalidInput wording, "Invalid input for operation: ...."."""
    return BadRequest(f"Invalid input for operation: {message.rstrip('.')}.", code="network.input.invalid")


def bad_request(message: str, condition: str = "invalid") -> BadRequest:
    return BadRequest(message, code=f"network.request.{condition}")


def in_use(kind: str, ident: str, why: str) -> Conflict:
    return Conflict(
        f"Unable to complete operation on {KIND_NAMES[kind].lower()} {ident}. {why}",
        code=f"network.{kind}.in_use",
    )


def ip_generation_failure(network_id: str) -> Conflict:
    # COMPAT: Neutron's IpAddressGenerationFailure message, matched by clients and tests.
    return Conflict(
        f"No more IP addresses available on network {network_id}.", code="network.ip.generation_failure"
    )


def ip_already_allocated(ip: str, subnet_id: str) -> Conflict:
    # COMPAT: Neutron's IpAddressAlreadyAllocated message.
    return Conflict(
        f"IP address {ip} already allocated in subnet {subnet_id}", code="network.ip.already_allocated"
    )


def invalid_ip_for_subnet(ip: str, subnet_id: str) -> BadRequest:
    return BadRequest(
        f"IP address {ip} is not a valid IP for the specified subnet {subnet_id}.",
        code="network.ip.invalid_for_subnet",
    )


def invalid_ip_for_network(ip: str) -> BadRequest:
    return BadRequest(
        f"IP address {ip} is not a valid IP for any of the subnets on the specified network.",
        code="network.ip.invalid_for_network",
    )


def mac_in_use(network_id: str, mac: str) -> Conflict:
    return Conflict(
        f"Unable to complete operation for network {network_id}. The mac address {mac} is in use.",
        code="network.mac.in_use",
    )


def over_quota(resources: list[str]) -> Conflict:
    # COMPAT: Neutron formats the list with Python's repr: "['port']".
    return Conflict(f"Quota exceeded for resources: {sorted(resources)}.", code="network.quota.over")


def revision_mismatch(expected: int, current: int) -> PreconditionFailed:
    return PreconditionFailed(f"Constrained to {expected}, but current revision is {current}")
