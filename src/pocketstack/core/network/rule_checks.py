"""The rules a security group rule's own attributes obey, without a database, in the order and
words of Neutron: protocols by name or number (``any`` or null: every protocol), ports checked
per protocol (for ICMP they are the type and code), the remote prefix against the ethertype,
one remote at most; and the key that makes two rules the same rule."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from pocketstack.core.errors import BadRequest
from pocketstack.core.network.errors import bad_request
from pocketstack.core.network.security_errors import rule_invalid

# IANA protocol numbers of the names Neutron accepts (``icmpv6`` is the legacy ``ipv6-icmp``).
PROTOCOLS = {
    "ah": 51,
    "dccp": 33,
    "egp": 8,
    "esp": 50,
    "gre": 47,
    "hopopt": 0,
    "icmp": 1,
    "igmp": 2,
    "ip": 0,
    "ipip": 4,
    "ipv6-encap": 41,
    "ipv6-frag": 44,
    "ipv6-icmp": 58,
    "icmpv6": 58,
    "ipv6-nonxt": 59,
    "ipv6-opts": 60,
    "ipv6-route": 43,
    "ospf": 89,
    "pgm": 113,
    "rsvp": 46,
    "sctp": 132,
    "tcp": 6,
    "udp": 17,
    "udplite": 136,
    "vrrp": 112,
}
NAMES = {str(number): name for name, number in PROTOCOLS.items() if name != "icmpv6"}
SUPPORTED = (None, "any", *PROTOCOLS)
PORT_PROTOCOLS = frozenset({6, 17, 33, 132, 136})  # tcp, udp, dccp, sctp, udplite
ICMP_PROTOCOLS = frozenset({1, 58})
_V6 = ("ipv6-encap", "ipv6-frag", "ipv6-icmp", "icmpv6", "ipv6-nonxt", "ipv6-opts", "ipv6-route")
IPV6_ONLY = frozenset(_V6) | {str(PROTOCOLS[name]) for name in _V6}  # refused with ethertype IPv4
ETHERTYPES = ("IPv4", "IPv6")
DIRECTIONS = ("ingress", "egress")
EVERYWHERE = ("0.0.0.0/0", "::/0")


def protocol(value: Any) -> str | None:
    """A protocol name in lower case, a number 0-255 as text, or None (any)."""
    if value is None or (isinstance(value, str) and value.lower() == "any"):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 255:
        return str(value)
    if isinstance(value, str) and value.isdigit() and int(value) <= 255:
        return value
    if isinstance(value, str) and value.lower() in PROTOCOLS:
        return value.lower()
    raise rule_invalid(
        "protocol",
        f"Security group rule protocol {value} not supported. Only protocol values {SUPPORTED} "
        "and integer representations [0 to 255] are supported.",
    )


def port(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) <= 65535:
        return int(value)
    raise rule_invalid("port_value", f"Invalid value for port {value}")


def ethertype(value: Any) -> str:
    for known in ETHERTYPES:
        if isinstance(value, str) and value.lower() == known.lower():
            return known
    raise rule_invalid(
        "ethertype",
        f"Security group rule for ethertype '{value}' not supported. Allowed values are {list(ETHERTYPES)}.",
    )


def direction(value: Any) -> str:
    if value is None:
        raise bad_request("Failed to parse request. Required attribute 'direction' not specified")
    if value not in DIRECTIONS:
        raise BadRequest(f"Invalid input for direction. Reason: '{value}' is not in {list(DIRECTIONS)}.")
    return str(value)


def prefix(value: Any) -> str | None:
    """The address and prefix length given (``10.0.0.5`` -> ``10.0.0.5/32``; host bits kept, as
    Neutron keeps them), or None."""
    if not value:
        return None
    try:
        return ipaddress.ip_interface(value).with_prefixlen
    except (TypeError, ValueError):
        raise BadRequest(f"Invalid CIDR {value} given as IP prefix.", code="network.cidr.invalid") from None


def normalized(value: str | None) -> str | None:
    """The network a prefix names (``10.0.0.5/24`` -> ``10.0.0.0/24``)."""
    return None if value is None else str(ipaddress.ip_interface(value).network)


def number(proto: str) -> int:
    return PROTOCOLS[proto] if proto in PROTOCOLS else int(proto)


def _canonical(rule: dict[str, Any]) -> None:
    """IPv6 ICMP under its one name/number; the whole port range means no range."""
    if rule["ethertype"] == "IPv6":
        if rule["protocol"] in ("icmp", "icmpv6"):
            rule["protocol"] = "ipv6-icmp"
        elif rule["protocol"] == "1":
            rule["protocol"] = "58"
    if (rule["port_range_min"], rule["port_range_max"]) == (1, 65535):
        rule["port_range_min"] = rule["port_range_max"] = None


def _check_ports(rule: dict[str, Any]) -> None:
    low, high = rule["port_range_min"], rule["port_range_max"]
    if low is None and high is None:
        return
    if rule["protocol"] is None:
        raise rule_invalid("protocol_required", "Must also specify protocol if port range is given.")
    proto = number(rule["protocol"])
    if proto in PORT_PROTOCOLS:
        if low == 0 or high == 0:
            raise rule_invalid("port_value", "Invalid value for port 0")
        if low is None or high is None or low > high:
            raise rule_invalid(
                "port_range", "For TCP/UDP protocols, port_range_min must be <= port_range_max"
            )
    elif proto in ICMP_PROTOCOLS:
        for attribute, field, value in (("port_range_min", "type", low), ("port_range_max", "code", high)):
            if value is not None and not 0 <= value <= 255:
                raise rule_invalid(
                    "icmp_value",
                    f"Invalid value for ICMP {field} ({attribute}) {value}. It must be 0 to 255.",
                )
        if low is None:
            raise rule_invalid(
                "icmp_type_missing",
                f"ICMP code (port-range-max) {high} is provided but ICMP type (port-range-min) is missing.",
            )
    else:
        raise rule_invalid(
            "protocol_for_port",
            f"Ports cannot be specified for protocol {proto}. "
            "Ports are only supported for DCCP, SCTP, TCP, UDP, UDPLITE.",
        )


def checked(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """A rule's values, converted and checked as Neutron does (BadRequest on the first fault)."""
    rule = {
        "direction": direction(attrs.get("direction")),
        "ethertype": ethertype(attrs.get("ethertype", "IPv4")),
        "protocol": protocol(attrs.get("protocol")),
        "port_range_min": port(attrs.get("port_range_min")),
        "port_range_max": port(attrs.get("port_range_max")),
        "remote_ip_prefix": prefix(attrs.get("remote_ip_prefix")),
        "remote_group_id": attrs.get("remote_group_id"),
        "remote_address_group_id": attrs.get("remote_address_group_id"),
    }
    _canonical(rule)
    _check_ports(rule)
    given = rule["remote_ip_prefix"]
    if given is not None and rule["ethertype"] != f"IPv{ipaddress.ip_interface(given).version}":
        raise rule_invalid(
            "prefix_conflict",
            f"Conflicting value ethertype {rule['ethertype']} for CIDR {attrs.get('remote_ip_prefix')}",
        )
    if rule["ethertype"] == "IPv4" and rule["protocol"] in IPV6_ONLY:
        raise rule_invalid("ethertype_protocol", f"Invalid ethertype IPv4 for protocol {rule['protocol']}.")
    remotes = [k for k in ("remote_ip_prefix", "remote_group_id", "remote_address_group_id") if rule[k]]
    if len(remotes) > 1:
        raise rule_invalid(
            "remotes",
            "Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.",
        )
    return rule


