"""A request body of a media type the service does not read is refused the way the real
service refuses it: Nova 415 ``badMediaType``, Keystone 400; and nothing is created."""

from __future__ import annotations

import orjson
import pytest
from starlette.testclient import TestClient

from tests.conftest import DEMO_PASSWORD
from tests.functional.conftest import auth_headers, password_auth

KEYPAIRS = "/compute/v2.1/os-keypairs"
OTHER = ["application/xml", "multipart/form-data", "application/x-www-form-urlencoded"]


@pytest.mark.parametrize("media", OTHER)
def test_compute_refuses_other_media_types_with_415(client: TestClient, demo_token: str, media: str) -> None:
    body = orjson.dumps({"keypair": {"name": "k1", "type": "ssh"}})
    headers = {**auth_headers(demo_token), "Content-Type": media, "OpenStack-API-Version": "compute 2.1"}
    resp = client.post(KEYPAIRS, content=body, headers=headers)
    assert resp.status_code == 415
    assert resp.json() == {"badMediaType": {"code": 415, "message": "Unsupported Content-Type"}}
    assert client.get(KEYPAIRS, headers=auth_headers(demo_token)).json()["keypairs"] == []


@pytest.mark.parametrize("media", [None, "application/json; charset=utf-8", "text/plain"])
def test_compute_reads_json_and_what_nova_tolerates(
    client: TestClient, demo_token: str, media: str | None
) -> None:
    headers = auth_headers(demo_token)
    if media is not None:
        headers["Content-Type"] = media
    body = orjson.dumps({"keypair": {"name": "k1"}})
    resp = client.post(KEYPAIRS, content=body, headers=headers)
    assert resp.status_code == 200, resp.text


def test_identity_refuses_a_body_not_declared_json_with_400(client: TestClient) -> None:
    body = orjson.dumps(password_auth("demo", DEMO_PASSWORD, "demo"))
    resp = client.post("/identity/v3/auth/tokens", content=body, headers={"Content-Type": "text/xml"})
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == "Expecting to find application/json in Content-Type header."
    resp = client.post("/identity/v3/auth/tokens", content=body)
    assert resp.status_code == 201
