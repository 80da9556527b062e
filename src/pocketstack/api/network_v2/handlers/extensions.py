"""``/v2.0/extensions``: exactly the Neutron extensions this API serves. Clients decide what to
send by these aliases, so an alias is listed only when its behaviour is there (a contract test
holds the list to the code). Aliases, names and dates are Neutron's; descriptions are ours."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.core.errors import NotFound

# (alias, name, updated, description)
EXTENSIONS: list[tuple[str, str, str, str]] = [
    ("address-scope", "Address scope", "2015-07-26T10:00:00-00:00", "Address scopes for subnet pools."),
    (
        "allowed-address-pairs",
        "Allowed Address Pairs",
        "2013-07-23T10:00:00-00:00",
        "Further addresses a port may use.",
    ),
    ("binding", "Port Binding", "2014-02-03T10:00:00-00:00", "Ports' binding to hosts (admin only)."),
    (
        "default-subnetpools",
        "Default Subnetpools",
        "2016-02-18T18:00:00-00:00",
        "A default subnet pool per IP version, used with use_default_subnetpool.",
    ),
    (
        "empty-string-filtering",
        "Empty String Filtering Extension",
        "2018-05-01T10:00:00-00:00",
        "Filter by ''.",
    ),
    (
        "external-net",
        "Neutron external network",
        "2013-01-14T10:00:00-00:00",
        "The router:external attribute.",
    ),
    (
        "extra_dhcp_opt",
        "Neutron Extra DHCP options",
        "2013-03-17T12:00:00-00:00",
        "DHCP options kept per port.",
    ),
    (
        "filter-validation",
        "Filter parameters validation",
        "2018-07-04T10:00:00-00:00",
        "Unknown filters: 400.",
    ),
    ("l2_adjacency", "L2 Adjacency", "2016-04-12T16:00:00-00:00", "Whether a network is one L2 domain."),
    ("net-mtu", "Network MTU", "2015-03-25T10:00:00-00:00", "Networks' MTU."),
    (
        "net-mtu-writable",
        "Network MTU (writable)",
        "2017-07-12T00:00:00-00:00",
        "A network's MTU may be set.",
    ),
    ("pagination", "Pagination support", "2016-06-12T00:00:00-00:00", "limit, marker and page_reverse."),
    (
        "port-security",
        "Port Security",
        "2012-07-23T10:00:00-00:00",
        "port_security_enabled on networks and ports.",
    ),
    ("project-id", "project_id field enabled", "2016-09-09T09:09:09-09:09", "project_id beside tenant_id."),
    ("provider", "Provider Network", "2012-09-07T10:00:00-00:00", "Networks' segments (admin only)."),
    ("quotas", "Quota management support", "2012-07-29T10:00:00-00:00", "Network quotas per project."),
    ("quota_details", "Quota details management support", "2017-02-10T10:00:00-00:00", "Quota usage."),
    (
        "revision-if-match",
        "If-Match constraints based on revision_number",
        "2016-12-11T00:00:00-00:00",
        "If-Match: revision_number=N on updates and deletes.",
    ),
    ("sorting", "Sorting support", "2016-06-12T00:00:00-00:00", "sort_key and sort_dir."),
    ("standard-attr-description", "standard-attr-description", "2016-02-10T10:00:00-00:00", "Descriptions."),
    ("standard-attr-revisions", "Resource revision numbers", "2016-04-11T10:00:00-00:00", "revision_number."),
    (
        "standard-attr-tag",
        "Tag support for resources with standard attribute: network, subnet, port, subnetpool, address_scope",
        "2017-01-01T00:00:00-00:00",
        "Tags on every resource, and the tags filters.",
    ),
    (
        "standard-attr-timestamp",
        "Resource timestamps",
        "2016-09-12T10:00:00-00:00",
        "created_at and updated_at.",
    ),
    (
        "subnet_allocation",
        "Subnet Allocation",
        "2015-03-30T10:00:00-00:00",
        "Subnets carved from subnet pools.",
    ),
    (
        "subnet-service-types",
        "Subnet service types",
        "2016-03-15T18:00:00-00:00",
        "Subnets reserved for ports of some device owners.",
    ),
]


def _document(alias: str, name: str, updated: str, description: str) -> dict[str, object]:
    return {"alias": alias, "name": name, "updated": updated, "description": description, "links": []}


def list_extensions(req: ApiRequest) -> Response:
    req.enforce()
    return json_response({"extensions": [_document(*e) for e in EXTENSIONS]})


def show_extension(req: ApiRequest) -> Response:
    req.enforce()
    alias = req.params["alias"]
    for extension in EXTENSIONS:
        if extension[0] == alias:
            return json_response({"extension": _document(*extension)})
    raise NotFound("extension", alias, message=f"Extension with alias {alias} does not exist")


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/v2.0/extensions", list_extensions, "get_extension"),
    Endpoint("GET", "/v2.0/extensions/{alias}", show_extension, "get_extension"),
]
