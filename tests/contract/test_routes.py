"""Every route names a policy rule that exists; the layers import only downwards."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pocketstack.api.compute_vnext.routes import ROUTES as VNEXT_ROUTES
from pocketstack.api.identity_v3.routes import ROUTES as IDENTITY_ROUTES
from pocketstack.api.image_v2.routes import ROUTES as IMAGE_ROUTES
from pocketstack.api.network_v2.routes import ROUTES as NETWORK_ROUTES
from pocketstack.core.compute.policies import COMPUTE_RULES
from pocketstack.core.identity.policies import IDENTITY_RULES
from pocketstack.core.image.policies import IMAGE_RULES
from pocketstack.core.network.policies import NETWORK_POLICY
from pocketstack.core.policy import Enforcer

RULES = Enforcer([*IDENTITY_RULES, *IMAGE_RULES, *NETWORK_POLICY, *COMPUTE_RULES]).rules
# Only discovery and logging in may be reached without a token (federated logging in among
# them: it answers 501, OS-FEDERATION is not served).
_FEDERATED_LOGIN = (
    "/v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/auth",
    "/v3/auth/OS-FEDERATION/websso/{protocol_id}",
    "/v3/auth/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/websso",
)
ANONYMOUS = {
    *(("identity", method, path) for path in _FEDERATED_LOGIN for method in ("GET", "POST")),
    ("identity", "GET", "/v3/OS-FEDERATION/saml2/metadata"),
    ("identity", "GET", "/"),
    ("identity", "GET", "/v3"),
    ("identity", "GET", "/v3/"),
    ("identity", "POST", "/v3/auth/tokens"),
    ("image", "GET", "/"),
    ("image", "GET", "/versions"),
    ("network", "GET", "/"),
    ("network", "GET", "/v2.0"),
    ("network", "GET", "/v2.0/"),
    *(("compute-vnext", "GET", path) for path in ("/", "/schemas", "/schemas/{name}", "/openapi.json")),
}
ALL = (
    [("identity", r) for r in IDENTITY_ROUTES]
    + [("image", r) for r in IMAGE_ROUTES]
    + [("network", r) for r in NETWORK_ROUTES]
    + [("compute-vnext", r) for r in VNEXT_ROUTES]
)


@pytest.mark.parametrize(("service", "route"), ALL, ids=lambda x: getattr(x, "path", x))
def test_route_is_authenticated_with_an_existing_rule(service: str, route) -> None:  # noqa: ANN001
    key = (service, route.method, route.path)
    if not route.authenticated:
        assert key in ANONYMOUS, f"{key} is reachable without a token"
        return
    assert route.policy in RULES, f"{key} names no existing policy rule ({route.policy})"


def test_no_route_is_declared_twice() -> None:
    keys = [(s, r.method, r.path) for s, r in ALL]
    assert len(keys) == len(set(keys))


def test_import_contracts_hold() -> None:
    root = Path(__file__).resolve().parents[2]
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    proc = subprocess.run([lint], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_network_rule_names_do_not_shadow_other_services() -> None:
    """Network rules use Neutron's bare names; none may replace a rule of another service."""
    from pocketstack.core.compute.policies import COMPUTE_RULES

    others = {r.name for r in (*IDENTITY_RULES, *IMAGE_RULES, *COMPUTE_RULES)}
    assert not others & {r.name for r in NETWORK_POLICY}


def test_network_extensions_name_only_what_is_served() -> None:
    """Every alias /v2.0/extensions lists is backed by a route or an attribute of the code."""
    from pocketstack.api.network_v2.attributes import (
        FLOATINGIP,
        NETWORK,
        PORT,
        PORT_FORWARDING,
        ROUTER,
        SECURITY_GROUP,
        SECURITY_GROUP_RULE,
        SUBNET,
    )
    from pocketstack.api.network_v2.handlers.extensions import EXTENSIONS

    paths = {r.path for r in NETWORK_ROUTES}
    wires = {a.wire for table in (NETWORK, SUBNET, PORT) for a in table}
    router_wires, fip_wires = {a.wire for a in ROUTER}, {a.wire for a in FLOATINGIP}
    pf_wires = {a.wire for a in PORT_FORWARDING}
    sg_wires, rule_wires = {a.wire for a in SECURITY_GROUP}, {a.wire for a in SECURITY_GROUP_RULE}
    evidence = {
        "address-scope": "/v2.0/address-scopes" in paths,
        "auto-allocated-topology": "/v2.0/auto-allocated-topology/{project_id}" in paths,
        "allowed-address-pairs": "allowed_address_pairs" in wires,
        "binding": "binding:host_id" in wires,
        "default-subnetpools": "use_default_subnetpool" in wires,
        "external-net": "router:external" in wires,
        "extra_dhcp_opt": "extra_dhcp_opts" in wires,
        "net-mtu": "mtu" in wires,
        "net-mtu-writable": "mtu" in wires,
        "port-security": "port_security_enabled" in wires,
        "provider": "provider:network_type" in wires,
        "quotas": "/v2.0/quotas/{project_id}" in paths,
        "quota_details": "/v2.0/quotas/{project_id}/details" in paths,
        "quota-check-limit": "/v2.0/quotas/{project_id}" in paths,
        "standard-attr-tag": "/v2.0/networks/{id}/tags/{tag}" in paths,
        "subnet_allocation": "subnetpool_id" in wires and "/v2.0/subnetpools" in paths,
        "subnet-service-types": "service_types" in wires,
        "subnet-external-network": any(a.wire == "router:external" and a.filter for a in SUBNET),
        "l2_adjacency": "l2_adjacency" in wires,
        "router": "/v2.0/routers/{id}/add_router_interface" in paths and "/v2.0/floatingips" in paths,
        "ext-gw-mode": "external_gateway_info" in router_wires,
        "extraroute": "routes" in router_wires,
        "extraroute-atomic": "/v2.0/routers/{id}/add_extraroutes" in paths,
        "fip-port-details": "port_details" in fip_wires,
        "floatingip-pools": "/v2.0/floatingip_pools" in paths,
        "floating-ip-port-forwarding": "/v2.0/floatingips/{id}/port_forwardings/{pf_id}" in paths,
        "floating-ip-port-forwarding-description": "description" in pf_wires,
        "floating-ip-port-forwarding-port-ranges": "external_port_range" in pf_wires,
        "expose-port-forwarding-in-fip": "port_forwardings" in fip_wires,
        "security-group": "/v2.0/security-groups/{id}" in paths and "/v2.0/security-group-rules" in paths,
        "stateful-security-group": "stateful" in sg_wires,
        "security-groups-normalized-cidr": "normalized_cidr" in rule_wires,
        "security-groups-rules-belongs-to-default-sg": "belongs_to_default_sg" in rule_wires,
        "port-security-groups-filtering": any(a.wire == "security_groups" and a.filter for a in PORT),
        "rbac-policies": "/v2.0/rbac-policies/{id}" in paths,
    }
    listed = {alias for alias, *_ in EXTENSIONS}
    assert all(evidence.get(alias, True) for alias in listed), [
        a for a in listed if not evidence.get(a, True)
    ]
    unserved = {"rbac-security-groups", "dns-integration", "agent", "segment", "l3-ha", "dvr"}
    assert not listed & unserved