def _protocol_key(proto: str | None, ether: str) -> str:
    if proto is None:
        return "+"
    if ether == "IPv6" and proto in ("icmp", "icmpv6"):
        proto = "ipv6-icmp"
    elif ether == "IPv6" and proto == "1":
        proto = "58"
    name = proto if proto in PROTOCOLS else NAMES.get(proto, proto)
    name = "ipv6-icmp" if name == "icmpv6" else name
    return f"{name}/{PROTOCOLS.get(name, proto)}"


def key(rule: Mapping[str, Any]) -> tuple[str, ...]:
    """What makes two rules of a group the same rule (``tcp`` is ``6``; a prefix of everywhere
    is no prefix), after Neutron's comparison."""
    remote = rule.get("remote_ip_prefix")
    return (
        str(rule.get("direction")),
        str(rule.get("ethertype")),
        str(rule.get("port_range_max") if rule.get("port_range_max") is not None else "+"),
        str(rule.get("port_range_min") if rule.get("port_range_min") is not None else "+"),
        _protocol_key(rule.get("protocol"), str(rule.get("ethertype"))),
        str(rule.get("remote_group_id") or "+"),
        str(rule.get("remote_address_group_id") or "+"),
        "+" if remote in (None, *EVERYWHERE) else str(remote),
    )
