"""Default network policy, under Neutron's rule names (so an operator's Neutron overrides keep
working) and with Neutron's personas: readers of a project read, members write, admins do
everything and alone set provider attributes, share networks and make them external. Every rule
is for project-scoped tokens, as all of Neutron's defaults.

Targets are flat: ``project_id`` is the resource's owner, ``network_project_id`` the owner of
the network it lives on (a network's own owner for a network).

COMPAT: Neutron's defaults also grant access through ``field:`` checks (``rule:shared``,
``rule:external``, ``rule:shared_subnetpools``, ``rule:shared_address_scopes``: a shared or
external resource is open to every project). Our policy language compares the caller with the
target only, so those alternatives are applied by the core (``access.enforce``) for exactly the
rules listed in SHARED_ALTERNATIVE and EXTERNAL_ALTERNATIVE, after the check string here denied.
"""

from __future__ import annotations

from dataclasses import replace

from pocketstack.core.policy import PROJECT_SCOPE, Rule

ADMIN = "rule:admin_only"
SERVICE = "rule:service_api"
PROJECT_MEMBER = "(role:member and project_id:%(target.project_id)s)"
PROJECT_READER = "(role:reader and project_id:%(target.project_id)s)"
NET_OWNER_MEMBER = "(role:member and rule:network_owner)"
NET_OWNER_READER = "(role:reader and rule:network_owner)"
ADMIN_OR_SERVICE = f"{ADMIN} or {SERVICE}"
ADMIN_OR_MEMBER = f"{ADMIN} or {PROJECT_MEMBER}"
ADMIN_OR_READER = f"{ADMIN} or {PROJECT_READER}"
ADMIN_OR_NET_OWNER_MEMBER = f"{ADMIN} or {NET_OWNER_MEMBER}"

BASE = [
    Rule("context_is_admin", "role:admin", "Cloud administrator."),
    Rule("admin_only", "rule:context_is_admin"),
    Rule("service_api", "role:service", "Other services calling the network API."),
    Rule("network_owner", "project_id:%(target.network_project_id)s", "Owner of the resource's network."),
]


def _attrs(action: str, check: str, *attributes: str) -> list[Rule]:
    return [Rule(f"{action}:{attribute}", check) for attribute in attributes]


def _tags(resource: str, read: str, write: str) -> list[Rule]:
    return [
        Rule(f"get_{resource}:tags", read),
        Rule(f"create_{resource}:tags", write),
        Rule(f"update_{resource}:tags", write),
        Rule(f"delete_{resource}:tags", write),
    ]


