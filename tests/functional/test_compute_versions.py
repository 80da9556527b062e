"""The compute mount's version documents, the catalog entry, and /compute/v2's relaxed mode."""

from __future__ import annotations

from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from tests.functional.conftest import auth_headers


def test_version_documents_need_no_token(client: TestClient) -> None:
    versions = client.get("/compute/").json()["versions"]
    current = next(v for v in versions if v["id"] == "v2.1")
    assert current["status"] == "CURRENT" and current["min_version"] == "2.1"
    assert tuple(map(int, current["version"].split("."))) >= (2, 79)
    shown = client.get("/compute/v2.1").json()["version"]
    assert shown["version"] == current["version"] and shown["links"][0]["href"].endswith("/compute/v2.1/")


def test_catalog_lists_compute(client: TestClient, demo_token: str) -> None:
    resp = client.get("/identity/v3/auth/catalog", headers=auth_headers(demo_token))
    compute = next(s for s in resp.json()["catalog"] if s["type"] == "compute")
    assert {e["url"] for e in compute["endpoints"]} == {"http://127.0.0.1:5000/compute/v2.1"}


def test_legacy_v2_ignores_unknown_fields_and_sends_no_version_headers(
    client: TestClient, cloud: Cloud, demo_token: str
) -> None:
    image_id = seed_first_image(cloud.db, cloud.image_data)
    body = {"server": {"name": "old", "imageRef": image_id, "flavorRef": "1", "not_a_field": 1}}
    strict = client.post("/compute/v2.1/servers", json=body, headers=auth_headers(demo_token))
    assert strict.status_code == 400 and "not_a_field" in strict.json()["badRequest"]["message"]
    relaxed = client.post("/compute/v2/servers", json=body, headers=auth_headers(demo_token))
    assert relaxed.status_code == 202, relaxed.text
    assert "OpenStack-API-Version" not in relaxed.headers
    listed = client.get("/compute/v2/servers", headers=auth_headers(demo_token)).json()["servers"]
    assert [s["name"] for s in listed] == ["old"]
