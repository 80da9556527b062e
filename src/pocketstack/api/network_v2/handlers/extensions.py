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
        "auto-allocated-topology",
        "Auto Allocated Topology Services",
        "2016-01-01T00:00:00-00:00",
        "Get-me-a-network: each project's network, subnet and router to the default external network.",
    ),
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
        "quota-check-limit",
        "Quota engine limit check",
        "2020-10-07T10:00:00-00:00",
        "check_limit in a quota update: no limit below what is used.",
    ),
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
        "subnet-external-network",
        "Subnet External Network",
        "2020-01-01T10:00:00-00:00",
        "A subnet's router:external, its network's, shown and filtered on.",
    ),
    (
        "subnet-service-types",
        "Subnet service types",
        "2016-03-15T18:00:00-00:00",
        "Subnets reserved for ports of some device owners.",
    ),
    # L3: routers and floating IPs.
    ("router", "Neutron L3 Router", "2012-07-20T10:00:00-00:00", "Routers, their interfaces, floating IPs."),
    (
        "ext-gw-mode",
        "Neutron L3 Configurable external gateway mode",
        "2013-03-28T10:00:00-00:00",
        "enable_snat in a router's external gateway (admin only).",
    ),
    ("extraroute", "Neutron Extra Route", "2013-02-01T10:00:00-00:00", "A router's extra routes."),
    (
        "extraroute-atomic",
        "Atomically add/remove extra routes",
        "2019-07-10T00:00:00+00:00",
        "add_extraroutes and remove_extraroutes.",
    ),
    (
        "fip-port-details",
        "Floating IP Port Details Extension",
        "2018-04-09T10:00:00-00:00",
        "port_details of an associated floating IP.",
    ),
    (
        "floatingip-pools",
        "Floating IP Pools Extension",
        "2018-03-21T10:00:00-00:00",
        "GET /v2.0/floatingip_pools: the subnets floating IPs come from.",
    ),
    (
        "floating-ip-port-forwarding",
        "Floating IP Port Forwarding",
        "2018-01-19T10:00:00-00:00",
        "Port forwardings from a floating IP to internal addresses.",
    ),
    (
        "floating-ip-port-forwarding-description",
        "Floating IP Port Forwarding new attribute description",
        "2019-11-01T10:00:00-00:00",
        "Port forwardings' descriptions.",
    ),
    (
        "floating-ip-port-forwarding-port-ranges",
        "Floating IP Port Forwarding support port ranges",
        "2020-07-01T10:00:00-00:00",
        "internal_port_range and external_port_range.",
    ),
    (
        "expose-port-forwarding-in-fip",
        "Expose Floating IP port forwardings",
        "2018-06-28T16:00:00-00:00",
        "port_forwardings in a floating IP's document.",
    ),
    # Security groups and RBAC policies.
    ("security-group", "security-group", "2012-10-05T10:00:00-00:00", "Security groups and their rules."),
    (
        "stateful-security-group",
        "Stateful security group",
        "2019-11-26T09:00:00-00:00",
        "A security group's stateful attribute.",
    ),
    (
        "security-groups-normalized-cidr",
        "Normalized CIDR field for security group rules",
        "2020-07-28T10:00:00-00:00",
        "normalized_cidr of a rule's remote_ip_prefix.",
    ),
    (
        "security-groups-rules-belongs-to-default-sg",
        "Security group rule belongs to the project's default security group",
        "2023-05-23T10:00:00-00:00",
        "belongs_to_default_sg of a rule.",
    ),
    (
        "port-security-groups-filtering",
        "Port filtering on security groups",
        "2018-01-09T09:00:00-00:00",
        "Ports listed by security_groups.",
    ),
    (
        "rbac-policies",
        "RBAC Policies",
        "2015-06-17T12:15:12-00:00",
        "Networks shared with, or made external for, chosen projects.",
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
