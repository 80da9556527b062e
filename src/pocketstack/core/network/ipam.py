"""Address arithmetic, without a database: parsing, allocation pools, free addresses and free
prefixes, EUI-64 addresses, host routes and name servers. Addresses are handled as integers
(Python's are unbounded, so IPv6 is no different) and stored in canonical text.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

from pocketstack.core.errors import BadRequest, Conflict
from pocketstack.core.network.errors import invalid

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Net = ipaddress.IPv4Network | ipaddress.IPv6Network
Pool = tuple[int, int]  # first and last address, inclusive
IPV6_MODES = ("slaac", "dhcpv6-stateful", "dhcpv6-stateless")
AUTO_ADDRESS_MODES = ("slaac", "dhcpv6-stateless")
MAX_DNS_NAMESERVERS = 5
MAX_HOST_ROUTES = 20


def parse_ip(value: Any, version: int | None = None, what: str = "IP address") -> Address:
    try:
        address = ipaddress.ip_address(value) if isinstance(value, str) else None
    except ValueError:
        address = None
    if address is None:
        raise invalid(f"'{value}' is not a valid {what}")
    if version is not None and address.version != version:
        raise invalid(f"{what} {value} does not match the IP version {version}")
    return address


def parse_cidr(value: Any, version: int | None = None) -> Net:
    """A CIDR whose host bits are zero (Neutron refuses '10.0.0.1/24')."""
    try:
        interface = ipaddress.ip_interface(value) if isinstance(value, str) and "/" in value else None
    except ValueError:
        interface = None
    if interface is None:
        raise invalid(f"'{value}' is not a valid IP subnet")
    net = interface.network
    if interface.ip != net.network_address:
        raise invalid(f"'{value}' isn't a recognized IP subnet cidr, '{net}' is recommended")
    if version is not None and net.version != version:
        raise invalid(f"Cidr {value} does not match the IP version {version}")
    return net


def text(version: int, value: int) -> str:
    return str(ipaddress.ip_address(value) if version == 4 else ipaddress.IPv6Address(value))


def usable(net: Net) -> Pool:
    """The addresses a port may hold: not the network address, nor the IPv4 broadcast."""
    last = int(net.broadcast_address) - (1 if net.version == 4 else 0)
    return int(net.network_address) + 1, last


def is_usable(net: Net, address: Address) -> bool:
    first, last = usable(net)
    return address in net and first <= int(address) <= last


def default_pools(net: Net, gateway: Address | None) -> list[Pool]:
    """Every usable address but the gateway's."""
    first, last = usable(net)
    if gateway is None or not first <= int(gateway) <= last:
        return [(first, last)] if first <= last else []
    g = int(gateway)
    return [p for p in ((first, g - 1), (g + 1, last)) if p[0] <= p[1]]


def check_pools(net: Net, raw: Sequence[Any], gateway: Address | None) -> list[Pool]:
    """Allocation pools given as ``{"start", "end"}``: inside the usable range, not overlapping,
    not holding the gateway. Raises BadRequest or Conflict (Neutron's codes)."""
    pools = []
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"start", "end"}:
            raise invalid(f"Invalid data format for IP pool: '{item}'")
        start = parse_ip(item["start"], net.version, "allocation pool start")
        end = parse_ip(item["end"], net.version, "allocation pool end")
        label = f"{start}-{end}"
        if int(start) > int(end):
            raise BadRequest(f"The allocation pool {label} is not valid.", code="network.pool.invalid")
        first, last = usable(net)
        if int(start) < first or int(end) > last:
            raise BadRequest(
                f"The allocation pool {label} spans beyond the subnet cidr {net}.",
                code="network.pool.out_of_bounds",
            )
        pools.append((int(start), int(end)))
    pools.sort()
    for (a_first, a_last), (b_first, b_last) in zip(pools, pools[1:], strict=False):
        if b_first <= a_last:
            a, b = pool_text(net.version, (a_first, a_last)), pool_text(net.version, (b_first, b_last))
            raise Conflict(
                f"Found overlapping allocation pools: {a} {b} for subnet {net}.", code="network.pool.overlap"
            )
    check_gateway_outside(net.version, pools, gateway)
    return pools


