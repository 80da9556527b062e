"""Default compute policy, under Nova's rule names so an operator's Nova policy overrides keep
working: readers of a project read its servers, members change them, admins do everything and
alone may see across projects or touch hosts. Targets are flat: ``project_id`` is the owner.

Every rule is for project-scoped tokens only, as every Nova default since 2023.1 (Antelope,
when Nova turned ``enforce_scope`` on): even the admin APIs (hypervisors, services, aggregates,
migrations) want a project-scoped token with the admin role; a system- or domain-scoped token
is refused with 403 whatever its roles."""

from __future__ import annotations

from dataclasses import replace

from pocketstack.core.policy import PROJECT_SCOPE, Rule

ADMIN = "rule:admin_required"
PROJECT_READER = "rule:admin_required or (role:reader and project_id:%(target.project_id)s)"
PROJECT_MEMBER = "rule:admin_required or (role:member and project_id:%(target.project_id)s)"
ANY_READER = "role:reader"
ANY_MEMBER = "role:member"
P = "os_compute_api:"


def _rules(prefix: str, check: str, *names: str) -> list[Rule]:
    return [Rule(f"{P}{prefix}{name}", check) for name in names]


SERVER_RULES = [
    *_rules("servers:", ANY_READER, "index", "detail"),
    *_rules("servers:", ADMIN, "index:get_all_tenants", "detail:get_all_tenants", "allow_all_filters"),
    *_rules("servers:", ADMIN, "show:host_status", "create:forced_host", "create:requested_destination"),
    Rule(f"{P}servers:create", ANY_MEMBER),
    *_rules("servers:", PROJECT_READER, "show"),
    *_rules(
        "servers:",
        PROJECT_MEMBER,
        "update",
        "delete",
        "reboot",
        "resize",
        "confirm_resize",
        "revert_resize",
        "rebuild",
        "create_image",
        "start",
        "stop",
        "trigger_crash_dump",
    ),
    *_rules("os-pause-server:", PROJECT_MEMBER, "pause", "unpause"),
    *_rules("os-suspend-server:", PROJECT_MEMBER, "suspend", "resume"),
    *_rules("os-lock-server:", PROJECT_MEMBER, "lock", "unlock"),
    Rule(f"{P}os-lock-server:unlock:unlock_override", ADMIN, "Unlock a server another locked."),
    Rule(f"{P}os-rescue", PROJECT_MEMBER),
    Rule(f"{P}os-unrescue", PROJECT_MEMBER),
    *_rules("os-shelve:", PROJECT_MEMBER, "shelve", "unshelve"),
    *_rules("os-shelve:", ADMIN, "shelve_offload", "unshelve_to_host"),
    Rule(f"{P}os-console-output", PROJECT_MEMBER),
    Rule(f"{P}os-create-backup", PROJECT_MEMBER),
    Rule(f"{P}os-admin-password", PROJECT_MEMBER),
    *_rules("os-migrate-server:", ADMIN, "migrate", "migrate_live"),
    Rule(f"{P}os-evacuate", ADMIN),
    Rule(f"{P}os-admin-actions:reset_state", ADMIN),
    Rule(f"{P}os-admin-actions:inject_network_info", ADMIN),
    Rule(f"{P}os-server-external-events:create", "role:service", "Tell compute of a port or volume change."),
    *_rules("os-deferred-delete:", PROJECT_MEMBER, "restore", "force"),
    *_rules("server-metadata:", PROJECT_READER, "index", "show"),
    *_rules("server-metadata:", PROJECT_MEMBER, "create", "update", "update_all", "delete"),
    *_rules("os-server-tags:", PROJECT_READER, "index", "show"),
    *_rules("os-server-tags:", PROJECT_MEMBER, "update", "update_all", "delete", "delete_all"),
    *_rules("ips:", PROJECT_READER, "index", "show"),
    *_rules("os-instance-actions:", PROJECT_READER, "list", "show"),
    Rule(f"{P}os-instance-actions:events", ADMIN, "See the events (steps) of an action."),
    Rule(f"{P}os-server-diagnostics", ADMIN),
    Rule(f"{P}os-remote-consoles", PROJECT_MEMBER),
    Rule(f"{P}os-server-password:show", PROJECT_READER),
    Rule(f"{P}os-server-password:clear", PROJECT_MEMBER),
    Rule("compute:server:topology:index", PROJECT_READER),
    *_rules("os-server-shares:", PROJECT_READER, "index", "show"),
    *_rules("os-server-shares:", PROJECT_MEMBER, "create", "delete"),
    Rule("compute:server:topology:host:index", ADMIN, "See the host NUMA nodes of a server's topology."),
]

