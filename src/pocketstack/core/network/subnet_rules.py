"""The rules a subnet's own attributes obey, without a database: IPv6 modes, DHCP, the gateway,
allocation pools, name servers, host routes and service types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pocketstack.core.network import ipam
from pocketstack.core.network.errors import invalid

SERVICE_TYPE_PREFIXES = ("network:", "neutron:", "compute:")
ROUTER_OWNERS = frozenset(
    {
        "network:router_interface",
        "network:router_interface_distributed",
        "network:ha_router_replicated_interface",
    }
)


def check_ipv6_modes(version: int, ra_mode: str | None, address_mode: str | None, enable_dhcp: bool) -> None:
    for name, mode in (("ipv6_ra_mode", ra_mode), ("ipv6_address_mode", address_mode)):
        if mode is not None and version == 4:
            raise invalid(f"{name} is not valid when ip_version is 4")
        if mode is not None and mode not in ipam.IPV6_MODES:
            raise invalid(f"'{mode}' is not in {list(ipam.IPV6_MODES)}")
    if ra_mode and address_mode and ra_mode != address_mode:
        raise invalid(
            f"ipv6_ra_mode set to '{ra_mode}' with ipv6_address_mode set to '{address_mode}' is not valid. "
            "If both attributes are set, they must be the same value"
        )
    if (ra_mode or address_mode) and not enable_dhcp:
        raise invalid("ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False")


def check_cidr(net: ipam.Net, address_mode: str | None, enable_dhcp: bool) -> None:
    if net.version == 6 and int(net.network_address) == 0:
        raise invalid("IPv6 subnet '::' is not supported")
    if address_mode in ipam.AUTO_ADDRESS_MODES and net.prefixlen != 64:
        raise invalid(
            f"Invalid CIDR {net} for IPv6 address mode. OpenStack uses the EUI-64 address format, "
            "which requires the prefix to be /64"
        )
    if enable_dhcp:
        check_dhcp(net)


def check_dhcp(net: ipam.Net) -> None:
    if net.prefixlen > (30 if net.version == 4 else 126):
        raise invalid("Subnet has a prefix length that is incompatible with DHCP service enabled")
    if net.is_multicast or net.is_loopback:
        raise invalid("Multicast or loopback IP subnets are not supported if enable_dhcp is True")


def gateway(net: ipam.Net, attrs: Mapping[str, Any]) -> ipam.Address | None:
    """The gateway: the first usable address when not given, none when given as null."""
    if "gateway_ip" not in attrs:
        return ipam.parse_ip(ipam.text(net.version, ipam.usable(net)[0]))
    return check_gateway(net, attrs["gateway_ip"])


def check_gateway(net: ipam.Net, value: Any) -> ipam.Address | None:
    if value is None:
        return None
    address = ipam.parse_ip(value, net.version, "gateway_ip")
    if address in net and not ipam.is_usable(net, address):
        raise invalid("Gateway is not valid on subnet")
    return address


def pools(net: ipam.Net, raw: Any, gw: ipam.Address | None) -> list[ipam.Pool]:
    """The allocation pools asked for (checked), or the default ones."""
    if raw is None:
        return ipam.default_pools(net, gw)
    if not isinstance(raw, list):
        raise invalid("allocation_pools must be a list")
    return ipam.check_pools(net, raw, gw)


def service_types(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(f"'{value}' is not a list of service types")
    for item in value:
        if not item.startswith(SERVICE_TYPE_PREFIXES):
            raise invalid(f"Invalid service type: {item}")
    return list(dict.fromkeys(value))


def lists(version: int, attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Name servers and host routes given, checked (absent ones left out)."""
    result: dict[str, Any] = {}
    if "dns_nameservers" in attrs:
        result["dns_nameservers"] = ipam.check_nameservers(attrs["dns_nameservers"] or [], version)
    if "host_routes" in attrs:
        result["host_routes"] = ipam.check_host_routes(attrs["host_routes"] or [], version)
    return result