def check_gateway_outside(version: int, pools: Iterable[Pool], gateway: Address | None) -> None:
    if gateway is None:
        return
    for pool in pools:
        if pool[0] <= int(gateway) <= pool[1]:
            raise Conflict(
                f"Gateway ip {gateway} conflicts with allocation pool {pool_text(version, pool)}.",
                code="network.gateway.conflict",
            )


def pool_text(version: int, pool: Pool) -> str:
    return f"{text(version, pool[0])}-{text(version, pool[1])}"


def pools_json(version: int, pools: Iterable[Pool]) -> list[dict[str, str]]:
    return [{"start": text(version, a), "end": text(version, b)} for a, b in pools]


def pools_of(stored: Iterable[dict[str, str]]) -> list[Pool]:
    return [(int(ipaddress.ip_address(p["start"])), int(ipaddress.ip_address(p["end"]))) for p in stored]


def first_free(pools: Iterable[Pool], taken: set[int]) -> int | None:
    """The lowest address of the pools that is not taken."""
    for first, last in pools:
        candidate = first
        while candidate <= last:
            if candidate not in taken:
                return candidate
            candidate += 1
    return None


def eui64(net: Net, mac: str) -> Address:
    """The SLAAC address of ``mac`` in a /64: the MAC with ff:fe in its middle and the
    universal/local bit flipped."""
    octets = [int(part, 16) for part in mac.split(":")]
    octets[0] ^= 0x02
    interface = bytes(octets[:3] + [0xFF, 0xFE] + octets[3:])
    return ipaddress.IPv6Address(int(net.network_address) | int.from_bytes(interface))


def free_prefix(within: Sequence[Net], taken: Iterable[Net], prefixlen: int) -> Net | None:
    """The lowest block of ``prefixlen`` inside one of ``within`` that overlaps nothing taken.
    Skips over each taken range instead of trying every candidate block."""
    spans = sorted((int(t.network_address), int(t.broadcast_address)) for t in taken)
    starts = [a for a, _ in spans]
    for outer in sorted(within, key=lambda n: int(n.network_address)):
        if prefixlen < outer.prefixlen:
            continue
        size = 1 << (outer.max_prefixlen - prefixlen)
        candidate, end = int(outer.network_address), int(outer.broadcast_address)
        while candidate + size - 1 <= end:
            i = bisect.bisect_right(starts, candidate + size - 1)
            blocker = next((s for s in reversed(spans[:i]) if s[1] >= candidate), None)
            if blocker is None:
                return ipaddress.ip_network((candidate, prefixlen))
            candidate = ((blocker[1] // size) + 1) * size
    return None


def check_nameservers(servers: Sequence[Any], version: int) -> list[str]:
    if len(servers) > MAX_DNS_NAMESERVERS:
        raise invalid(f"A subnet may have at most {MAX_DNS_NAMESERVERS} DNS name servers")
    result = [str(parse_ip(s, None, "name server")) for s in servers]
    if len(set(result)) != len(result):
        raise invalid(f"Duplicate nameserver in {result}")
    return result


def check_host_routes(
    routes: Sequence[Any], version: int | None, limit: int = MAX_HOST_ROUTES
) -> list[dict[str, str]]:
    """Routes ``{"destination", "nexthop"}`` (a subnet's host routes, a router's extra routes);
    ``version`` None takes either IP version."""
    if len(routes) > limit:
        raise invalid(f"A subnet may have at most {limit} host routes")
    result = []
    for route in routes:
        if not isinstance(route, dict) or set(route) != {"destination", "nexthop"}:
            raise invalid(f"Invalid data format for hostroute: '{route}'")
        destination = parse_cidr(route["destination"], version)
        nexthop = parse_ip(route["nexthop"], version, "host route nexthop")
        result.append({"destination": str(destination), "nexthop": str(nexthop)})
    if len({(r["destination"], r["nexthop"]) for r in result}) != len(result):
        raise invalid(f"Duplicate hostroute in {result}")
    return result
