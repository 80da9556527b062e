"""/v3/users/{id}/credentials/OS-EC2 and POST /v3/ec2tokens with real AWS signatures
(made by botocore, an independent signer)."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlsplit

import pytest
from botocore.auth import SigV2Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers
from tests.functional.delegation_support import TOKENS, V3

EC2_URL = "http://ec2.example.com:8788/"


def whoami(client: TestClient, token: str) -> dict:
    return client.get(TOKENS, headers={**auth_headers(token), "X-Subject-Token": token}).json()["token"]


def ec2_path(user_id: str, access: str = "") -> str:
    return f"{V3}/users/{user_id}/credentials/OS-EC2" + (f"/{access}" if access else "")


@pytest.fixture
def demo_ec2(client: TestClient, demo_token: str) -> dict:
    demo = whoami(client, demo_token)
    resp = client.post(
        ec2_path(demo["user"]["id"]),
        json={"tenant_id": demo["project"]["id"]},
        headers=auth_headers(demo_token),
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["credential"]


def test_ec2_credentials_of_a_user(
    client: TestClient, demo_token: str, admin_token: str, demo_ec2: dict
) -> None:
    demo = whoami(client, demo_token)
    user_id = demo["user"]["id"]
    assert demo_ec2["user_id"] == user_id and demo_ec2["tenant_id"] == demo["project"]["id"]
    assert demo_ec2["access"] and demo_ec2["secret"]
    listed = client.get(ec2_path(user_id), headers=auth_headers(demo_token)).json()["credentials"]
    assert [c["access"] for c in listed] == [demo_ec2["access"]]
    one = client.get(ec2_path(user_id, demo_ec2["access"]), headers=auth_headers(demo_token)).json()[
        "credential"
    ]
    assert {k: one[k] for k in ("access", "secret", "user_id", "tenant_id")} == {
        k: demo_ec2[k] for k in ("access", "secret", "user_id", "tenant_id")
    }
    # It is an ec2 credential of /v3/credentials, its id the sha256 of the access key.
    cred_id = hashlib.sha256(demo_ec2["access"].encode()).hexdigest()
    assert (
        client.get(f"{V3}/credentials/{cred_id}", headers=auth_headers(demo_token)).json()["credential"][
            "type"
        ]
        == "ec2"
    )
    # Another user may not read or make them.
    admin_id = whoami(client, admin_token)["user"]["id"]
    assert client.get(ec2_path(admin_id), headers=auth_headers(demo_token)).status_code == 403
    resp = client.post(
        ec2_path(admin_id), json={"tenant_id": demo["project"]["id"]}, headers=auth_headers(demo_token)
    )
    assert resp.status_code == 403
    assert (
        client.delete(ec2_path(user_id, demo_ec2["access"]), headers=auth_headers(demo_token)).status_code
        == 204
    )
    assert (
        client.get(ec2_path(user_id, demo_ec2["access"]), headers=auth_headers(demo_token)).status_code == 404
    )


def _v2_credentials(access: str, secret: str) -> dict:
    request = AWSRequest(
        method="POST", url=EC2_URL, data={"Action": "DescribeInstances", "Version": "2016-11-15"}
    )
    SigV2Auth(Credentials(access, secret)).add_auth(request)
    params = dict(request.data)
    signature = params.pop("Signature")
    split = urlsplit(EC2_URL)
    return {
        "access": access,
        "signature": signature,
        "host": split.netloc,
        "verb": "POST",
        "path": "/",
        "params": params,
    }


def _v4_credentials(access: str, secret: str) -> dict:
    request = AWSRequest(method="GET", url=EC2_URL + "?Action=DescribeRegions&Version=2016-11-15")
    SigV4Auth(Credentials(access, secret), "ec2", "RegionOne").add_auth(request)
    headers = dict(request.headers)
    headers["Host"] = urlsplit(EC2_URL).netloc
    authorization = headers["Authorization"]
    return {
        "access": access,
        "signature": authorization.rpartition("Signature=")[2],
        "host": urlsplit(EC2_URL).netloc,
        "verb": "GET",
        "path": "/",
        "params": dict(parse_qsl(urlsplit(request.url).query)),
        "headers": headers,
        "body_hash": hashlib.sha256(b"").hexdigest(),
    }


@pytest.mark.parametrize("sign", [_v2_credentials, _v4_credentials])
def test_ec2tokens_checks_the_signature(
    client: TestClient, admin_token: str, demo_token: str, demo_ec2: dict, sign
) -> None:
    creds = sign(demo_ec2["access"], demo_ec2["secret"])
    resp = client.post(f"{V3}/ec2tokens", json={"credentials": creds}, headers=auth_headers(admin_token))
    assert resp.status_code == 200, resp.text
    token = resp.json()["token"]
    demo = whoami(client, demo_token)
    assert token["user"]["id"] == demo["user"]["id"]
    assert token["project"]["id"] == demo["project"]["id"]
    assert token["methods"] == ["ec2credential"]
    issued = resp.headers["X-Subject-Token"]
    assert client.get(f"{V3}/auth/projects", headers=auth_headers(issued)).status_code == 200
    forged = sign(demo_ec2["access"], "wrong-secret")
    resp = client.post(f"{V3}/ec2tokens", json={"credentials": forged}, headers=auth_headers(admin_token))
    assert resp.status_code == 401
    unknown = sign("unknown-access", demo_ec2["secret"])
    assert (
        client.post(
            f"{V3}/ec2tokens", json={"credentials": unknown}, headers=auth_headers(admin_token)
        ).status_code
        == 404
    )
    # Only services and administrators may turn signatures into tokens.
    assert (
        client.post(
            f"{V3}/ec2tokens", json={"credentials": creds}, headers=auth_headers(demo_token)
        ).status_code
        == 403
    )
