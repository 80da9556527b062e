"""Network API discovery: ``GET /network/`` lists v2.0 (Neutron's only version), ``GET
/network/v2.0/`` the resources it serves."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest

VERSION = "v2.0"
# (resource, collection, path under /v2.0)
RESOURCES = [
    ("network", "networks", "networks"),
    ("subnet", "subnets", "subnets"),
    ("port", "ports", "ports"),
    ("subnetpool", "subnetpools", "subnetpools"),
    ("address_scope", "address_scopes", "address-scopes"),
    ("security_group", "security_groups", "security-groups"),
    ("security_group_rule", "security_group_rules", "security-group-rules"),
    ("rbac_policy", "rbac_policies", "rbac-policies"),
    ("quota", "quotas", "quotas"),
]


def list_versions(req: ApiRequest) -> Response:
    # COMPAT: Neutron answers 200 here (not 300 like the other services).
    link = {"rel": "self", "href": f"{req.base_url}/{VERSION}/"}
    return json_response({"versions": [{"id": VERSION, "status": "CURRENT", "links": [link]}]})


def show_version(req: ApiRequest) -> Response:
    """COMPAT: served without a token (Neutron asks for one): it names paths, nothing more, and
    version discovery may call it before authenticating."""
    resources = [
        {
            "name": name,
            "collection": collection,
            "links": [{"rel": "self", "href": f"{req.base_url}/v2.0/{path}"}],
        }
        for name, collection, path in RESOURCES
    ]
    return json_response({"resources": resources})
