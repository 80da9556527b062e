"""Compute v2.1 flavors, flavor access and extra specs, with Nova's codes and shapes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud, build_cloud
from pocketstack.core.errors import NotFound
from tests.functional.conftest import auth_headers

FLAVORS = "/compute/v2.1/flavors"
DEFAULTS = {
    "1": ("m1.tiny", 1, 512, 1),
    "2": ("m1.small", 1, 2048, 20),
    "3": ("m1.medium", 2, 4096, 40),
    "4": ("m1.large", 4, 8192, 80),
    "5": ("m1.xlarge", 8, 16384, 160),
}


def h(token: str, version: str | None = None) -> dict[str, str]:
    headers = auth_headers(token)
    if version:
        headers["OpenStack-API-Version"] = f"compute {version}"
    return headers


def create(client: TestClient, token: str, version: str | None = None, **fields: Any) -> httpx.Response:
    flavor = {"name": "f1", "ram": 256, "vcpus": 1, "disk": 1, **fields}
    return client.post(FLAVORS, json={"flavor": flavor}, headers=h(token, version))


def created(client: TestClient, token: str, version: str | None = None, **fields: Any) -> dict[str, Any]:
    resp = create(client, token, version, **fields)
    assert resp.status_code == 200, resp.text
    return resp.json()["flavor"]


def ids(client: TestClient, token: str, query: str = "", version: str | None = None) -> list[str]:
    resp = client.get(f"{FLAVORS}{query}", headers=h(token, version))
    assert resp.status_code == 200, resp.text
    return [f["id"] for f in resp.json()["flavors"]]


def fault(resp: httpx.Response, status: int) -> str:
    """The message of a Nova fault envelope, after checking the status and its name."""
    names = {400: "badRequest", 403: "forbidden", 404: "itemNotFound", 409: "conflictingRequest"}
    assert resp.status_code == status, resp.text
    body = resp.json()[names[status]]
    assert body["code"] == status
    return body["message"]


def project_id(client: TestClient, token: str, name: str) -> str:
    resp = client.get("/identity/v3/projects", params={"name": name}, headers=auth_headers(token))
    return resp.json()["projects"][0]["id"]


# -- the catalogue --------------------------------------------------------------------------
def test_default_flavors_are_there_for_everyone(client: TestClient, demo_token: str) -> None:
    resp = client.get(f"{FLAVORS}/detail", headers=h(demo_token))
    flavors = {f["id"]: f for f in resp.json()["flavors"]}
    assert set(flavors) == set(DEFAULTS)
    for fid, (name, vcpus, ram, disk) in DEFAULTS.items():
        f = flavors[fid]
        assert (f["name"], f["vcpus"], f["ram"], f["disk"]) == (name, vcpus, ram, disk)
        assert f["os-flavor-access:is_public"] is True and f["OS-FLV-DISABLED:disabled"] is False
        assert f["OS-FLV-EXT-DATA:ephemeral"] == 0 and f["rxtx_factor"] == 1.0
    small = flavors["2"]
    assert small["swap"] == ""  # Nova's quirk below 2.75
    assert small["links"] == [
        {"rel": "self", "href": "http://testserver/compute/v2.1/flavors/2"},
        {"rel": "bookmark", "href": "http://testserver/compute/flavors/2"},
    ]
    assert "description" not in small and "extra_specs" not in small
    brief = client.get(FLAVORS, headers=h(demo_token)).json()["flavors"][0]
    assert set(brief) == {"id", "name", "links"}


def test_swap_description_and_extra_specs_follow_the_microversion(
    client: TestClient, demo_token: str
) -> None:
    show = client.get(f"{FLAVORS}/1", headers=h(demo_token, "2.75")).json()["flavor"]
    assert show["swap"] == 0 and show["description"] is None and show["extra_specs"] == {}
    show = client.get(f"{FLAVORS}/1", headers=h(demo_token, "2.60")).json()["flavor"]
    assert show["swap"] == "" and "description" in show and "extra_specs" not in show
    brief = client.get(FLAVORS, headers=h(demo_token, "2.55")).json()["flavors"][0]
    assert set(brief) == {"id", "name", "links", "description"}


def test_deleted_default_flavor_stays_deleted_after_restart(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    assert client.delete(f"{FLAVORS}/1", headers=h(admin_token)).status_code == 202
    restarted = build_cloud(cloud.settings)
    with pytest.raises(NotFound):
        restarted.flavors.get("1", None, is_admin=True)
    assert restarted.flavors.get("2", None, is_admin=True).name == "m1.small"


# -- create, show, describe, delete ----------------------------------------------------------
def test_admin_creates_shows_and_deletes_a_flavor(client: TestClient, admin_token: str) -> None:
    body = created(
        client,
        admin_token,
        id="custom.1",
        name="big one",
        ram="4096",
        vcpus=4,
        disk=40,
        swap=512,
        rxtx_factor="2.5",
        **{"OS-FLV-EXT-DATA:ephemeral": 10},
    )
    assert body["id"] == "custom.1" and body["ram"] == 4096 and body["swap"] == 512
    assert body["OS-FLV-EXT-DATA:ephemeral"] == 10 and body["rxtx_factor"] == 2.5
    shown = client.get(f"{FLAVORS}/custom.1", headers=h(admin_token)).json()["flavor"]
    assert shown == body
    assert client.delete(f"{FLAVORS}/custom.1", headers=h(admin_token)).status_code == 202
    msg = fault(client.get(f"{FLAVORS}/custom.1", headers=h(admin_token)), 404)
    assert msg == "Flavor custom.1 could not be found."
    fault(client.delete(f"{FLAVORS}/custom.1", headers=h(admin_token)), 404)


def test_flavor_id_is_generated_or_taken_from_a_number(client: TestClient, admin_token: str) -> None:
    generated = created(client, admin_token, name="a")["id"]
    assert len(generated) == 36 and generated.count("-") == 4
    assert len(created(client, admin_token, name="b", id=None)["id"]) == 36
    assert created(client, admin_token, name="c", id=42)["id"] == "42"


def test_non_admin_cannot_manage_flavors(client: TestClient, demo_token: str) -> None:
    assert "os-flavor-manage:create" in fault(create(client, demo_token), 403)
    fault(client.delete(f"{FLAVORS}/1", headers=h(demo_token)), 403)
    put = client.put(f"{FLAVORS}/1", json={"flavor": {"description": "x"}}, headers=h(demo_token, "2.55"))
    fault(put, 403)


def test_duplicate_name_or_id_is_a_conflict(client: TestClient, admin_token: str) -> None:
    assert (
        fault(create(client, admin_token, name="m1.tiny"), 409) == "Flavor with name m1.tiny already exists."
    )
    assert fault(create(client, admin_token, name="new", id="1"), 409) == "Flavor with ID 1 already exists."


BAD_FIELDS: list[dict[str, Any]] = [
    {"ram": 0},
    {"vcpus": -1},
    {"disk": "x"},
    {"ram": True},
    {"ram": 1.5},
    {"ram": 0x80000000},
    {"name": ""},
    {"name": " lead"},
    {"name": "tab\there"},
    {"name": "x" * 256},
    {"rxtx_factor": 0},
    {"os-flavor-access:is_public": "maybe"},
    {"id": "bad/id"},
    {"id": " x"},
    {"id": True},
    {"swap": -1},
    {"description": "only from 2.55"},
    {"unknown": 1},
]


def test_create_refuses_bad_bodies(client: TestClient, admin_token: str) -> None:
    for fields in BAD_FIELDS:
        assert create(client, admin_token, **fields).status_code == 400, fields
    assert ids(client, admin_token, "?is_public=none") == list(DEFAULTS)


def test_create_refuses_missing_fields_and_non_objects(client: TestClient, admin_token: str) -> None:
    headers = h(admin_token)
    fault(client.post(FLAVORS, json={"flavor": {"name": "x", "vcpus": 1, "disk": 1}}, headers=headers), 400)
    fault(client.post(FLAVORS, json={"flavor": "x"}, headers=headers), 400)
    fault(client.post(FLAVORS, content=b"{not json", headers=headers), 400)


def test_description_is_set_at_create_and_changed_with_put(client: TestClient, admin_token: str) -> None:
    body = created(client, admin_token, "2.55", id="d1", description="first words")
    assert body["description"] == "first words"
    resp = client.put(
        f"{FLAVORS}/d1", json={"flavor": {"description": "second"}}, headers=h(admin_token, "2.55")
    )
    assert resp.status_code == 200 and resp.json()["flavor"]["description"] == "second"
    resp = client.put(f"{FLAVORS}/d1", json={"flavor": {"description": None}}, headers=h(admin_token, "2.75"))
    assert resp.json()["flavor"]["description"] is None and resp.json()["flavor"]["extra_specs"] == {}
    for bad in (
        {"flavor": {}},
        {"flavor": {"description": "x", "name": "y"}},
        {"flavor": {"description": "a\nb"}},
    ):
        fault(client.put(f"{FLAVORS}/d1", json=bad, headers=h(admin_token, "2.55")), 400)
    fault(
        client.put(f"{FLAVORS}/nope", json={"flavor": {"description": "x"}}, headers=h(admin_token, "2.55")),
        404,
    )
    # Below 2.55 the method does not exist.
    fault(
        client.put(f"{FLAVORS}/d1", json={"flavor": {"description": "x"}}, headers=h(admin_token, "2.54")),
        404,
    )


def test_legacy_v2_strips_names_and_ignores_unknown_fields(client: TestClient, admin_token: str) -> None:
    flavor = {"name": "  legacy  ", "ram": 64, "vcpus": 1, "disk": 0, "id": "old"}
    resp = client.post("/compute/v2/flavors", json={"flavor": flavor, "extra": 1}, headers=h(admin_token))
    assert resp.status_code == 200, resp.text
    assert resp.json()["flavor"]["name"] == "legacy"
    assert resp.json()["flavor"]["links"][1]["href"] == "http://testserver/compute/flavors/old"


# -- private flavors and access ---------------------------------------------------------------
def test_private_flavor_is_only_seen_by_projects_it_is_shared_with(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    created(client, admin_token, id="p1", name="private", **{"os-flavor-access:is_public": False})
    assert "itemNotFound" in client.get(f"{FLAVORS}/p1", headers=h(demo_token)).json()
    assert "p1" not in ids(client, demo_token, "?is_public=none")
    # Admins list public flavors by default, and private ones when asked.
    assert "p1" not in ids(client, admin_token)
    assert "p1" in ids(client, admin_token, "?is_public=none")
    assert ids(client, admin_token, "?is_public=false") == ["p1"]
    demo = project_id(client, admin_token, "demo")
    add = {"addTenantAccess": {"tenant": demo}}
    resp = client.post(f"{FLAVORS}/p1/action", json=add, headers=h(admin_token))
    assert resp.status_code == 200 and resp.json() == {
        "flavor_access": [{"flavor_id": "p1", "tenant_id": demo}]
    }
    assert client.get(f"{FLAVORS}/p1", headers=h(demo_token)).status_code == 200
    assert "p1" in ids(client, demo_token)
    listed = client.get(f"{FLAVORS}/p1/os-flavor-access", headers=h(admin_token))
    assert listed.json() == {"flavor_access": [{"flavor_id": "p1", "tenant_id": demo}]}
    remove = {"removeTenantAccess": {"tenant": demo}}
    resp = client.post(f"{FLAVORS}/p1/action", json=remove, headers=h(admin_token))
    assert resp.status_code == 200 and resp.json() == {"flavor_access": []}
    fault(client.get(f"{FLAVORS}/p1", headers=h(demo_token)), 404)


def test_flavor_access_errors(client: TestClient, admin_token: str, demo_token: str) -> None:
    created(client, admin_token, id="p2", name="private2", **{"os-flavor-access:is_public": False})
    demo = project_id(client, admin_token, "demo")
    action = f"{FLAVORS}/p2/action"
    msg = fault(client.get(f"{FLAVORS}/1/os-flavor-access", headers=h(admin_token)), 404)
    assert msg == "Access list not available for public flavors."
    assert fault(
        client.post(action, json={"addTenantAccess": {"tenant": "nope"}}, headers=h(admin_token)), 400
    )
    assert (
        client.post(action, json={"addTenantAccess": {"tenant": demo}}, headers=h(admin_token)).status_code
        == 200
    )
    fault(client.post(action, json={"addTenantAccess": {"tenant": demo}}, headers=h(admin_token)), 409)
    msg = fault(
        client.post(action, json={"removeTenantAccess": {"tenant": "nope"}}, headers=h(admin_token)), 404
    )
    assert msg == "Flavor access not found for p2 / nope combination."
    fault(
        client.post(
            f"{FLAVORS}/zz/action", json={"addTenantAccess": {"tenant": demo}}, headers=h(admin_token)
        ),
        404,
    )
    assert (
        fault(client.post(action, json={"fly": {}}, headers=h(admin_token)), 400)
        == "There is no such action: fly"
    )
    fault(client.post(action, json={"a": 1, "b": 2}, headers=h(admin_token)), 400)
    fault(client.post(action, json={"addTenantAccess": {}}, headers=h(admin_token)), 400)
    fault(client.post(action, json={"addTenantAccess": {"tenant": demo}}, headers=h(demo_token)), 403)
    fault(client.post(action, json={"removeTenantAccess": {"tenant": demo}}, headers=h(demo_token)), 403)
    fault(client.get(f"{FLAVORS}/p2/os-flavor-access", headers=h(demo_token)), 403)


def test_sharing_a_public_flavor_is_a_conflict_from_2_7(client: TestClient, admin_token: str) -> None:
    demo = project_id(client, admin_token, "demo")
    body = {"addTenantAccess": {"tenant": demo}}
    msg = fault(client.post(f"{FLAVORS}/1/action", json=body, headers=h(admin_token, "2.7")), 409)
    assert msg == "Can not add access to a public flavor."
    assert client.post(f"{FLAVORS}/1/action", json=body, headers=h(admin_token, "2.6")).status_code == 200


def test_get_for_project_is_what_server_code_relies_on(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    created(client, admin_token, id="p3", name="private3", **{"os-flavor-access:is_public": False})
    with cloud.db.read() as s:
        assert cloud.flavors.get_for_project(s, "1", "any-project", False).name == "m1.tiny"
        assert cloud.flavors.get_for_project(s, "p3", None, True).id == "p3"
        for flavor_id in ("p3", "missing"):
            with pytest.raises(NotFound) as err:
                cloud.flavors.get_for_project(s, flavor_id, "any-project", False)
            assert err.value.kind == "flavor" and err.value.ident == flavor_id


# -- listing -------------------------------------------------------------------------------------
def test_filters_and_sorting(client: TestClient, admin_token: str, demo_token: str) -> None:
    assert ids(client, demo_token, "?minRam=4096") == ["3", "4", "5"]
    assert ids(client, demo_token, "?minDisk=40&minRam=8192") == ["4", "5"]
    assert ids(client, demo_token, "?sort_key=memory_mb&sort_dir=desc") == ["5", "4", "3", "2", "1"]
    assert ids(client, demo_token, "?sort_key=name") == ["4", "3", "2", "1", "5"]
    # A non-admin's is_public is ignored, even when it is not a boolean.
    assert ids(client, demo_token, "?is_public=false") == ["1", "2", "3", "4", "5"]
    assert ids(client, demo_token, "?is_public=bogus") == ["1", "2", "3", "4", "5"]
    for query in ("?minRam=big", "?minDisk=1.5", "?sort_key=colour", "?sort_dir=up", "?limit=-1", "?limit=x"):
        fault(client.get(f"{FLAVORS}{query}", headers=h(demo_token)), 400)
    assert (
        fault(client.get(f"{FLAVORS}?is_public=bogus", headers=h(admin_token)), 400)
        == "Invalid is_public filter [bogus]"
    )


def test_paging_with_limit_and_marker(client: TestClient, demo_token: str) -> None:
    resp = client.get(f"{FLAVORS}/detail?limit=2&minRam=1", headers=h(demo_token)).json()
    assert [f["id"] for f in resp["flavors"]] == ["1", "2"]
    (link,) = resp["flavors_links"]
    assert link["rel"] == "next"
    assert link["href"] == "http://testserver/compute/v2.1/flavors/detail?limit=2&minRam=1&marker=2"
    nxt = client.get(link["href"], headers=h(demo_token)).json()
    assert [f["id"] for f in nxt["flavors"]] == ["3", "4"]
    last = client.get(f"{FLAVORS}?limit=2&marker=4", headers=h(demo_token)).json()
    assert [f["id"] for f in last["flavors"]] == ["5"] and "flavors_links" not in last
    assert ids(client, demo_token, "?sort_dir=desc&marker=3") == ["2", "1"]
    assert ids(client, demo_token, "?limit=0") == []
    assert (
        fault(client.get(f"{FLAVORS}?marker=nope", headers=h(demo_token)), 400) == "marker [nope] not found"
    )


def test_unknown_query_parameters_are_refused_from_2_75(client: TestClient, demo_token: str) -> None:
    assert client.get(f"{FLAVORS}?colour=red", headers=h(demo_token, "2.74")).status_code == 200
    msg = fault(client.get(f"{FLAVORS}/detail?colour=red", headers=h(demo_token, "2.75")), 400)
    assert "'colour' was unexpected" in msg


# -- extra specs ---------------------------------------------------------------------------------
def test_extra_specs_round_trip(client: TestClient, admin_token: str, demo_token: str) -> None:
    specs = f"{FLAVORS}/2/os-extra_specs"
    body = {"extra_specs": {"hw:cpu_policy": "dedicated", "hw:numa_nodes": 1, "my key.x": "v"}}
    resp = client.post(specs, json=body, headers=h(admin_token))
    assert resp.status_code == 200 and resp.json() == body  # echoed as sent
    stored = {"hw:cpu_policy": "dedicated", "hw:numa_nodes": "1", "my key.x": "v"}
    assert client.get(specs, headers=h(demo_token)).json() == {"extra_specs": stored}
    assert client.get(f"{specs}/hw:numa_nodes", headers=h(demo_token)).json() == {"hw:numa_nodes": "1"}
    resp = client.put(f"{specs}/hw:numa_nodes", json={"hw:numa_nodes": "2"}, headers=h(admin_token))
    assert resp.status_code == 200 and resp.json() == {"hw:numa_nodes": "2"}
    shown = client.get(f"{FLAVORS}/2", headers=h(demo_token, "2.61")).json()["flavor"]
    assert shown["extra_specs"]["hw:numa_nodes"] == "2"
    detail = client.get(f"{FLAVORS}/detail", headers=h(demo_token, "2.61")).json()["flavors"]
    assert next(f for f in detail if f["id"] == "2")["extra_specs"] == {**stored, "hw:numa_nodes": "2"}
    resp = client.delete(f"{specs}/my key.x", headers=h(admin_token))
    assert resp.status_code == 200 and resp.content == b""
    msg = fault(client.get(f"{specs}/my key.x", headers=h(demo_token)), 404)
    assert msg == "Flavor 2 has no extra specs with key my key.x."
    fault(client.delete(f"{specs}/my key.x", headers=h(admin_token)), 404)


def test_extra_specs_errors(client: TestClient, admin_token: str, demo_token: str) -> None:
    specs = f"{FLAVORS}/2/os-extra_specs"
    fault(client.post(specs, json={"extra_specs": {"a": "b"}}, headers=h(demo_token)), 403)
    fault(client.put(f"{specs}/a", json={"a": "b"}, headers=h(demo_token)), 403)
    fault(client.delete(f"{specs}/a", headers=h(demo_token)), 403)
    for bad in (
        {"extra_specs": {"bad/key": "v"}},
        {"extra_specs": {"k": "v" * 256}},
        {"extra_specs": {"k": ["v"]}},
        {"extra_specs": {"k": True}},
        {"extra_specs": {"k": None}},
        {"extra_specs": []},
        {"specs": {}},
    ):
        fault(client.post(specs, json=bad, headers=h(admin_token)), 400)
    msg = fault(client.put(f"{specs}/a", json={"b": "1"}, headers=h(admin_token)), 400)
    assert msg == "Request body and URI mismatch"
    fault(client.put(f"{specs}/a", json={"a": "1", "b": "2"}, headers=h(admin_token)), 400)
    fault(client.put(f"{specs}/a", json={}, headers=h(admin_token)), 400)
    fault(client.get(f"{FLAVORS}/nope/os-extra_specs", headers=h(demo_token)), 404)
    fault(
        client.post(f"{FLAVORS}/nope/os-extra_specs", json={"extra_specs": {}}, headers=h(admin_token)), 404
    )


def test_a_private_flavors_specs_are_hidden_from_strangers(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    created(client, admin_token, id="p4", name="private4", **{"os-flavor-access:is_public": False})
    fault(client.get(f"{FLAVORS}/p4/os-extra_specs", headers=h(demo_token)), 404)


SPEC_CHECKS: list[tuple[dict[str, Any], bool]] = [
    ({"hw:cpu_policy": "shared"}, True),
    ({"hw:cpu_policy": "bogus"}, False),
    ({"hw:numa_nodes": "0"}, False),
    ({"hw:numa_nodes": 2}, True),
    ({"hw:numa_cpus.0": "0-3,^2"}, True),
    ({"hw:mem_page_size": "2MB"}, True),
    ({"hw:mem_page_size": "huge"}, False),
    ({"hw_rng:allowed": "yes"}, True),
    ({"hw_rng:allowed": "sure"}, False),
    ({"hw:no_such_thing": "1"}, False),
    ({"quota:disk_read_bytes_sec": "10240000"}, True),
    ({"hw:redirected_usb_ports": "16"}, False),
    ({"resources:VGPU": "1"}, True),
    ({"resources1:CUSTOM_GOLD": "x"}, False),
    ({"trait:HW_CPU_X86_AVX2": "required"}, True),
    ({"trait:HW_CPU_X86_AVX2": "wanted"}, False),
    ({"aggregate_instance_extra_specs:ssd": "true"}, True),
    ({"mine:anything": "goes"}, True),
    ({"no-namespace": "goes"}, True),
]


def test_known_extra_specs_are_checked_from_2_86(client: TestClient, admin_token: str) -> None:
    specs = f"{FLAVORS}/3/os-extra_specs"
    for spec, ok in SPEC_CHECKS:
        resp = client.post(specs, json={"extra_specs": spec}, headers=h(admin_token, "2.86"))
        assert resp.status_code == (200 if ok else 400), (spec, resp.text)
        if not ok:
            assert resp.json()["badRequest"]["message"].startswith("Validation failed;")
            (key,) = spec
            assert client.put(f"{specs}/{key}", json=spec, headers=h(admin_token, "2.86")).status_code == 400
            # Before 2.86 Nova stores whatever it is given.
            assert (
                client.post(specs, json={"extra_specs": spec}, headers=h(admin_token, "2.85")).status_code
                == 200
            )