CATALOG_RULES = [
    *_rules("flavors:", "@", "index", "show"),
    *_rules("os-flavor-manage:", ADMIN, "create", "update", "delete"),
    Rule(f"{P}os-flavor-access", ADMIN, "List the projects a private flavor is shared with."),
    *_rules("os-flavor-access:", ADMIN, "add_tenant_access", "remove_tenant_access"),
    *_rules("os-flavor-extra-specs:", ANY_READER, "index", "show"),
    *_rules("os-flavor-extra-specs:", ADMIN, "create", "update", "delete"),
    # Keypairs belong to users; the service checks the owner (admins may name another user).
    *_rules("os-keypairs:", "@", "index", "show", "create", "delete"),
    Rule(f"{P}os-keypairs:other_user", ADMIN, "Act on another user's keypairs."),
    *_rules("os-server-groups:", ANY_READER, "index"),
    *_rules("os-server-groups:", ADMIN, "index:all_projects"),
    *_rules("os-server-groups:", PROJECT_READER, "show"),
    *_rules("os-server-groups:", ANY_MEMBER, "create"),
    *_rules("os-server-groups:", PROJECT_MEMBER, "delete"),
    Rule(f"{P}os-availability-zone:list", "@"),
    Rule(f"{P}os-availability-zone:detail", ADMIN),
    Rule(f"{P}limits", "@"),
    Rule(f"{P}limits:other_project", ADMIN),
    *_rules("os-quota-sets:", PROJECT_READER, "show", "detail"),
    Rule(f"{P}os-quota-sets:defaults", "@"),
    *_rules("os-quota-sets:", ADMIN, "update", "delete"),
    *_rules("os-quota-class-sets:", ADMIN, "show", "update"),
    Rule(f"{P}extensions", "@"),
    Rule(f"{P}images", "@", "Nova's image proxy (below 2.39); the image service's own rules apply."),
]

OPERATOR_RULES = [
    *_rules(
        "os-hypervisors:", ADMIN, "list", "list-detail", "show", "statistics", "uptime", "search", "servers"
    ),
    *_rules("os-services:", ADMIN, "list", "update", "delete"),
    *_rules(
        "os-aggregates:",
        ADMIN,
        "index",
        "create",
        "show",
        "update",
        "delete",
        "add_host",
        "remove_host",
        "set_metadata",
    ),
    Rule("compute:aggregates:images", ADMIN, "Pre-cache images on an aggregate's hosts (2.81)."),
    Rule(f"{P}os-simple-tenant-usage:list", ADMIN),
    Rule(f"{P}os-simple-tenant-usage:show", PROJECT_READER),
    Rule(f"{P}os-migrations:index", ADMIN),
    *_rules("servers:migrations:", ADMIN, "index", "show", "force_complete", "delete"),
    *_rules("os-hosts:", ADMIN, "list", "show", "update", "reboot", "shutdown", "start"),
    *_rules("os-instance-usage-audit-log:", ADMIN, "list", "show"),
    Rule("pocketstack:fault-injection", ADMIN, "Make the fake driver fail or stall on purpose."),
]

# Nova's proxies of Neutron (gone from microversion 2.36, but for those about one server) and a
# server's ports (os-interface).
NETWORK_RULES = [
    *_rules("os-networks:", PROJECT_READER, "list", "show"),
    *_rules("os-tenant-networks:", PROJECT_READER, "list", "show"),
    Rule(f"{P}os-floating-ip-pools", "@"),
    *_rules("os-floating-ips:", PROJECT_READER, "list", "show"),
    *_rules("os-floating-ips:", PROJECT_MEMBER, "create", "delete", "add", "remove"),
    *_rules("os-security-groups:", PROJECT_READER, "get", "show", "list"),
    *_rules(
        "os-security-groups:",
        PROJECT_MEMBER,
        "create",
        "update",
        "delete",
        "rule:create",
        "rule:delete",
        "add",
        "remove",
    ),
    *_rules("os-attach-interfaces:", PROJECT_READER, "list", "show"),
    *_rules("os-attach-interfaces:", PROJECT_MEMBER, "create", "delete"),
]

COMPUTE_RULES = [
    replace(rule, scope_types=PROJECT_SCOPE)
    for rule in (*SERVER_RULES, *CATALOG_RULES, *OPERATOR_RULES, *NETWORK_RULES)
]

# Compute vNext (server types, placements): members make private types owned by their project;
# the owner project's members (admins for an operator's type, which has no owner) change, share,
# tag and delete them; publishing a type to everyone is the operator's to open. A server's
# project members transfer it (the core also wants a member role on the destination).
V = "compute_vnext:"
COMPUTE_RULES += [
    replace(rule, scope_types=PROJECT_SCOPE)
    for rule in (
        Rule(f"{V}server_types:create", ANY_MEMBER, "Make a private server type owned by one's project."),
        Rule(f"{V}server_types:publish", ADMIN, "Make a server type PUBLIC (visible to everyone)."),
        Rule(f"{V}server_types:update", PROJECT_MEMBER, "Rename, describe or tag a type."),
        Rule(f"{V}server_types:delete", PROJECT_MEMBER, "Delete a server type."),
        Rule(f"{V}server_type_shares:list", PROJECT_MEMBER, "List whom a server type is shared with."),
        Rule(f"{V}server_type_shares:update", PROJECT_MEMBER, "Share a server type or stop sharing it."),
        Rule(
            f"{V}servers:transfer",
            PROJECT_MEMBER,
            "Transfer a server to another project (the caller also needs a role implying member "
            "on the destination, checked by the core).",
        ),
        Rule(f"{V}placements:list", ANY_READER, "List placements."),
        Rule(f"{V}placements:show", ANY_READER, "Show a placement and its children."),
    )
]
