"""Valid request bodies of the routes that read one. The fuzz test breaks them (test_route) or
changes them one field at a time (test_fields), so that its requests get past the first check
and into the handler. A string ``"$kind"`` stands for an id of an object of that kind, the
caller's own where it has one (see world.py); a compute body names the microversions it is
valid at."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

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
