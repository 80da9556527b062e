"""Compute quotas, quota classes and limits over HTTP, as a Nova client sees them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.cloud import Cloud, build_cloud
from pocketstack.store.compute_models import Server, ServerGroup
from tests.functional.conftest import auth_headers

BASE = "/compute/v2.1"
NETWORK_KEYS = {"fixed_ips", "floating_ips", "security_groups", "security_group_rules"}
PERSONALITY_KEYS = {"injected_files", "injected_file_content_bytes", "injected_file_path_bytes"}
NOVA_DEFAULTS = {
    "instances": 10,
    "cores": 20,
    "ram": 51200,
    "metadata_items": 128,
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
    "key_pairs": 100,
    "server_groups": 10,
    "server_group_members": 10,
    "fixed_ips": -1,
    "floating_ips": -1,
    "security_groups": -1,
    "security_group_rules": -1,
}


def headers(token: str, version: str | None = None) -> dict[str, str]:
    h = auth_headers(token)
    if version:
        h["OpenStack-API-Version"] = f"compute {version}"
    return h


def project_id(client: TestClient, admin_token: str, name: str) -> str:
    resp = client.get(f"/identity/v3/projects?name={name}", headers=auth_headers(admin_token))
    assert resp.status_code == 200, resp.text
    return resp.json()["projects"][0]["id"]


def user_id(client: TestClient, admin_token: str, name: str) -> str:
    resp = client.get(f"/identity/v3/users?name={name}", headers=auth_headers(admin_token))
    return resp.json()["users"][0]["id"]


def add_server(
    cloud: Cloud, project: str, user: str = "u1", vcpus: int = 1, ram: int = 512, deleted: bool = False
) -> str:
    """What the server code leaves behind: a server row with its flavor snapshot."""
    now = datetime.now(UTC).replace(tzinfo=None)
    server_id = str(uuid.uuid4())
    with cloud.db.transaction() as s:
        s.add(
            Server(
                id=server_id,
                project_id=project,
                user_id=user,
                name=f"vm-{server_id[:8]}",
                hostname="vm",
                flavor_id="1",
                flavor={"vcpus": vcpus, "ram": ram, "disk": 1, "ephemeral": 0, "swap": 0},
                vm_state="active",
                reservation_id="r-1",
                created_at=now,
                updated_at=now,
                deleted=deleted,
            )
        )
    return server_id


def add_group(cloud: Cloud, project: str, user: str = "u1") -> None:
    with cloud.db.transaction() as s:
        s.add(
            ServerGroup(
                id=str(uuid.uuid4()),
                name="g",
                project_id=project,
                user_id=user,
                policy="affinity",
                rules={},
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )


@pytest.fixture
def demo_id(client: TestClient, admin_token: str) -> str:
    return project_id(client, admin_token, "demo")


@pytest.fixture
def admin_project(client: TestClient, admin_token: str) -> str:
    return project_id(client, admin_token, "admin")


# -- os-quota-sets: show, defaults ------------------------------------------------------------
def test_member_reads_own_quotas_with_novas_defaults(
    client: TestClient, demo_token: str, demo_id: str
) -> None:
    resp = client.get(f"{BASE}/os-quota-sets/{demo_id}", headers=headers(demo_token))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"quota_set": {"id": demo_id, **NOVA_DEFAULTS}}


@pytest.mark.parametrize(
    ("version", "hidden"),
    [
        ("2.35", set()),
        ("2.36", NETWORK_KEYS),
        ("2.56", NETWORK_KEYS),
        ("2.57", NETWORK_KEYS | PERSONALITY_KEYS),
    ],
)
def test_quota_keys_follow_the_microversion(
    client: TestClient, demo_token: str, demo_id: str, version: str, hidden: set[str]
) -> None:
    for path in ("", "/defaults", "/detail"):
        resp = client.get(f"{BASE}/os-quota-sets/{demo_id}{path}", headers=headers(demo_token, version))
        assert resp.status_code == 200, resp.text
        assert set(resp.json()["quota_set"]) == {"id"} | (set(NOVA_DEFAULTS) - hidden), path


def test_member_cannot_read_another_projects_quotas(
    client: TestClient, demo_token: str, admin_project: str
) -> None:
    resp = client.get(f"{BASE}/os-quota-sets/{admin_project}", headers=headers(demo_token))
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["code"] == 403
    detail = client.get(f"{BASE}/os-quota-sets/{admin_project}/detail", headers=headers(demo_token))
    assert detail.status_code == 403


def test_admin_reads_any_project_and_an_unknown_project_is_a_400(
    client: TestClient, admin_token: str, demo_id: str
) -> None:
    resp = client.get(f"{BASE}/os-quota-sets/{demo_id}", headers=headers(admin_token))
    assert resp.status_code == 200 and resp.json()["quota_set"]["id"] == demo_id
    missing = client.get(f"{BASE}/os-quota-sets/no-such-project", headers=headers(admin_token))
    assert missing.status_code == 400
    assert "no-such-project is not a valid project" in missing.json()["badRequest"]["message"]


def test_user_id_is_accepted_and_shows_the_projects_limits(
    client: TestClient, demo_token: str, admin_token: str, demo_id: str
) -> None:
    demo_user = user_id(client, admin_token, "demo")
    resp = client.get(f"{BASE}/os-quota-sets/{demo_id}?user_id={demo_user}", headers=headers(demo_token))
    assert resp.status_code == 200
    assert resp.json()["quota_set"]["instances"] == 10


def test_unknown_query_parameters_are_refused_from_2_75(
    client: TestClient, demo_token: str, demo_id: str
) -> None:
    url = f"{BASE}/os-quota-sets/{demo_id}?bogus=1"
    assert client.get(url, headers=headers(demo_token, "2.74")).status_code == 200
    resp = client.get(url, headers=headers(demo_token, "2.75"))
    assert resp.status_code == 400 and "bogus" in resp.json()["badRequest"]["message"]


def test_defaults_follow_settings_and_the_default_class(cloud: Cloud, admin_token: str, demo_id: str) -> None:
    tuned = build_cloud(replace(cloud.settings, quota_defaults="instances=20,cores=40"))
    with TestClient(build_app(tuned), base_url="http://testserver") as c:
        resp = c.get(f"{BASE}/os-quota-sets/{demo_id}/defaults", headers=headers(admin_token))
        assert resp.json()["quota_set"]["instances"] == 20 and resp.json()["quota_set"]["cores"] == 40
        put = c.put(
            f"{BASE}/os-quota-class-sets/default",
            headers=headers(admin_token),
            json={"quota_class_set": {"cores": 8}},
        )
        assert put.status_code == 200, put.text
        shown = c.get(f"{BASE}/os-quota-sets/{demo_id}", headers=headers(admin_token)).json()["quota_set"]
        assert (shown["instances"], shown["cores"]) == (20, 8)


# -- os-quota-sets: update, delete ----------------------------------------------------------------
def test_admin_sets_quotas_and_the_project_sees_them(
    client: TestClient, admin_token: str, demo_token: str, demo_id: str
) -> None:
    body = {"quota_set": {"instances": 5, "cores": "7", "ram": -1}}
    resp = client.put(f"{BASE}/os-quota-sets/{demo_id}", headers=headers(admin_token), json=body)
    assert resp.status_code == 200, resp.text
    updated = resp.json()["quota_set"]
    assert "id" not in updated  # Nova's update answers without it
    assert (updated["instances"], updated["cores"], updated["ram"]) == (5, 7, -1)
    shown = client.get(f"{BASE}/os-quota-sets/{demo_id}", headers=headers(demo_token)).json()["quota_set"]
    assert (shown["instances"], shown["cores"], shown["ram"], shown["key_pairs"]) == (5, 7, -1, 100)
    limits = client.get(f"{BASE}/limits", headers=headers(demo_token)).json()["limits"]["absolute"]
    assert limits["maxTotalInstances"] == 5


def test_member_cannot_change_or_delete_quotas(client: TestClient, demo_token: str, demo_id: str) -> None:
    put = client.put(
        f"{BASE}/os-quota-sets/{demo_id}", headers=headers(demo_token), json={"quota_set": {"instances": 99}}
    )
    assert put.status_code == 403
    assert client.delete(f"{BASE}/os-quota-sets/{demo_id}", headers=headers(demo_token)).status_code == 403
    shown = client.get(f"{BASE}/os-quota-sets/{demo_id}", headers=headers(demo_token)).json()["quota_set"]
    assert shown["instances"] == 10


@pytest.mark.parametrize(
    ("version", "quota_set"),
    [
        ("2.1", {"instances": -2}),
        ("2.1", {"instances": 2**31}),
        ("2.1", {"instances": "ten"}),
        ("2.1", {"instances": True}),
        ("2.1", {"instances": None}),
        ("2.1", {"instances": 1.5}),
        ("2.1", {"bogus": 1}),
        ("2.1", {"networks": 1}),
        ("2.1", {"force": "maybe"}),
        ("2.36", {"floating_ips": 1}),
        ("2.36", {"security_groups": 1}),
        ("2.57", {"injected_files": 1}),
    ],
)
def test_bad_quota_values_and_gated_keys_are_400(
    client: TestClient, admin_token: str, demo_id: str, version: str, quota_set: dict
) -> None:
    url = f"{BASE}/os-quota-sets/{demo_id}"
    resp = client.put(url, headers=headers(admin_token, version), json={"quota_set": quota_set})
    assert resp.status_code == 400, resp.text
    assert resp.json()["badRequest"]["code"] == 400
    assert client.get(url, headers=headers(admin_token)).json()["quota_set"]["instances"] == 10


def test_body_without_quota_set_is_400(client: TestClient, admin_token: str, demo_id: str) -> None:
    url = f"{BASE}/os-quota-sets/{demo_id}"
    assert client.put(url, headers=headers(admin_token), json={"instances": 1}).status_code == 400
    assert client.put(url, headers=headers(admin_token), content=b"{not json").status_code == 400


def test_network_keys_are_settable_below_2_36(client: TestClient, admin_token: str, demo_id: str) -> None:
    url = f"{BASE}/os-quota-sets/{demo_id}"
    resp = client.put(url, headers=headers(admin_token, "2.35"), json={"quota_set": {"floating_ips": 3}})
    assert resp.status_code == 200 and resp.json()["quota_set"]["floating_ips"] == 3
    assert "floating_ips" not in client.get(url, headers=headers(admin_token, "2.36")).json()["quota_set"]


def test_a_limit_below_usage_needs_force(
    cloud: Cloud, client: TestClient, admin_token: str, demo_id: str
) -> None:
    for _ in range(3):
        add_server(cloud, demo_id)
    url = f"{BASE}/os-quota-sets/{demo_id}"
    resp = client.put(url, headers=headers(admin_token), json={"quota_set": {"instances": 2}})
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == (
        "Quota limit 2 for instances must be greater than or equal to already used and reserved 3."
    )
    forced = client.put(
        url, headers=headers(admin_token), json={"quota_set": {"instances": 2, "force": "True"}}
    )
    assert forced.status_code == 200 and forced.json()["quota_set"]["instances"] == 2
    assert (
        client.put(url, headers=headers(admin_token), json={"quota_set": {"instances": 3}}).status_code == 200
    )


def test_delete_reverts_to_the_defaults(client: TestClient, admin_token: str, demo_id: str) -> None:
    url = f"{BASE}/os-quota-sets/{demo_id}"
    client.put(url, headers=headers(admin_token), json={"quota_set": {"instances": 1, "key_pairs": 2}})
    resp = client.delete(url, headers=headers(admin_token))
    assert resp.status_code == 202 and resp.content == b""
    assert client.get(url, headers=headers(admin_token)).json() == {
        "quota_set": {"id": demo_id, **NOVA_DEFAULTS}
    }


def test_per_user_quotas_are_kept_bounded_and_dropped(
    cloud: Cloud, client: TestClient, admin_token: str, demo_id: str
) -> None:
    add_server(cloud, demo_id, user="alice", vcpus=2, ram=2048)
    url = f"{BASE}/os-quota-sets/{demo_id}"
    h = headers(admin_token)
    assert client.put(url, headers=h, json={"quota_set": {"ram": 5120}}).status_code == 200
    resp = client.put(f"{url}?user_id=alice", headers=h, json={"quota_set": {"ram": 2048, "cores": 4}})
    assert resp.status_code == 200 and "id" not in resp.json()["quota_set"]
    assert (resp.json()["quota_set"]["ram"], resp.json()["quota_set"]["instances"]) == (2048, 10)
    alice = client.get(f"{url}?user_id=alice", headers=h).json()["quota_set"]
    assert (alice["id"], alice["ram"], alice["cores"]) == (demo_id, 2048, 4)
    assert client.get(f"{url}?user_id=bob", headers=h).json()["quota_set"]["ram"] == 5120
    assert client.get(url, headers=h).json()["quota_set"]["ram"] == 5120
    detail = client.get(f"{url}/detail?user_id=alice", headers=h).json()["quota_set"]
    assert detail["ram"] == {"in_use": 2048, "limit": 2048, "reserved": 0}
    below = client.put(f"{url}?user_id=alice", headers=h, json={"quota_set": {"ram": 1024}})
    assert below.status_code == 400 and "already used and reserved 2048" in below.text
    above = client.put(f"{url}?user_id=alice", headers=h, json={"quota_set": {"ram": 6000}})
    assert above.status_code == 400 and "less than or equal to 5120" in above.text
    forced = {"quota_set": {"ram": 6000, "force": True}}
    assert client.put(f"{url}?user_id=alice", headers=h, json=forced).status_code == 200
    # Dropping one user's limits leaves the project's; dropping the project's drops every user's.
    assert client.delete(f"{url}?user_id=alice", headers=h).status_code == 202
    assert client.get(f"{url}?user_id=alice", headers=h).json()["quota_set"]["ram"] == 5120
    client.put(f"{url}?user_id=alice", headers=h, json={"quota_set": {"cores": 3}})
    assert client.delete(url, headers=h).status_code == 202
    assert client.get(f"{url}?user_id=alice", headers=h).json()["quota_set"]["cores"] == 20


# -- detail -------------------------------------------------------------------------------------------
def test_detail_counts_live_servers_and_groups(
    cloud: Cloud, client: TestClient, demo_token: str, demo_id: str, admin_project: str
) -> None:
    add_server(cloud, demo_id, user="alice", vcpus=2, ram=2048)
    add_server(cloud, demo_id, user="bob", vcpus=4, ram=1024)
    add_server(cloud, demo_id, user="alice", vcpus=8, ram=8192, deleted=True)
    add_server(cloud, admin_project, vcpus=16, ram=16384)
    add_group(cloud, demo_id, user="alice")
    resp = client.get(f"{BASE}/os-quota-sets/{demo_id}/detail", headers=headers(demo_token))
    assert resp.status_code == 200
    q = resp.json()["quota_set"]
    assert q["id"] == demo_id
    assert q["instances"] == {"in_use": 2, "limit": 10, "reserved": 0}
    assert q["cores"] == {"in_use": 6, "limit": 20, "reserved": 0}
    assert q["ram"] == {"in_use": 3072, "limit": 51200, "reserved": 0}
    assert q["server_groups"] == {"in_use": 1, "limit": 10, "reserved": 0}
    assert q["key_pairs"] == {"in_use": 0, "limit": 100, "reserved": 0}
    mine = client.get(f"{BASE}/os-quota-sets/{demo_id}/detail?user_id=bob", headers=headers(demo_token))
    assert mine.json()["quota_set"]["cores"]["in_use"] == 4
    assert mine.json()["quota_set"]["server_groups"]["in_use"] == 0


# -- os-quota-class-sets --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "shown"),
    [
        ("2.1", set(NOVA_DEFAULTS) - {"server_groups", "server_group_members"}),
        ("2.50", set(NOVA_DEFAULTS) - NETWORK_KEYS),
        ("2.57", set(NOVA_DEFAULTS) - NETWORK_KEYS - PERSONALITY_KEYS),
    ],
)
def test_quota_class_keys_follow_the_microversion(
    client: TestClient, admin_token: str, version: str, shown: set[str]
) -> None:
    resp = client.get(f"{BASE}/os-quota-class-sets/default", headers=headers(admin_token, version))
    assert resp.status_code == 200
    body = resp.json()["quota_class_set"]
    assert body["id"] == "default" and set(body) == {"id"} | shown
    assert all(body[k] == NOVA_DEFAULTS[k] for k in shown)


def test_updating_the_default_class_changes_every_projects_defaults(
    client: TestClient, admin_token: str, demo_token: str, demo_id: str
) -> None:
    resp = client.put(
        f"{BASE}/os-quota-class-sets/default",
        headers=headers(admin_token, "2.50"),
        json={"quota_class_set": {"instances": 50, "server_groups": 3}},
    )
    assert resp.status_code == 200, resp.text
    assert "id" not in resp.json()["quota_class_set"]
    assert resp.json()["quota_class_set"]["instances"] == 50
    mine = client.get(f"{BASE}/os-quota-sets/{demo_id}", headers=headers(demo_token)).json()["quota_set"]
    assert (mine["instances"], mine["server_groups"]) == (50, 3)
    defaults = client.get(f"{BASE}/os-quota-sets/{demo_id}/defaults", headers=headers(demo_token))
    assert defaults.json()["quota_set"]["instances"] == 50


def test_another_class_does_not_change_projects(client: TestClient, admin_token: str, demo_id: str) -> None:
    url = f"{BASE}/os-quota-class-sets/gold"
    assert (
        client.put(url, headers=headers(admin_token), json={"quota_class_set": {"cores": 99}}).status_code
        == 200
    )
    assert client.get(url, headers=headers(admin_token)).json()["quota_class_set"]["cores"] == 99
    mine = client.get(f"{BASE}/os-quota-sets/{demo_id}", headers=headers(admin_token)).json()["quota_set"]
    assert mine["cores"] == 20


def test_quota_classes_are_admin_only(client: TestClient, demo_token: str) -> None:
    url = f"{BASE}/os-quota-class-sets/default"
    assert client.get(url, headers=headers(demo_token)).status_code == 403
    assert (
        client.put(url, headers=headers(demo_token), json={"quota_class_set": {"cores": 1}}).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("version", "values"),
    [
        ("2.1", {"cores": -5}),
        ("2.1", {"bogus": 1}),
        ("2.50", {"fixed_ips": 1}),
        ("2.57", {"injected_files": 1}),
    ],
)
def test_bad_quota_class_values_are_400(
    client: TestClient, admin_token: str, version: str, values: dict
) -> None:
    url = f"{BASE}/os-quota-class-sets/default"
    resp = client.put(url, headers=headers(admin_token, version), json={"quota_class_set": values})
    assert resp.status_code == 400, resp.text


def test_a_class_name_longer_than_255_is_400(client: TestClient, admin_token: str) -> None:
    resp = client.put(
        f"{BASE}/os-quota-class-sets/{'x' * 256}",
        headers=headers(admin_token),
        json={"quota_class_set": {"cores": 1}},
    )
    assert resp.status_code == 400


# -- limits -------------------------------------------------------------------------------------------
LIMITS_21 = {
    "maxImageMeta": 128,
    "maxPersonality": 5,
    "maxPersonalitySize": 10240,
    "maxSecurityGroupRules": -1,
    "maxSecurityGroups": -1,
    "maxServerMeta": 128,
    "maxTotalCores": 20,
    "maxTotalFloatingIps": -1,
    "maxTotalInstances": 10,
    "maxTotalKeypairs": 100,
    "maxTotalRAMSize": 51200,
    "maxServerGroups": 10,
    "maxServerGroupMembers": 10,
    "totalCoresUsed": 0,
    "totalInstancesUsed": 0,
    "totalRAMUsed": 0,
    "totalSecurityGroupsUsed": 0,
    "totalFloatingIpsUsed": 0,
    "totalServerGroupsUsed": 0,
}
GONE_236 = {
    "maxSecurityGroupRules",
    "maxSecurityGroups",
    "maxTotalFloatingIps",
    "totalSecurityGroupsUsed",
    "totalFloatingIpsUsed",
}


@pytest.mark.parametrize(
    ("version", "gone"),
    [
        ("2.1", set()),
        ("2.36", GONE_236),
        ("2.39", GONE_236 | {"maxImageMeta"}),
        ("2.57", GONE_236 | {"maxImageMeta", "maxPersonality", "maxPersonalitySize"}),
    ],
)
def test_limits_match_novas_samples(
    client: TestClient, demo_token: str, version: str, gone: set[str]
) -> None:
    resp = client.get(f"{BASE}/limits", headers=headers(demo_token, version))
    assert resp.status_code == 200
    expected = {k: v for k, v in LIMITS_21.items() if k not in gone}
    assert resp.json() == {"limits": {"rate": [], "absolute": expected}}


def test_limits_report_usage(cloud: Cloud, client: TestClient, demo_token: str, demo_id: str) -> None:
    add_server(cloud, demo_id, vcpus=2, ram=1024)
    add_server(cloud, demo_id, vcpus=2, ram=1024, deleted=True)
    add_group(cloud, demo_id)
    absolute = client.get(f"{BASE}/limits", headers=headers(demo_token, "2.57")).json()["limits"]["absolute"]
    assert (absolute["totalInstancesUsed"], absolute["totalCoresUsed"], absolute["totalRAMUsed"]) == (
        1,
        2,
        1024,
    )
    assert absolute["totalServerGroupsUsed"] == 1


def test_admin_reads_another_projects_limits_with_tenant_id(
    cloud: Cloud, client: TestClient, admin_token: str, demo_token: str, demo_id: str
) -> None:
    add_server(cloud, demo_id, vcpus=3)
    resp = client.get(f"{BASE}/limits?tenant_id={demo_id}", headers=headers(admin_token))
    assert resp.status_code == 200 and resp.json()["limits"]["absolute"]["totalCoresUsed"] == 3
    own = client.get(f"{BASE}/limits", headers=headers(admin_token)).json()["limits"]["absolute"]
    assert own["totalCoresUsed"] == 0
    denied = client.get(f"{BASE}/limits?tenant_id={demo_id}", headers=headers(demo_token))
    assert denied.status_code == 403


def test_limits_refuse_unknown_query_parameters_from_2_75(client: TestClient, demo_token: str) -> None:
    assert client.get(f"{BASE}/limits?reserved=1", headers=headers(demo_token, "2.74")).status_code == 200
    assert client.get(f"{BASE}/limits?reserved=1", headers=headers(demo_token, "2.75")).status_code == 400


def test_limits_need_a_token(client: TestClient) -> None:
    assert client.get(f"{BASE}/limits").status_code == 401


# -- extensions -----------------------------------------------------------------------------------
def test_extensions_list_what_is_served(client: TestClient, demo_token: str) -> None:
    resp = client.get(f"{BASE}/extensions", headers=headers(demo_token))
    assert resp.status_code == 200
    extensions = resp.json()["extensions"]
    aliases = [e["alias"] for e in extensions]
    assert aliases == sorted(aliases)
    for alias in (
        "os-keypairs",
        "os-server-groups",
        "os-quota-sets",
        "os-quota-class-sets",
        "os-hypervisors",
    ):
        assert alias in aliases
    for alias in ("os-volumes", "os-cells"):
        assert alias not in aliases
    for e in extensions:
        assert set(e) == {"alias", "description", "links", "name", "namespace", "updated"}


def test_extension_show_and_404(client: TestClient, demo_token: str) -> None:
    resp = client.get(f"{BASE}/extensions/os-server-groups", headers=headers(demo_token))
    assert resp.status_code == 200
    assert resp.json()["extension"]["name"] == "ServerGroups"
    missing = client.get(f"{BASE}/extensions/os-volumes", headers=headers(demo_token))
    assert missing.status_code == 404 and missing.json()["itemNotFound"]["code"] == 404


# -- per-user limits at server create ---------------------------------------------------------------
def test_server_create_checks_the_users_own_limits(
    cloud: Cloud, client: TestClient, admin_token: str, demo_token: str, demo_id: str
) -> None:
    from pocketstack.core.image.seed import seed_first_image

    image = seed_first_image(cloud.db, cloud.image_data)
    demo_user = user_id(client, admin_token, "demo")
    add_server(cloud, demo_id, user=demo_user)  # the demo user's one server
    add_server(cloud, demo_id, user="someone-else")  # another user's: not counted for demo
    url = f"{BASE}/os-quota-sets/{demo_id}"
    h = headers(admin_token)
    assert (
        client.put(f"{url}?user_id={demo_user}", headers=h, json={"quota_set": {"instances": 1}}).status_code
        == 200
    )
    boot = {"server": {"name": "q", "imageRef": image, "flavorRef": "1", "networks": "none"}}
    refused = client.post(f"{BASE}/servers", headers=headers(demo_token, "2.79"), json=boot)
    assert refused.status_code == 403, refused.text
    assert refused.json()["forbidden"]["message"] == (
        "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances"
    )
    # A batch takes what the user's limit leaves (min_count 1, max_count 3 with room for 2).
    assert (
        client.put(f"{url}?user_id={demo_user}", headers=h, json={"quota_set": {"instances": 3}}).status_code
        == 200
    )
    batch = {"server": {**boot["server"], "min_count": 1, "max_count": 3, "return_reservation_id": True}}
    resp = client.post(f"{BASE}/servers", headers=headers(demo_token, "2.79"), json=batch)
    assert resp.status_code == 202, resp.text
    listed = client.get(
        f"{BASE}/servers?reservation_id={resp.json()['reservation_id']}", headers=headers(demo_token, "2.79")
    )
    assert len(listed.json()["servers"]) == 2
    # Without a limit of their own the user has the project's (10 instances, 4 in use).
    assert client.delete(f"{url}?user_id={demo_user}", headers=h).status_code == 202
    again = client.post(f"{BASE}/servers", headers=headers(demo_token, "2.79"), json=boot)
    assert again.status_code == 202, again.text
