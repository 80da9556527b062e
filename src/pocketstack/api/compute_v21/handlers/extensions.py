"""Compute v2.1: GET /extensions and /extensions/{alias}.

Nova froze its extension list when microversions replaced extensions; clients still read it
to ask "does this cloud do X?". pocketstack lists, under Nova's aliases and names, only what
it serves, so the answer is true here: the network proxies (networks, floating IPs and their
pools, security groups, all up to microversion 2.35 as in Nova) are listed; volumes, consoles,
fixed IPs and the other proxies are not. Add an entry when a feature lands; remove one when it
goes. The one exception is ``os-consoles``: Nova removed that API (410) but its frozen list still
has the entry and clients (Tempest among them) look it up by alias; its description says so.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.core.errors import NotFound

RULE = "os_compute_api:extensions"
# COMPAT: Nova's constant namespace and date for every entry of its frozen list.
_NAMESPACE = "http://docs.openstack.org/compute/ext/fake_xml"
_UPDATED = "2014-12-03T00:00:00Z"

# (alias, name) are Nova's; the descriptions say what pocketstack does.
_SERVED: tuple[tuple[str, str, str], ...] = (
    ("OS-EXT-AZ", "ExtendedAvailabilityZone", "The availability zone of each server."),
    ("OS-EXT-SRV-ATTR", "ExtendedServerAttributes", "Host, hypervisor and instance attributes of servers."),
    ("OS-EXT-STS", "ExtendedStatus", "VM, task and power states of servers."),
    ("OS-FLV-DISABLED", "FlavorDisabled", "Whether a flavor is disabled."),
    ("OS-FLV-EXT-DATA", "FlavorExtraData", "Ephemeral disk size of flavors."),
    ("OS-SCH-HNT", "SchedulerHints", "Scheduler hints when creating servers."),
    ("OS-SRV-USG", "ServerUsage", "Launch and termination times of servers."),
    ("os-access-ips", "AccessIPs", "Access IPv4 and IPv6 addresses of servers."),
    ("os-admin-actions", "AdminActions", "Admin-only server actions such as resetting the state."),
    ("os-admin-password", "AdminPassword", "Changing a server's administrator password."),
    ("os-aggregates", "Aggregates", "Host aggregates (admin only)."),
    (
        "os-availability-zone",
        "AvailabilityZone",
        "Availability zones: listing them, creating servers in one.",
    ),
    ("os-config-drive", "ConfigDrive", "Config drives for servers."),
    ("os-console-output", "ConsoleOutput", "The console log of a server, with tailing."),
    (
        "os-consoles",
        "Consoles",
        "In Nova's frozen list only: the XenAPI console API is gone (410) there, not served here.",
    ),
    ("os-create-backup", "CreateBackup", "Backups of a server as images, with rotation."),
    ("os-deferred-delete", "DeferredDelete", "Restoring and force-deleting soft-deleted servers."),
    ("os-evacuate", "Evacuate", "Rebuilding the servers of a failed host elsewhere."),
    ("os-extended-hypervisors", "ExtendedHypervisors", "More hypervisor details."),
    ("os-extended-quotas", "ExtendedQuotas", "Reverting quotas to the defaults and forcing quota updates."),
    ("os-extended-services", "ExtendedServices", "Disabling services with a reason."),
    ("os-extended-services-delete", "ExtendedServicesDelete", "Deleting services."),
    ("os-flavor-access", "FlavorAccess", "Private flavors shared with projects."),
    ("os-flavor-extra-specs", "FlavorExtraSpecs", "Flavor extra specs."),
    ("os-flavor-manage", "FlavorManage", "Creating and deleting flavors."),
    ("os-flavor-rxtx", "FlavorRxtx", "The rxtx factor of flavors."),
    ("os-flavor-swap", "FlavorSwap", "The swap size of flavors."),
    ("os-floating-ip-pools", "FloatingIpPools", "The external networks floating IPs come from (to 2.35)."),
    (
        "os-floating-ips",
        "FloatingIps",
        "Floating IPs of the network service, and adding them to servers (to 2.35 and 2.43).",
    ),
    ("os-hosts", "Hosts", "Compute hosts: their resources and enabling them (admin only, to 2.42)."),
    ("os-hypervisor-status", "HypervisorStatus", "Status and state of hypervisors."),
    ("os-hypervisors", "Hypervisors", "Hypervisors (admin only)."),
    ("os-instance-actions", "InstanceActions", "The actions taken on a server, with their events."),
    (
        "os-instance-usage-audit-log",
        "OSInstanceUsageAuditLog",
        "The usage audit periods of compute hosts (admin only).",
    ),
    ("os-keypairs", "Keypairs", "SSH and x509 key pairs."),
    ("os-lock-server", "LockServer", "Locking and unlocking servers."),
    ("os-migrate-server", "MigrateServer", "Cold and live migration of servers."),
    ("os-migrations", "Migrations", "Migrations in progress and done."),
    ("os-multiple-create", "MultipleCreate", "Creating several servers in one request."),
    ("os-networks", "Networks", "The networks of the network service, read only (to 2.35)."),
    ("os-tenant-networks", "OSTenantNetworks", "The project's view of the networks, read only (to 2.35)."),
    ("os-pause-server", "PauseServer", "Pausing and unpausing servers."),
    (
        "os-quota-class-sets",
        "QuotaClasses",
        "Quota classes; the default class sets every project's defaults.",
    ),
    ("os-quota-sets", "Quotas", "Project quotas."),
    ("os-rescue", "Rescue", "Rescue mode for servers."),
    (
        "os-security-groups",
        "SecurityGroups",
        "Security groups and rules of the network service (to 2.35), and a server's groups.",
    ),
    ("os-server-diagnostics", "ServerDiagnostics", "Server diagnostics (admin only)."),
    ("os-server-group-quotas", "ServerGroupQuotas", "Quotas on server groups and their members."),
    ("os-server-groups", "ServerGroups", "Server groups: affinity and anti-affinity, hard or soft."),
    ("os-server-password", "ServerPassword", "The encrypted password a server posted."),
    ("os-server-start-stop", "ServerStartStop", "Starting and stopping servers."),
    ("os-services", "Services", "Compute services."),
    ("os-shelve", "Shelve", "Shelving and unshelving servers."),
    ("os-simple-tenant-usage", "SimpleTenantUsage", "Usage of servers per project over a period."),
    ("os-suspend-server", "SuspendServer", "Suspending and resuming servers."),
    ("os-used-limits", "UsedLimits", "Usage next to the absolute limits."),
    ("os-used-limits-for-admin", "UsedLimitsForAdmin", "Limits and usage of other projects, for admins."),
    ("os-user-data", "UserData", "User data when creating servers."),
)


def _entry(alias: str, name: str, description: str) -> dict[str, Any]:
    return {
        "alias": alias,
        "description": description,
        "links": [],
        "name": name,
        "namespace": _NAMESPACE,
        "updated": _UPDATED,
    }


EXTENSIONS: tuple[dict[str, Any], ...] = tuple(_entry(*row) for row in sorted(_SERVED))
_BY_ALIAS = {e["alias"]: e for e in EXTENSIONS}


def list_extensions(req: ApiRequest) -> Response:
    req.enforce({})
    return json_response({"extensions": list(EXTENSIONS)})


def show_extension(req: ApiRequest) -> Response:
    req.enforce({})
    alias = req.params["alias"]
    if alias not in _BY_ALIAS:
        raise NotFound("extension", alias, message="The resource could not be found.")
    return json_response({"extension": _BY_ALIAS[alias]})


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/extensions", list_extensions, RULE),
    Endpoint("GET", "/extensions/{alias}", show_extension, RULE),
]
