"""The rules a port's own attributes obey, without a database: MAC addresses, fixed IP requests,
allowed address pairs, extra DHCP options and bindings."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from pocketstack.core.errors import Conflict
from pocketstack.core.network.errors import invalid

MAC_PREFIX = "fa:16:3e"  # the OpenStack OUI every generated MAC starts with
VNIC_TYPES = (
    "normal",
    "direct",
    "macvtap",
    "baremetal",
    "direct-physical",
    "virtio-forwarder",
    "smart-nic",
    "vdpa",
    "accelerator-direct",
    "accelerator-direct-physical",
    "remote-managed",
)
MAX_ADDRESS_PAIRS = 10
DHCP_BLANK_ALLOWED = ("router", "classless-static-route")
BOUND_VIF = ("ovs", {"port_filter": True, "connectivity": "l2"})


def random_mac() -> str:
    return f"{MAC_PREFIX}:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))


def mac(value: Any) -> str:
    """A unicast MAC in canonical form (lower case, colons)."""
    parts = value.replace("-", ":").split(":") if isinstance(value, str) else []
    try:
        octets = [int(p, 16) for p in parts] if len(parts) == 6 and all(len(p) == 2 for p in parts) else []
    except ValueError:
        octets = []
    if not octets or not any(octets) or octets[0] & 1:
        raise invalid(f"'{value}' is not a valid MAC address")
    return ":".join(f"{o:02x}" for o in octets)


def fixed_ip_requests(value: Any) -> list[dict[str, str]]:
    """Each entry names a ``subnet_id``, an ``ip_address`` or both."""
    if not isinstance(value, list):
        raise invalid(f"Invalid data format for fixed IP: '{value}'")
    requests = []
    for entry in value:
        if not isinstance(entry, dict) or not entry or set(entry) - {"subnet_id", "ip_address"}:
            raise invalid(f"Invalid data format for fixed IP: '{entry}'")
        request = {}
        if "subnet_id" in entry:
            if not isinstance(entry["subnet_id"], str):
                raise invalid(f"'{entry['subnet_id']}' is not a valid subnet id")
            request["subnet_id"] = entry["subnet_id"]
        if "ip_address" in entry:
            try:
                request["ip_address"] = str(ipaddress.ip_address(entry["ip_address"]))
            except (TypeError, ValueError):
                raise invalid(f"'{entry['ip_address']}' is not a valid IP address") from None
        requests.append(request)
    return requests


def address_pairs(value: Any, port_mac: str) -> list[dict[str, str]]:
    """``{"ip_address": IP or CIDR, "mac_address": MAC (the port's when left out)}``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid("allowed_address_pairs must be a list")
    if len(value) > MAX_ADDRESS_PAIRS:
        raise invalid(f"The number of allowed address pairs exceeds the maximum {MAX_ADDRESS_PAIRS}")
    pairs = []
    for entry in value:
        if (
            not isinstance(entry, dict)
            or "ip_address" not in entry
            or set(entry) - {"ip_address", "mac_address"}
        ):
            raise invalid("AllowedAddressPair must contain ip_address")
        try:
            network = ipaddress.ip_network(entry["ip_address"], strict=False)
        except (TypeError, ValueError):
            raise invalid(f"'{entry['ip_address']}' is not a valid IP address or CIDR") from None
        ip = str(network.network_address) if network.num_addresses == 1 else str(network)
        pair = {
            "ip_address": ip,
            "mac_address": mac(entry["mac_address"]) if entry.get("mac_address") else port_mac,
        }
        if pair in pairs:
            raise invalid(
                f"Request contains duplicate address pair: mac_address {pair['mac_address']} ip_address {ip}"
            )
        pairs.append(pair)
    return pairs


def check_pairs_allowed(pairs: Sequence[Any], port_security: bool) -> None:
    if pairs and not port_security:
        raise Conflict(
            "Port Security must be enabled in order to have allowed address pairs on a port.",
            code="network.port.pairs_need_security",
        )


def _dhcp_opt(entry: Any) -> dict[str, Any]:
    if (
        not isinstance(entry, dict)
        or "opt_name" not in entry
        or set(entry) - {"opt_name", "opt_value", "ip_version"}
    ):
        raise invalid(f"Invalid extra DHCP option: '{entry}'")
    name, value = entry["opt_name"], entry.get("opt_value")
    if not isinstance(name, str) or not name.strip() or len(name) > 64 or "\n" in name:
        raise invalid(f"Invalid extra DHCP option name: '{name}'")
    if value is not None and (not isinstance(value, str) or len(value) > 255 or "\n" in value):
        raise invalid(f"Invalid extra DHCP option value: '{value}'")
    version = entry.get("ip_version", 4)
    if version not in (4, 6):
        raise invalid(f"'{version}' is not in [4, 6]")
    return {"opt_name": name, "opt_value": value, "ip_version": version}


def dhcp_opts(value: Any, current: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """The options after a request: given ones replace those of the same name and IP version,
    and a null value removes one (as Neutron). Blank values only for ``router`` and
    ``classless-static-route``."""
    if value is None:
        return list(current)
    if not isinstance(value, list):
        raise invalid("extra_dhcp_opts must be a list")
    merged = {(o["opt_name"], o["ip_version"]): dict(o) for o in current}
    for entry in map(_dhcp_opt, value):
        key = (entry["opt_name"], entry["ip_version"])
        if entry["opt_value"] is None:
            merged.pop(key, None)
        elif not entry["opt_value"].strip() and entry["opt_name"] not in DHCP_BLANK_ALLOWED:
            raise invalid(f"Extra DHCP option {entry['opt_name']} needs a value")
        else:
            merged[key] = entry
    return list(merged.values())


def vnic_type(value: Any) -> str:
    if value not in VNIC_TYPES:
        raise invalid(f"'{value}' is not in {list(VNIC_TYPES)}")
    return value


def profile(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(f"'{value}' is not a dictionary")
    return value


def binding(host: str) -> tuple[str, dict[str, Any]]:
    """(vif_type, vif_details) of a port bound to ``host`` (unbound when '')."""
    return (BOUND_VIF[0], dict(BOUND_VIF[1])) if host else ("unbound", {})
