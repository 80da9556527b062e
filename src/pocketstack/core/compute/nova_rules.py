"""Security group rules as Compute v2.1 describes them: the nova-network model its Neutron proxy
kept. A rule lets traffic in (never out) from a CIDR or from the members of a source group,
for one of tcp, udp or icmp with a port range (``from_port``/``to_port``; for ICMP the type and
code, -1 meaning any). Here: a Nova rule request checked and built as Nova builds it (its
messages, its quirks), turned into the Neutron rule it asks for, and a Neutron rule shown back
in Nova's terms.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from pocketstack.core.errors import BadRequest

TCP_UDP = ("TCP", "UDP")
PROTOCOLS = ("TCP", "UDP", "ICMP")
EVERYWHERE = "0.0.0.0/0"  # Nova's CIDR of a rule with no remote prefix
# COMPAT: what webob says for a TypeError in a Nova controller (e.g. a list as a port).
MALFORMED = (
    "The server could not comply with the request since it is either malformed or otherwise incorrect."
)


@dataclass(frozen=True)
class NovaRule:
    """A Neutron rule in Nova's terms (Nova's ``_convert_to_nova_security_group_rule_format``)."""

    id: str
    parent_group_id: str
    protocol: str | None
    from_port: int | None
    to_port: int | None
    group_id: str | None
    cidr: str


def from_neutron(rule: Any) -> NovaRule:
    """A protocol without ports shows tcp/udp as 1-65535 and anything else as -1/-1."""
    low, high = rule.port_range_min, rule.port_range_max
    if rule.protocol and low is None and high is None:
        low, high = (1, 65535) if rule.protocol.upper() in TCP_UDP else (-1, -1)
    return NovaRule(
        id=rule.id,
        parent_group_id=rule.security_group_id,
        protocol=rule.protocol,
        from_port=low,
        to_port=high,
        group_id=rule.remote_group_id,
        cidr=rule.remote_ip_prefix or EVERYWHERE,
    )


def invalid_cidr(value: Any) -> BadRequest:
    return BadRequest(f"{value} is not a valid IP network.", code="compute.security_group_rule.invalid_cidr")


def parse_cidr(value: Any) -> str:
    """Nova's ``parse_cidr``: nothing means 0.0.0.0/0; otherwise a (URL-quoted) CIDR with an
    explicit prefix length, host bits allowed."""
    if not value:
        return EVERYWHERE
    if not isinstance(value, str):
        raise invalid_cidr(value)
    text = unquote(value)
    address, _, length = text.partition("/")
    try:
        ipaddress.ip_interface(text)
    except ValueError:
        raise invalid_cidr(value) from None
    if not address or not length:
        raise invalid_cidr(value)
    return text


def check_prefix(cidr: str) -> None:
    """COMPAT: Nova refuses a /0 on any address but 0.0.0.0 and ::."""
    interface = ipaddress.ip_interface(cidr)
    if interface.network.prefixlen == 0 and str(interface.ip) not in ("0.0.0.0", "::"):
        raise BadRequest(f"Bad prefix for network in cidr {cidr}", code="compute.security_group_rule.prefix")


def _integer(value: Any, protocol: str) -> int:
    if isinstance(value, list | dict):
        raise BadRequest(MALFORMED)
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        what = (
            "Type and Code must be integers for ICMP protocol type"
            if protocol.upper() == "ICMP"
            else "To and From ports must be integers"
        )
        raise BadRequest(
            f"Invalid input received: {what}", code="compute.security_group_rule.invalid"
        ) from None


def _port_range(low: int, high: int, msg: str) -> BadRequest:
    return BadRequest(
        f"Invalid port range {low}:{high}. {msg}", code="compute.security_group_rule.port_range"
    )


def _checked_ports(protocol: str, low: int, high: int) -> None:
    upper = protocol.upper()
    if upper not in PROTOCOLS:
        raise BadRequest(f"Invalid IP protocol {protocol}.", code="compute.security_group_rule.protocol")
    if upper in TCP_UDP and low > high:
        raise _port_range(low, high, "Former value cannot be greater than the later")
    if upper in TCP_UDP and (low < 1 or high > 65535):
        raise _port_range(low, high, f"Valid {upper} ports should be between 1-65535")
    if upper == "ICMP" and not (-1 <= low <= 255 and -1 <= high <= 255):
        raise _port_range(low, high, "For ICMP, the type:code must be valid")


def ingress_rule(
    protocol: Any, from_port: Any, to_port: Any, *, group_id: str | None = None, cidr: str | None = None
) -> dict[str, Any] | None:
    """Nova's ``_new_ingress_rule``: the rule asked for, or None when a CIDR rule lacks its
    protocol or ports. A source-group rule without ports opens every port of tcp/udp (1-65535)
    or every ICMP type (-1); one without a protocol opens everything."""
    values: dict[str, Any] = {}
    if group_id:
        values["group_id"] = group_id
        upper = str(protocol).upper() if protocol else ""
        if from_port is None and to_port is None:
            if upper == "ICMP":
                from_port = to_port = -1
            elif upper in TCP_UDP:
                from_port, to_port = 1, 65535
    elif cidr:
        values["cidr"] = cidr
    if protocol and from_port is not None and to_port is not None:
        text = str(protocol)
        low, high = _integer(from_port, text), _integer(to_port, text)
        _checked_ports(text, low, high)
        values.update(protocol=text, from_port=low, to_port=high)
    elif cidr:
        return None
    return values


def existing(rules: list[NovaRule], new: dict[str, Any]) -> str | None:
    """The id of a rule of the group equal to ``new`` in Nova's eyes (same source group, CIDR,
    ports and protocol as spelt), or None: Neutron finds the other duplicates."""
    for rule in rules:
        if (rule.group_id, rule.cidr, rule.from_port, rule.to_port, rule.protocol) == (
            new.get("group_id"),
            new.get("cidr"),
            new.get("from_port"),
            new.get("to_port"),
            new.get("protocol"),
        ):
            return rule.id
    return None


def neutron_attrs(rule: dict[str, Any], parent_group_id: str) -> dict[str, Any]:
    """The Neutron rule a Nova rule asks for: ingress; IPv4 unless the CIDR is IPv6 (a
    source-group rule is IPv4 only, as in Nova); -1 means no port bound."""
    cidr = rule.get("cidr")
    ipv6 = cidr is not None and ipaddress.ip_interface(cidr).version == 6
    attrs: dict[str, Any] = {
        "security_group_id": parent_group_id,
        "direction": "ingress",
        "ethertype": "IPv6" if ipv6 else "IPv4",
        "protocol": rule.get("protocol"),
        "remote_ip_prefix": cidr,
        "remote_group_id": rule.get("group_id"),
    }
    if rule.get("from_port", -1) != -1:
        attrs["port_range_min"] = rule["from_port"]
    if rule.get("to_port", -1) != -1:
        attrs["port_range_max"] = rule["to_port"]
    return attrs
