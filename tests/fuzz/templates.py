"""Valid request bodies of the routes that read one. The fuzz test breaks them (test_route) or
changes them one field at a time (test_fields), so that its requests get past the first check
and into the handler. A string ``"$kind"`` stands for an id of an object of that kind, the
caller's own where it has one (see world.py); a compute body names the microversions it is
valid at."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from pocketstack.api.common.routing import Endpoint
from pocketstack.api.network_v2.routes import ROUTES as NETWORK_ROUTES
from tests.conftest import DEMO_PASSWORD

Doc = dict[str, Any] | list[Any]
PUBLIC_KEY = (
    Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
)


@dataclass(frozen=True)
class Template:
    doc: Doc
    since: int = 1  # compute: the lowest 2.x microversion it is valid at
    until: int = 96  # and the highest


def _t(*docs: Doc, since: int = 1, until: int = 96) -> list[Template]:
    return [Template(doc, since, until) for doc in docs]


PASSWORD_AUTH = {
    "methods": ["password"],
    "password": {"user": {"name": "demo", "domain": {"id": "default"}, "password": DEMO_PASSWORD}},
}
TEMPLATES: dict[tuple[str, str, str], list[Template]] = {
    ("identity", "POST", "/v3/auth/tokens"): _t(
        {
            "auth": {
                "identity": PASSWORD_AUTH,
                "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
            }
        },
        {
            "auth": {
                "identity": {"methods": ["token"], "token": {"id": "$token"}},
                "scope": {"system": {"all": True}},
            }
        },
        {
            "auth": {
                "identity": {
                    "methods": ["application_credential"],
                    "application_credential": {
                        "id": "$application_credential",
                        "secret": "$application_credential_secret",
                    },
                }
            }
        },
        {
            "auth": {
                "identity": {"methods": ["password"], "password": {"user": {"id": "$user", "password": "x"}}}
            }
        },
    ),
    ("identity", "POST", "/v3/domains"): _t({"domain": {"name": "d", "description": "x", "enabled": True}}),
    ("identity", "PATCH", "/v3/domains/{domain_id}"): _t({"domain": {"enabled": False, "name": "n"}}),
    ("identity", "POST", "/v3/projects"): _t(
        {"project": {"name": "p", "domain_id": "$domain", "parent_id": "$project", "tags": ["a"]}},
        {"project": {"name": "p", "is_domain": True}},
    ),
    ("identity", "PATCH", "/v3/projects/{project_id}"): _t(
        {"project": {"name": "n", "enabled": False, "tags": []}}
    ),
    ("identity", "PUT", "/v3/projects/{project_id}/tags"): _t({"tags": ["a", "b"]}),
    ("identity", "POST", "/v3/users"): _t(
        {"user": {"name": "u", "password": "pw", "domain_id": "$domain", "default_project_id": "$project"}}
    ),
    ("identity", "PATCH", "/v3/users/{user_id}"): _t(
        {"user": {"enabled": False, "password": "x", "name": "n"}}
    ),
    ("identity", "POST", "/v3/users/{user_id}/password"): _t(
        {"user": {"original_password": DEMO_PASSWORD, "password": "new"}}
    ),
    ("identity", "POST", "/v3/roles"): _t(
        {"role": {"name": "r", "domain_id": "$domain", "description": "d"}}
    ),
    ("identity", "PATCH", "/v3/roles/{role_id}"): _t({"role": {"name": "r2"}}),
    ("identity", "POST", "/v3/services"): _t({"service": {"type": "t", "name": "n", "enabled": True}}),
    ("identity", "PATCH", "/v3/services/{service_id}"): _t({"service": {"enabled": False}}),
    ("identity", "POST", "/v3/endpoints"): _t(
        {
            "endpoint": {
                "service_id": "$service",
                "interface": "admin",
                "url": "http://x/",
                "region_id": "$region",
            }
        }
    ),
    ("identity", "PATCH", "/v3/endpoints/{endpoint_id}"): _t(
        {"endpoint": {"url": "https://y/", "enabled": False}}
    ),
    ("identity", "POST", "/v3/regions"): _t({"region": {"id": "r1", "parent_region_id": "$region"}}),
    ("identity", "PUT", "/v3/regions/{region_id}"): _t({"region": {"description": "d"}}),
    ("identity", "PATCH", "/v3/regions/{region_id}"): _t({"region": {"parent_region_id": "$region"}}),
    ("identity", "POST", "/v3/users/{user_id}/application_credentials"): _t(
        {
            "application_credential": {
                "name": "c",
                "secret": "s",
                "description": "d",
                "expires_at": "2099-01-01T00:00:00",
                "roles": [{"name": "reader"}],
                "unrestricted": False,
            }
        },
        {"application_credential": {"name": "c", "access_rules": [{"service": "compute", "method": "GET"}]}},
    ),
    ("compute", "POST", "/servers"): _t(
        {"server": {"name": "s", "imageRef": "$bootable", "flavorRef": "$public_flavor", "networks": "auto"}},
        since=37,
    )
    + _t(
        {
            "server": {
                "name": "s",
                "imageRef": "$bootable",
                "flavorRef": "1",
                "networks": "none",
                "min_count": 2,
                "max_count": 3,
                "metadata": {"k": "v"},
                "key_name": "$keypair",
                "availability_zone": "nova",
                "tags": ["t"],
                "user_data": "aGk=",
                "description": "d",
            },
            "os:scheduler_hints": {"group": "$server_group", "same_host": ["$server"]},
        },
        since=52,
    ),
    ("compute", "PUT", "/servers/{server_id}"): _t({"server": {"name": "n", "description": "d"}}, since=19),
    ("compute", "POST", "/servers/{server_id}/action"): _t(
        {"reboot": {"type": "HARD"}},
        {"os-stop": None},
        {"os-start": None},
        {"resize": {"flavorRef": "2"}},
        {"rebuild": {"imageRef": "$bootable", "name": "n"}},
        {"createImage": {"name": "snap", "metadata": {}}},
        {"createBackup": {"name": "b", "backup_type": "daily", "rotation": 1}},
        {"os-resetState": {"state": "error"}},
        {"changePassword": {"adminPass": "pw"}},
        {"rescue": {"adminPass": "pw"}},
        {"os-getVNCConsole": {"type": "novnc"}},
        {"shelve": None},
        {"pause": None},
    )
    + _t({"evacuate": {"host": "$host"}}, since=29)
    + _t({"os-migrateLive": {"host": None, "block_migration": "auto"}}, since=25)
    + _t({"lock": {"locked_reason": "r"}}, since=73)
    + _t({"unshelve": {"availability_zone": None}}, since=91),
    ("compute", "PUT", "/servers/{server_id}/metadata"): _t({"metadata": {"a": "b"}}),
    ("compute", "POST", "/servers/{server_id}/metadata"): _t({"metadata": {"a": "b"}}),
    ("compute", "PUT", "/servers/{server_id}/metadata/{key}"): _t({"meta": {"k": "b"}}),
    ("compute", "PUT", "/servers/{server_id}/tags"): _t({"tags": ["a", "b"]}, since=26),
    ("compute", "POST", "/servers/{server_id}/remote-consoles"): _t(
        {"remote_console": {"protocol": "vnc", "type": "novnc"}}, since=6
    ),
    ("compute", "POST", "/flavors"): _t(
        {"flavor": {"name": "f", "ram": 1, "vcpus": 1, "disk": 0, "id": "x", "swap": 0, "rxtx_factor": 1.0}}
    ),
    ("compute", "PUT", "/flavors/{flavor_id}"): _t({"flavor": {"description": "d"}}, since=55),
    ("compute", "POST", "/flavors/{flavor_id}/action"): _t(
        {"addTenantAccess": {"tenant": "$project"}}, {"removeTenantAccess": {"tenant": "$project"}}
    ),
    ("compute", "POST", "/flavors/{flavor_id}/os-extra_specs"): _t(
        {"extra_specs": {"k": "v", "hw:cpu_policy": "dedicated"}}
    ),
    ("compute", "PUT", "/flavors/{flavor_id}/os-extra_specs/{key}"): _t({"k": "shared"}),
    ("compute", "POST", "/os-keypairs"): _t(
        {"keypair": {"name": "k", "type": "ssh", "user_id": "$user"}}, since=10
    )
    + _t({"keypair": {"name": "k2", "public_key": PUBLIC_KEY}}),
    ("compute", "POST", "/os-server-groups"): _t(
        {"server_group": {"name": "g", "policies": ["affinity"]}}, until=63
    )
    + _t(
        {"server_group": {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": 2}}},
        since=64,
    ),
    ("compute", "PUT", "/os-quota-sets/{project_id}"): _t(
        {"quota_set": {"instances": 5, "cores": -1, "force": True}}
    ),
    ("compute", "PUT", "/os-quota-class-sets/{class_name}"): _t({"quota_class_set": {"ram": 1024}}),
    ("compute", "PUT", "/os-services/{service_id}"): _t(
        {"status": "disabled", "disabled_reason": "r"}, since=53
    ),
    ("compute", "POST", "/os-aggregates"): _t({"aggregate": {"name": "a", "availability_zone": "z"}}),
    ("compute", "PUT", "/os-aggregates/{aggregate_id}"): _t({"aggregate": {"name": "b"}}),
    ("compute", "POST", "/os-aggregates/{aggregate_id}/action"): _t(
        {"add_host": {"host": "$host"}},
        {"remove_host": {"host": "$host"}},
        {"set_metadata": {"metadata": {"k": "v", "availability_zone": None}}},
    ),
    ("compute", "POST", "/os-aggregates/{aggregate_id}/images"): _t(
        {"cache": [{"id": "$bootable"}]}, since=81
    ),
    ("compute", "PUT", "/os-pocketstack-faults"): _t({"faults": {"fail_builds": 1, "fail_actions": 1}}),
    ("image", "POST", "/v2/images"): _t(
        {
            "name": "i",
            "disk_format": "qcow2",
            "container_format": "bare",
            "visibility": "shared",
            "min_ram": 1,
            "min_disk": 1,
            "tags": ["t"],
            "protected": False,
            "os_hidden": False,
            "id": str(uuid.UUID(int=7)),
            "custom": "v",
        }
    ),
    ("image", "PATCH", "/v2/images/{image_id}"): _t(
        [{"op": "replace", "path": "/name", "value": "n"}, {"op": "add", "path": "/k", "value": "v"}],
        [
            {"op": "add", "path": "/k2", "value": "v"},
            {"op": "remove", "path": "/k2"},
            {"op": "replace", "path": "/min_ram", "value": 5},
        ],
    ),
    ("image", "POST", "/v2/images/{image_id}/members"): _t({"member": "$project"}),
    ("image", "PUT", "/v2/images/{image_id}/members/{member_id}"): _t({"status": "accepted"}),
    ("image", "POST", "/v2/images/{image_id}/import"): _t(
        {"method": {"name": "glance-direct"}},
        {"method": {"name": "copy-image"}, "stores": ["default"], "all_stores_must_succeed": False},
    ),
}


# -- Network v2: built from the route table ------------------------------------------------------
# Every route of the table that reads a body gets one (so routes added to it are covered without
# code here): a create, an update, a tag list. What a body needs to know of its resource is in
# NETWORK_CREATE / NETWORK_UPDATE, by the collection's path segment ("$net:<segment>" names an
# object of that collection, "$net:external" the external network); richer bodies of some routes
# are in NETWORK_TEMPLATES.
NETWORK_CIDR = "10.9.0.0/24"  # the subnet of each project's network (world.py)
NETWORK_CREATE: dict[str, dict[str, Any]] = {
    "networks": {"name": "n", "admin_state_up": True},
    "subnets": {"network_id": "$net:networks", "ip_version": 4, "cidr": NETWORK_CIDR},
    "ports": {"network_id": "$net:networks", "name": "p"},
    "subnetpools": {"name": "sp", "prefixes": ["10.200.0.0/16"], "default_prefixlen": 24},
    "address-scopes": {"name": "as", "ip_version": 4},
    "routers": {"name": "r", "external_gateway_info": {"network_id": "$net:external"}},
    "floatingips": {"floating_network_id": "$net:external"},
    "security-groups": {"name": "sg", "description": "d"},
    "security-group-rules": {
        "security_group_id": "$net:security-groups",
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "port_range_min": 22,
        "port_range_max": 22,
        "remote_ip_prefix": "0.0.0.0/0",
    },
    "rbac-policies": {
        "object_type": "network",
        "object_id": "$net:networks",
        "action": "access_as_shared",
        "target_tenant": "$project",
    },
    "port_forwardings": {
        "internal_port_id": "$net:ports",
        "internal_ip_address": "10.9.0.50",
        "internal_port": 22,
        "external_port": 2222,
        "protocol": "tcp",
    },
}
NETWORK_UPDATE: dict[str, dict[str, Any]] = {
    "floatingips": {"description": "d"},
    "rbac-policies": {"target_tenant": "$project"},
    "port_forwardings": {"description": "d", "external_port": 2223},
    "quotas": {"network": 20, "subnet": 20, "port": 100},
}
ROUTER = "/v2.0/routers/{id}"
EXTRA_ROUTES = {"router": {"routes": [{"destination": "10.100.0.0/24", "nexthop": "10.9.0.5"}]}}
NETWORK_TEMPLATES: dict[tuple[str, str], list[Template]] = {
    ("POST", "/v2.0/networks"): _t(
        {
            "network": {
                "name": "n",
                "description": "d",
                "admin_state_up": False,
                "shared": True,
                "mtu": 1400,
                "port_security_enabled": False,
                "tags": ["t"],
                "dns_domain": "example.org.",
                "availability_zone_hints": [],
            }
        },
        {
            "network": {
                "name": "ext",
                "router:external": True,
                "is_default": False,
                "provider:network_type": "vlan",
                "provider:physical_network": "physnet1",
                "provider:segmentation_id": 101,
            }
        },
        {"networks": [{"name": "a"}, {"name": "b", "tenant_id": "$project"}]},
    ),
    ("PUT", "/v2.0/networks/{id}"): _t(
        {
            "network": {
                "name": "n",
                "admin_state_up": True,
                "shared": False,
                "mtu": 1300,
                "router:external": False,
            }
        }
    ),
    ("POST", "/v2.0/subnets"): _t(
        {
            "subnet": {
                "network_id": "$net:networks",
                "ip_version": 4,
                "cidr": "10.10.0.0/24",
                "gateway_ip": "10.10.0.1",
                "allocation_pools": [{"start": "10.10.0.10", "end": "10.10.0.20"}],
                "dns_nameservers": ["8.8.8.8"],
                "host_routes": [{"destination": "10.20.0.0/24", "nexthop": "10.10.0.2"}],
                "enable_dhcp": True,
                "tags": ["t"],
            }
        },
        {
            "subnet": {
                "network_id": "$net:networks",
                "ip_version": 6,
                "cidr": "fd00::/64",
                "ipv6_ra_mode": "slaac",
                "ipv6_address_mode": "slaac",
            }
        },
        {"subnet": {"network_id": "$net:networks", "subnetpool_id": "$net:subnetpools", "prefixlen": 26}},
    ),
    ("PUT", "/v2.0/subnets/{id}"): _t(
        {
            "subnet": {
                "name": "n",
                "gateway_ip": None,
                "enable_dhcp": False,
                "dns_nameservers": ["1.1.1.1"],
                "allocation_pools": [{"start": "10.9.0.100", "end": "10.9.0.200"}],
                "host_routes": [],
            }
        }
    ),
    ("POST", "/v2.0/ports"): _t(
        {
            "port": {
                "network_id": "$net:networks",
                "fixed_ips": [{"subnet_id": "$net:subnets", "ip_address": "10.9.0.77"}],
                "mac_address": "fa:16:3e:00:00:01",
                "admin_state_up": True,
                "device_id": "d",
                "device_owner": "compute:nova",
                "security_groups": ["$net:security-groups"],
                "allowed_address_pairs": [{"ip_address": "10.9.0.0/28", "mac_address": "fa:16:3e:00:00:02"}],
                "extra_dhcp_opts": [{"opt_name": "mtu", "opt_value": "1400"}],
                "binding:host_id": "h",
                "binding:vnic_type": "normal",
                "binding:profile": {"k": "v"},
                "dns_name": "p",
            }
        }
    ),
    ("PUT", "/v2.0/ports/{id}"): _t(
        {
            "port": {
                "name": "n",
                "admin_state_up": False,
                "fixed_ips": [{"subnet_id": "$net:subnets"}],
                "port_security_enabled": False,
                "security_groups": [],
                "allowed_address_pairs": [],
            }
        }
    ),
    ("POST", "/v2.0/subnetpools"): _t(
        {
            "subnetpool": {
                "name": "sp",
                "prefixes": ["10.201.0.0/16", "10.202.0.0/16"],
                "default_prefixlen": 24,
                "min_prefixlen": 16,
                "max_prefixlen": 28,
                "default_quota": 10,
                "shared": False,
                "is_default": False,
                "address_scope_id": "$net:address-scopes",
            }
        }
    ),
    ("PUT", "/v2.0/subnetpools/{id}"): _t(
        {
            "subnetpool": {
                "name": "n",
                "prefixes": ["10.200.0.0/15"],
                "default_prefixlen": 25,
                "address_scope_id": None,
            }
        }
    ),
    ("POST", "/v2.0/address-scopes"): _t({"address_scope": {"name": "as", "ip_version": 6, "shared": True}}),
    ("PUT", "/v2.0/address-scopes/{id}"): _t({"address_scope": {"name": "n", "shared": True}}),
    ("PUT", "/v2.0/quotas/{project_id}"): _t(
        {"quota": {"network": -1, "subnet": 5, "port": "10", "subnetpool": 0, "router": 3, "floatingip": 2}}
    ),
    ("PUT", f"{ROUTER}/add_router_interface"): _t({"subnet_id": "$net:subnets"}, {"port_id": "$net:ports"}),
    ("PUT", f"{ROUTER}/remove_router_interface"): _t(
        {"subnet_id": "$net:subnets"}, {"port_id": "$net:ports"}
    ),
    ("PUT", f"{ROUTER}/add_extraroutes"): _t(EXTRA_ROUTES),
    ("PUT", f"{ROUTER}/remove_extraroutes"): _t(EXTRA_ROUTES),
}


def network_kind(path: str, param: str = "id") -> str:
    """The kind of object a network path parameter names: ``net:`` and the segment before it
    (``/v2.0/subnets/{id}``: ``net:subnets``)."""
    parts = path.split("/")
    return "net:" + parts[parts.index("{" + param + "}") - 1]


def _singular(segment: str) -> str:
    name = segment.replace("-", "_")
    return name[:-3] + "y" if name.endswith("ies") else name.removesuffix("s")


def network_templates(routes: Sequence[Endpoint]) -> dict[tuple[str, str, str], list[Template]]:
    """A valid body for each route of the Network v2 table that reads one: the generic one
    first (world.py creates its objects with it), then those of NETWORK_TEMPLATES."""
    out: dict[tuple[str, str, str], list[Template]] = {}
    for endpoint in routes:
        method, path = endpoint.method, endpoint.path
        parts = path.strip("/").split("/")
        generic: Doc | None = None
        if method == "PUT" and parts[-1] == "tags":
            generic = {"tags": ["a", "b"]}
        elif method == "POST" and not parts[-1].startswith("{"):
            generic = {_singular(parts[-1]): dict(NETWORK_CREATE.get(parts[-1], {"name": "n"}))}
        elif method == "PUT" and parts[-1].startswith("{") and parts[-2] != "tags":
            update = NETWORK_UPDATE.get(parts[-2], {"name": "n", "description": "d"})
            generic = {_singular(parts[-2]): dict(update)}
        templates = ([] if generic is None else _t(generic)) + NETWORK_TEMPLATES.get((method, path), [])
        if templates:
            out[("network", method, path)] = templates
    return out


TEMPLATES.update(network_templates(NETWORK_ROUTES))
