"""Each resource's attributes as data, after Neutron's attribute maps: its wire name, the core's
name for it, whether a POST or PUT may carry it, whether lists may filter or sort by it, and
how its value is checked. One table drives body validation, filters, sorting and ``fields=``.

Values are checked for type here (with Neutron's lenient conversions: "true" is a boolean, "5"
an integer); what they mean (a CIDR, a pool inside it) is checked by the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pocketstack.core.errors import BadRequest

Check = Callable[[str, Any], Any]


def _bad(name: str, value: Any, reason: str) -> BadRequest:
    # COMPAT: Neutron's wording for a value that fails its attribute's validator.
    return BadRequest(f"Invalid input for {name}. Reason: '{value}' {reason}.")


def to_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise _bad(name, value, "cannot be converted to boolean")


def to_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise _bad(name, value, "is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise _bad(name, value, "is not an integer")


def int_or_none(name: str, value: Any) -> int | None:
    return None if value is None else to_int(name, value)


def string(limit: int, *, nullable: bool = False) -> Check:
    def check(name: str, value: Any) -> Any:
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            raise _bad(name, value, "is not a valid string")
        if len(value) > limit:
            raise _bad(name, value, f"exceeds maximum length of {limit}")
        return value

    return check


def a_list(name: str, value: Any) -> Any:
    if value is not None and not isinstance(value, list):
        raise _bad(name, value, "is not a list")
    return value


def a_dict(name: str, value: Any) -> Any:
    if value is not None and not isinstance(value, dict):
        raise _bad(name, value, "is not a dictionary")
    return value


def anything(name: str, value: Any) -> Any:
    return value


STR255 = string(255)
STR_ID = string(255, nullable=True)


def query_text(name: str, value: str) -> Any:
    return value


def query_int(name: str, value: str) -> Any:
    return to_int(name, value)


def query_bool(name: str, value: str) -> Any:
    return to_bool(name, value)


@dataclass(frozen=True)
class Attr:
    wire: str
    canonical: str
    check: Check = anything
    post: bool = False
    put: bool = False
    filter: bool = False
    sort: bool = False
    from_query: Callable[[str, str], Any] = query_text


def attr(
    wire: str, check: Check = anything, canonical: str | None = None, flags: str = "", **kw: Any
) -> Attr:
    """``flags``: P (POST), U (PUT), F (filter), S (sort)."""
    if check is to_bool:
        kw.setdefault("from_query", query_bool)
    elif check in (to_int, int_or_none):
        kw.setdefault("from_query", query_int)
    return Attr(wire, canonical or wire, check, "P" in flags, "U" in flags, "F" in flags, "S" in flags, **kw)


COMMON = (
    attr("id", flags="FS"),
    attr("name", STR255, flags="PUFS"),
    attr("description", STR255, flags="PUFS"),
    attr("tenant_id", string(255), "project_id", "PFS"),
    attr("project_id", string(255), "project_id", "PFS"),
    attr("tags", a_list, flags="P"),
    attr("revision_number", to_int, flags="FS"),
    attr("created_at", flags="S"),
    attr("updated_at", flags="S"),
)
NETWORK = (
    *COMMON,
    attr("admin_state_up", to_bool, flags="PUFS"),
    attr("status", flags="FS"),
    attr("shared", to_bool, flags="PUFS"),
    attr("router:external", to_bool, "external", "PUF"),
    attr("is_default", to_bool, flags="PUFS"),
    attr("mtu", to_int, flags="PUFS"),
    attr("port_security_enabled", to_bool, flags="PUF"),
    attr("provider:network_type", string(32, nullable=True), "network_type", "PUF"),
    attr("provider:physical_network", string(64, nullable=True), "physical_network", "PUF"),
    attr("provider:segmentation_id", int_or_none, "segmentation_id", "PUF"),
    attr("availability_zone_hints", a_list, flags="P"),
    attr("availability_zones"),
    attr("dns_domain", string(255, nullable=True), flags="PUF"),
    attr("subnets"),
    attr("ipv4_address_scope"),
    attr("ipv6_address_scope"),
    attr("l2_adjacency"),
)
SUBNET = (
    *COMMON,
    attr("network_id", string(36), flags="PFS"),
    attr("ip_version", to_int, flags="PFS"),
    attr("cidr", string(64, nullable=True), flags="PFS"),
    attr("prefixlen", int_or_none, flags="P"),
    attr("subnetpool_id", STR_ID, flags="PFS"),
    attr("use_default_subnetpool", to_bool, flags="P"),
    attr("gateway_ip", string(64, nullable=True), flags="PUFS"),
    attr("allocation_pools", a_list, flags="PU"),
    attr("dns_nameservers", a_list, flags="PU"),
    attr("host_routes", a_list, flags="PU"),
    attr("enable_dhcp", to_bool, flags="PUFS"),
    attr("ipv6_ra_mode", string(16, nullable=True), flags="PFS"),
    attr("ipv6_address_mode", string(16, nullable=True), flags="PFS"),
    attr("service_types", a_list, flags="PU"),
    attr("segment_id", STR_ID, flags="P"),
    attr("router:external", canonical="external", flags="F", from_query=query_bool),
)
PORT = (
    *COMMON,
    attr("network_id", string(36), flags="PFS"),
    attr("admin_state_up", to_bool, flags="PUFS"),
    attr("status", flags="FS"),
    attr("mac_address", string(64, nullable=True), flags="PUFS", from_query=lambda n, v: v.lower()),
    attr("fixed_ips", a_list, flags="PUF"),
    attr("device_id", string(255), flags="PUFS"),
    attr("device_owner", string(255), flags="PUFS"),
    attr("port_security_enabled", to_bool, flags="PUF"),
    attr("security_groups", a_list, flags="PUF"),
    attr("allowed_address_pairs", a_list, flags="PU"),
    attr("extra_dhcp_opts", a_list, flags="PU"),
    attr("binding:host_id", string(255, nullable=True), "binding_host_id", "PUF"),
    attr("binding:vnic_type", string(64), "binding_vnic_type", "PUF"),
    attr("binding:profile", a_dict, "binding_profile", "PU"),
    attr("binding:vif_type", canonical="binding_vif_type", flags="F"),
    attr("binding:vif_details", canonical="binding_vif_details"),
    attr("dns_name", string(255, nullable=True), flags="PUF"),
    attr("dns_assignment"),
)
SUBNETPOOL = (
    *COMMON,
    attr("prefixes", a_list, flags="PU"),
    attr("default_prefixlen", to_int, flags="PUFS"),
    attr("min_prefixlen", to_int, flags="PUFS"),
    attr("max_prefixlen", to_int, flags="PUFS"),
    attr("default_quota", int_or_none, flags="PUFS"),
    attr("ip_version", flags="FS", from_query=query_int),
    attr("shared", to_bool, flags="PFS"),
    attr("is_default", to_bool, flags="PUFS"),
    attr("address_scope_id", STR_ID, flags="PUFS"),
)
ADDRESS_SCOPE = (
    *COMMON,
    attr("shared", to_bool, flags="PUFS"),
    attr("ip_version", to_int, flags="PFS"),
)


def bool_or_none(name: str, value: Any) -> bool | None:
    return None if value is None else to_bool(name, value)


ROUTER = (
    *COMMON,
    attr("admin_state_up", to_bool, flags="PUFS"),
    attr("status", flags="S"),
    attr("external_gateway_info", a_dict, flags="PU"),
    attr("routes", a_list, flags="U"),
    attr("distributed", bool_or_none, flags="PU"),
    attr("ha", bool_or_none, flags="PU"),
    attr("availability_zone_hints", a_list, flags="P"),
    attr("availability_zones"),
    attr("flavor_id"),
)
FLOATINGIP = (
    *(a for a in COMMON if a.wire != "name"),
    attr("floating_ip_address", string(64, nullable=True), flags="PFS"),
    attr("subnet_id", STR_ID, flags="P"),
    attr("floating_network_id", string(36), flags="PFS"),
    attr("router_id", flags="FS"),
    attr("port_id", STR_ID, "fixed_port_id", "PUF"),
    attr("fixed_ip_address", string(64, nullable=True), flags="PUFS"),
    attr("status", flags="FS"),
    attr("port_details"),
    attr("port_forwardings"),
    attr("dns_name"),
    attr("dns_domain"),
    attr("qos_policy_id"),
)
PORT_FORWARDING = (
    attr("id", flags="FS"),
    attr("project_id", string(255), flags="P"),
    attr("tenant_id", string(255), "project_id", "P"),
    attr("internal_port_id", string(36), flags="PUFS"),
    attr("internal_ip_address", string(64), flags="PU"),
    attr("internal_port", int_or_none, flags="PU"),
    attr("external_port", int_or_none, flags="PUFS"),
    attr("internal_port_range", string(11, nullable=True), flags="PU"),
    attr("external_port_range", string(11, nullable=True), flags="PUFS"),
    attr("protocol", string(16), flags="PUFS"),
    attr("description", STR255, flags="PUF"),
)
SECURITY_GROUP = (
    *COMMON,
    attr("stateful", to_bool, flags="PUF"),
    attr("security_group_rules"),
)
# Rules are never updated; their values are converted and checked by the core, in Neutron's order.
SECURITY_GROUP_RULE = (
    *(a for a in COMMON if a.wire not in ("name", "tags")),
    attr("security_group_id", string(36), flags="PFS"),
    attr("direction", flags="PFS"),
    attr("ethertype", flags="PFS"),
    attr("protocol", flags="PFS"),
    attr("port_range_min", flags="PFS", from_query=query_int),
    attr("port_range_max", flags="PFS", from_query=query_int),
    attr("remote_ip_prefix", flags="PFS"),
    attr("remote_group_id", STR_ID, flags="PFS"),
    attr("remote_address_group_id", STR_ID, flags="PFS"),
    attr("normalized_cidr", flags="FS"),
    attr("belongs_to_default_sg", flags="F", from_query=query_bool),
)
RBAC_POLICY = (
    attr("id", flags="FS"),
    attr("tenant_id", string(255), "project_id", "PFS"),
    attr("project_id", string(255), "project_id", "PFS"),
    attr("object_type", flags="PFS"),
    attr("object_id", string(36), flags="PFS"),
    attr("action", string(255), flags="PFS"),
    attr("target_tenant", canonical="target_project", flags="PUFS"),
)