PROVIDER = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")
NETWORK_RULES = [
    Rule("create_network", ADMIN_OR_MEMBER),
    *_attrs("create_network", ADMIN, "shared", "router:external", "is_default", *PROVIDER),
    Rule("create_network:port_security_enabled", ADMIN_OR_MEMBER),
    Rule("get_network", f"{ADMIN_OR_READER} or {SERVICE}"),
    *_attrs("get_network", ADMIN, *PROVIDER),
    Rule("update_network", ADMIN_OR_MEMBER),
    *_attrs("update_network", ADMIN, "shared", "router:external", "is_default", *PROVIDER),
    Rule("update_network:port_security_enabled", ADMIN_OR_MEMBER),
    Rule("delete_network", ADMIN_OR_MEMBER),
    *_tags("network", ADMIN_OR_READER, ADMIN_OR_MEMBER),
]
SUBNET_WRITE = f"{PROJECT_MEMBER} or {ADMIN_OR_NET_OWNER_MEMBER}"
SUBNET_RULES = [
    Rule("create_subnet", ADMIN_OR_NET_OWNER_MEMBER),
    Rule("create_subnet:service_types", ADMIN),
    Rule("get_subnet", f"{PROJECT_READER} or {ADMIN} or {NET_OWNER_READER} or {SERVICE}"),
    Rule("update_subnet", SUBNET_WRITE),
    Rule("update_subnet:service_types", ADMIN),
    Rule("delete_subnet", SUBNET_WRITE),
    *_tags("subnet", f"{PROJECT_READER} or {ADMIN} or {NET_OWNER_READER}", SUBNET_WRITE),
]
PORT_NET_OWNER = f"{ADMIN_OR_SERVICE} or {NET_OWNER_MEMBER}"
PORT_WRITE_ATTRS = ("device_owner", "mac_address", "fixed_ips", "fixed_ips:ip_address", "fixed_ips:subnet_id")
BINDING_ADMIN = ("binding:host_id", "binding:profile")
PORT_RULES = [
    Rule("create_port", PORT_NET_OWNER),
    *_attrs("create_port", PORT_NET_OWNER, *PORT_WRITE_ATTRS, "port_security_enabled"),
    # COMPAT: Neutron (2024.1 on) lets only the service role set binding:profile; admins too here,
    # as before, since pocketstack's compute binds ports in process, not through this API.
    *_attrs("create_port", ADMIN_OR_SERVICE, *BINDING_ADMIN),
    Rule("create_port:binding:vnic_type", f"{ADMIN_OR_MEMBER} or {SERVICE}"),
    Rule("create_port:device_id", f"{ADMIN_OR_MEMBER} or {SERVICE}"),
    Rule("create_port:allowed_address_pairs", f"{ADMIN_OR_NET_OWNER_MEMBER} or {SERVICE}"),
    Rule("get_port", f"{ADMIN_OR_SERVICE} or {NET_OWNER_READER} or {PROJECT_READER}"),
    *_attrs("get_port", ADMIN_OR_SERVICE, "binding:vif_type", "binding:vif_details", *BINDING_ADMIN),
    Rule("update_port", f"{ADMIN_OR_SERVICE} or {PROJECT_MEMBER}"),
    *_attrs("update_port", PORT_NET_OWNER, *PORT_WRITE_ATTRS, "port_security_enabled"),
    Rule("update_port:mac_address", ADMIN_OR_SERVICE),
    *_attrs("update_port", ADMIN_OR_SERVICE, *BINDING_ADMIN),
    Rule("update_port:binding:vnic_type", f"{ADMIN_OR_SERVICE} or {PROJECT_MEMBER}"),
    Rule("update_port:device_id", f"{ADMIN_OR_MEMBER} or {SERVICE}"),
    Rule("update_port:allowed_address_pairs", f"{ADMIN_OR_NET_OWNER_MEMBER} or {SERVICE}"),
    Rule("delete_port", f"{PORT_NET_OWNER} or {PROJECT_MEMBER}"),
    *_tags("port", f"{ADMIN_OR_SERVICE} or {NET_OWNER_READER} or {PROJECT_READER}", ADMIN_OR_MEMBER),
]
SUBNETPOOL_RULES = [
    Rule("create_subnetpool", ADMIN_OR_MEMBER),
    *_attrs("create_subnetpool", ADMIN, "shared", "is_default"),
    Rule("get_subnetpool", ADMIN_OR_READER),
    Rule("update_subnetpool", ADMIN_OR_MEMBER),
    Rule("update_subnetpool:is_default", ADMIN),
    Rule("delete_subnetpool", ADMIN_OR_MEMBER),
    *_tags("subnetpool", ADMIN_OR_READER, ADMIN_OR_MEMBER),
]
ADDRESS_SCOPE_RULES = [
    Rule("create_address_scope", ADMIN_OR_MEMBER),
    Rule("create_address_scope:shared", ADMIN),
    Rule("get_address_scope", ADMIN_OR_READER),
    Rule("update_address_scope", ADMIN_OR_MEMBER),
    Rule("update_address_scope:shared", ADMIN),
    Rule("delete_address_scope", ADMIN_OR_MEMBER),
    *_tags("address_scope", ADMIN_OR_READER, ADMIN_OR_MEMBER),
]
GW = "external_gateway_info"
ROUTER_RULES = [
    Rule("create_router", ADMIN_OR_MEMBER),
    *_attrs("create_router", ADMIN, "distributed", "ha", f"{GW}:enable_snat", f"{GW}:external_fixed_ips"),
    *_attrs("create_router", ADMIN_OR_MEMBER, GW, f"{GW}:network_id"),
    Rule("get_router", ADMIN_OR_READER),
    *_attrs("get_router", ADMIN, "distributed", "ha"),
    Rule("update_router", ADMIN_OR_MEMBER),
    *_attrs("update_router", ADMIN, "distributed", "ha", f"{GW}:enable_snat", f"{GW}:external_fixed_ips"),
    *_attrs("update_router", ADMIN_OR_MEMBER, GW, f"{GW}:network_id"),
    Rule("delete_router", ADMIN_OR_MEMBER),
    *(Rule(f"{verb}_router_interface", ADMIN_OR_MEMBER) for verb in ("add", "remove")),
    *(Rule(f"{verb}_extraroutes", ADMIN_OR_MEMBER) for verb in ("add", "remove")),
    *_tags("router", ADMIN_OR_READER, ADMIN_OR_MEMBER),
]
FLOATINGIP_RULES = [
    Rule("create_floatingip", ADMIN_OR_MEMBER),
    # COMPAT: Neutron (2024.1 on) lets a project manager choose the address; there is no manager
    # role here, so only admins may, as in Neutron's defaults before.
    Rule("create_floatingip:floating_ip_address", ADMIN),
    Rule("get_floatingip", ADMIN_OR_READER),
    Rule("update_floatingip", ADMIN_OR_MEMBER),
    Rule("delete_floatingip", ADMIN_OR_MEMBER),
    *_tags("floatingip", ADMIN_OR_READER, ADMIN_OR_MEMBER),
    # The target of a port forwarding is its floating IP (Neutron's parent owner).
    Rule("create_floatingip_port_forwarding", ADMIN_OR_MEMBER),
    Rule("get_floatingip_port_forwarding", ADMIN_OR_READER),
    Rule("update_floatingip_port_forwarding", ADMIN_OR_MEMBER),
    Rule("delete_floatingip_port_forwarding", ADMIN_OR_MEMBER),
    Rule("get_floatingip_pool", ADMIN_OR_READER),
    Rule("get_agent", ADMIN),
    Rule("get_auto_allocated_topology", ADMIN_OR_MEMBER),
    Rule("delete_auto_allocated_topology", ADMIN_OR_MEMBER),
]
SG_OWNER_MEMBER = "(role:member and rule:sg_owner)"
SG_OWNER_READER = "(role:reader and rule:sg_owner)"
SECURITY_GROUP_RULES = [
    Rule("sg_owner", "project_id:%(target.security_group_project_id)s", "Owner of a rule's group."),
    Rule("create_security_group", ADMIN_OR_MEMBER),
    Rule("get_security_group", ADMIN_OR_READER),
    Rule("update_security_group", ADMIN_OR_MEMBER),
    Rule("delete_security_group", ADMIN_OR_MEMBER),
    *_tags("security_group", ADMIN_OR_READER, ADMIN_OR_MEMBER),
    Rule("create_security_group_rule", f"{ADMIN} or {SG_OWNER_MEMBER}"),
    Rule("get_security_group_rule", f"{ADMIN} or {SG_OWNER_READER}"),
    Rule("delete_security_group_rule", f"{ADMIN} or {SG_OWNER_MEMBER}"),
]
RBAC_RULES = [
    Rule("create_rbac_policy", ADMIN_OR_MEMBER),
    # COMPAT: Neutron's rule is "admin or not field:rbac_policy:target_tenant=*"; the core enforces
    # it only for a policy naming every project (``*``), so its check string here is the first half.
    Rule("create_rbac_policy:target_tenant", ADMIN),
    Rule("get_rbac_policy", ADMIN_OR_READER),
    Rule("update_rbac_policy", ADMIN_OR_MEMBER),
    Rule("update_rbac_policy:target_tenant", ADMIN),
    Rule("delete_rbac_policy", ADMIN_OR_MEMBER),
]
QUOTA_RULES = [
    # COMPAT: Neutron (2024.1 on) lets a project *manager* read its quotas; pocketstack has no
    # manager role, so a project reader may, as Neutron's defaults allowed before.
    Rule("get_quota", ADMIN_OR_READER),
    Rule("update_quota", ADMIN),
    Rule("delete_quota", ADMIN),
]

# Rules Neutron's defaults also grant for a shared resource / an external network (see above).
SHARED_ALTERNATIVE = frozenset(
    {
        "get_network",
        "get_network:tags",
        "get_subnet",
        "get_subnet:tags",
        "create_port",
        "create_port:fixed_ips",
        "create_port:fixed_ips:subnet_id",
        "update_port:fixed_ips:subnet_id",
        "get_subnetpool",
        "get_subnetpool:tags",
        "get_address_scope",
        "get_address_scope:tags",
    }
)
EXTERNAL_ALTERNATIVE = frozenset({"get_network", "get_network:tags", "get_subnet", "get_subnet:tags"})

NETWORK_POLICY = [
    *(
        replace(rule, scope_types=PROJECT_SCOPE)
        for rule in (
            *BASE,
            *NETWORK_RULES,
            *SUBNET_RULES,
            *PORT_RULES,
            *SUBNETPOOL_RULES,
            *ADDRESS_SCOPE_RULES,
            *ROUTER_RULES,
            *FLOATINGIP_RULES,
            *SECURITY_GROUP_RULES,
            *RBAC_RULES,
            *QUOTA_RULES,
        )
    ),
    Rule("get_extension", "@", "List and show the API extensions: any valid token."),
]
