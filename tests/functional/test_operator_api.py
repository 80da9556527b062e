"""The Operator API (issue 12): its discovery documents, who may call it, fault injection and
token keys; ``/healthcheck``."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from pocketstack.api.operator.routes import TABLE
from pocketstack.cloud import Cloud
from tests.functional.conftest import auth_headers

OP = "/operator"


def test_the_root_lists_every_route_and_the_catalog_names_the_api(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    home = client.get(f"{OP}/")
    assert home.status_code == 200
    assert home.headers["content-type"] == "application/json-home"
    rels = set(home.json()["resources"])
    assert rels == {f"urn:pocketstack:operator:rel:{route.rel}" for route in TABLE}
    openapi = client.get(f"{OP}/openapi.json").json()
    assert openapi["info"]["title"] == "pocketstack Operator"
    assert {p for p in openapi["paths"]} >= {"/faults", "/keys", "/keys/rotate"}
    catalog = client.get("/identity/v3/auth/catalog", headers=auth_headers(admin_token)).json()["catalog"]
    operator = next(entry for entry in catalog if entry["type"] == "operator")
    assert {e["url"] for e in operator["endpoints"]} == {f"{cloud.settings.base_url}/operator"}


@pytest.mark.parametrize(
    "route", [r for r in TABLE if r.policy is not None], ids=lambda r: f"{r.method} {r.path}"
)
def test_only_a_system_admin_passes_an_operator_route(
    client: TestClient, admin_token: str, demo_token: str, route: object
) -> None:
    """A project admin (the cloud admin of every other API) is refused here: the scope is the
    system's; without a token, 401. The refusal comes before the body is read."""
    path = route.path.replace("{id}", "x")  # type: ignore[attr-defined]
    method = route.method  # type: ignore[attr-defined]
    for token, status in ((admin_token, 403), (demo_token, 403), (None, 401)):
        headers = auth_headers(token) if token else {}
        resp = client.request(
            method, OP + path, headers=headers, json={} if method in ("POST", "PATCH") else None
        )
        assert resp.status_code == status, (token is None, resp.text)
        assert resp.json()["errors"][0]["status"] == status


def test_fault_injection_is_the_same_settings_as_compute_v21s(
    client: TestClient, system_admin_token: str, admin_token: str
) -> None:
    h = auth_headers(system_admin_token)
    resp = client.patch(f"{OP}/faults", json={"fail_builds": 2, "build_delay": 0.5}, headers=h)
    assert resp.status_code == 200, resp.text
    assert resp.json()["fail_builds"] == 2
    assert resp.json()["_links"]["self"]["href"].endswith("/operator/faults")
    old = client.get("/compute/v2.1/os-pocketstack-faults", headers=auth_headers(admin_token)).json()
    assert old["faults"] == {"fail_builds": 2, "fail_actions": 0, "crash_builds": 0, "build_delay": 0.5}
    assert client.patch(f"{OP}/faults", json={"fail_builds": 0}, headers=h).json()["fail_builds"] == 0
    assert client.get(f"{OP}/faults", headers=h).json()["build_delay"] == 0.5


@pytest.mark.parametrize(
    "body", [{"fail_builds": -1}, {"build_delay": "soon"}, {"fail_all": 1}, [1]], ids=str
)
def test_bad_fault_settings_are_refused_and_change_nothing(
    client: TestClient, system_admin_token: str, body: object
) -> None:
    h = auth_headers(system_admin_token)
    resp = client.patch(f"{OP}/faults", json=body, headers=h)
    assert resp.status_code == 400, resp.text
    assert resp.json()["errors"][0]["status"] == 400
    assert client.get(f"{OP}/faults", headers=h).json()["fail_builds"] == 0


def test_keys_show_stages_never_material_and_a_rotation_keeps_tokens_valid(
    client: TestClient, cloud: Cloud, system_admin_token: str, demo_token: str
) -> None:
    h = auth_headers(system_admin_token)
    before = client.get(f"{OP}/keys", headers=h).json()["keys"]
    assert [k["stage"] for k in before] == ["primary", "staged"]
    material = {p.read_text().strip() for p in cloud.settings.keys_dir.iterdir() if p.name.isdigit()}
    rotated = client.post(f"{OP}/keys/rotate", headers=h)
    assert rotated.status_code == 200, rotated.text
    after = rotated.json()["keys"]
    assert [k["stage"] for k in after] == ["primary", "secondary", "staged"]
    assert after[0]["id"] == str(int(before[0]["id"]) + 1)
    assert not any(secret in rotated.text for secret in material)
    # A token sealed with the old primary still validates; a new one is sealed with the new.
    assert client.get("/compute/v2.1/flavors", headers=auth_headers(demo_token)).status_code == 200
    assert client.get(f"{OP}/keys", headers=h).json()["keys"] == after


def test_a_body_that_is_not_json_is_415_and_an_accept_without_json_is_406(
    client: TestClient, system_admin_token: str
) -> None:
    h = auth_headers(system_admin_token)
    resp = client.patch(f"{OP}/faults", content=b"fail_builds=1", headers={**h, "Content-Type": "text/plain"})
    assert resp.status_code == 415
    assert client.get(f"{OP}/faults", headers={**h, "Accept": "text/html"}).status_code == 406


def test_healthcheck_answers_ok_anonymously(client: TestClient) -> None:
    resp = client.get("/healthcheck")
    assert (resp.status_code, resp.text) == (200, "OK")
    assert resp.headers["content-type"].startswith("text/plain")
    assert client.head("/healthcheck").status_code == 204


def test_healthcheck_says_503_and_why_when_the_database_is_gone(cloud: Cloud, client: TestClient) -> None:
    from sqlalchemy import create_engine

    cloud.db.engine = create_engine("sqlite:////nonexistent-dir/pocketstack.db")
    resp = client.get("/healthcheck")
    assert resp.status_code == 503
    assert resp.text.startswith("database unreachable")
