"""Compute v2.1 keypairs: generate, import, list, show, delete, per user, with Nova's codes."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.errors import NotFound
from pocketstack.core.identity.common import utcnow
from tests.functional.conftest import auth_headers

KEYPAIRS = "/compute/v2.1/os-keypairs"


def h(token: str, version: str | None = None) -> dict[str, str]:
    headers = auth_headers(token)
    if version:
        headers["OpenStack-API-Version"] = f"compute {version}"
    return headers


def create(client: TestClient, token: str, version: str | None = None, **fields: Any) -> httpx.Response:
    return client.post(KEYPAIRS, json={"keypair": fields}, headers=h(token, version))


def fault(resp: httpx.Response, status: int) -> str:
    names = {400: "badRequest", 403: "forbidden", 404: "itemNotFound", 409: "conflictingRequest"}
    assert resp.status_code == status, resp.text
    body = resp.json()[names[status]]
    assert body["code"] == status
    return body["message"]


def names(client: TestClient, token: str, query: str = "", version: str | None = None) -> list[str]:
    resp = client.get(f"{KEYPAIRS}{query}", headers=h(token, version))
    assert resp.status_code == 200, resp.text
    return [k["keypair"]["name"] for k in resp.json()["keypairs"]]


def md5_fingerprint(public_key: str) -> str:
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


@pytest.fixture(scope="module")
def ed25519_public() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return (
        key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
        + " me@host"
    )


@pytest.fixture(scope="module")
def certificate() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "someone")])
    now = utcnow()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now.replace(year=now.year + 1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_generated_keypair_returns_its_private_key_once(client: TestClient, demo_token: str) -> None:
    resp = create(client, demo_token, name="gen")
    assert resp.status_code == 200  # 201 only from 2.2
    body = resp.json()["keypair"]
    assert set(body) == {"name", "public_key", "fingerprint", "user_id", "private_key"}
    private = serialization.load_pem_private_key(body["private_key"].encode(), password=None)
    assert body["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert isinstance(private, rsa.RSAPrivateKey) and private.key_size == 2048
    mine = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert body["public_key"] == mine.decode() + " Generated-by-Nova"
    assert body["fingerprint"] == md5_fingerprint(body["public_key"])
    shown = client.get(f"{KEYPAIRS}/gen", headers=h(demo_token)).json()["keypair"]
    assert "private_key" not in shown and "type" not in shown
    assert shown["public_key"] == body["public_key"] and shown["user_id"] == body["user_id"]
    assert shown["deleted"] is False and shown["deleted_at"] is None and shown["updated_at"] is None
    assert isinstance(shown["id"], int) and len(shown["created_at"]) == 26  # 2014-05-07T12:06:13.681238


def test_import_answers_201_with_type_from_2_2(
    client: TestClient, demo_token: str, ed25519_public: str
) -> None:
    resp = create(client, demo_token, "2.2", name="mine", public_key=ed25519_public)
    assert resp.status_code == 201
    body = resp.json()["keypair"]
    assert body["type"] == "ssh" and "private_key" not in body
    assert body["public_key"] == ed25519_public and body["fingerprint"] == md5_fingerprint(ed25519_public)
    listed = client.get(KEYPAIRS, headers=h(demo_token, "2.2")).json()["keypairs"]
    assert listed == [
        {
            "keypair": {
                "name": "mine",
                "public_key": ed25519_public,
                "fingerprint": body["fingerprint"],
                "type": "ssh",
            }
        }
    ]
    assert client.delete(f"{KEYPAIRS}/mine", headers=h(demo_token, "2.2")).status_code == 204
    assert names(client, demo_token) == []


def test_delete_answers_202_below_2_2_and_404_when_gone(
    client: TestClient, demo_token: str, ed25519_public: str
) -> None:
    create(client, demo_token, name="k", public_key=ed25519_public)
    assert client.delete(f"{KEYPAIRS}/k", headers=h(demo_token)).status_code == 202
    msg = fault(client.delete(f"{KEYPAIRS}/k", headers=h(demo_token)), 404)
    assert msg.startswith("Keypair k not found for user ")
    fault(client.get(f"{KEYPAIRS}/k", headers=h(demo_token)), 404)


def test_x509_keypairs(client: TestClient, demo_token: str, certificate: str) -> None:
    resp = create(client, demo_token, "2.2", name="cert", type="x509", public_key=certificate)
    assert resp.status_code == 201
    cert = x509.load_pem_x509_certificate(certificate.encode())
    assert resp.json()["keypair"]["fingerprint"] == cert.fingerprint(hashes.SHA1()).hex(":")
    generated = create(client, demo_token, "2.2", name="winrm", type="x509").json()["keypair"]
    key, cert, _ = pkcs12.load_key_and_certificates(base64.b64decode(generated["private_key"]), None)
    assert cert is not None and key is not None
    assert cert.public_bytes(serialization.Encoding.PEM).decode() == generated["public_key"]
    assert generated["fingerprint"] == cert.fingerprint(hashes.SHA1()).hex(":")
    msg = fault(create(client, demo_token, "2.2", name="bad", type="x509", public_key="not a cert"), 400)
    assert msg.startswith("Keypair data is invalid: failed to generate X509 fingerprint")
    fault(create(client, demo_token, "2.2", name="bad", type="rsa"), 400)
    fault(create(client, demo_token, "2.1", name="bad", type="ssh"), 400)  # no type before 2.2


def test_invalid_keys_names_and_duplicates(client: TestClient, demo_token: str, ed25519_public: str) -> None:
    msg = fault(create(client, demo_token, name="bad", public_key="ssh-rsa not-base64"), 400)
    assert msg == "Keypair data is invalid: failed to generate fingerprint"
    for bad in ("", " lead", "trail ", "x" * 256, "semi;colon", "dot.ted", "at@sign", "tab\tbed"):
        fault(create(client, demo_token, name=bad, public_key=ed25519_public), 400)
    for body in (
        {"name": "x", "public_key": None},
        {"name": "x", "extra": 1},
        {"public_key": ed25519_public},
    ):
        fault(client.post(KEYPAIRS, json={"keypair": body}, headers=h(demo_token)), 400)
    fault(client.post(KEYPAIRS, json={"name": "x"}, headers=h(demo_token)), 400)
    assert create(client, demo_token, name="with space-_1", public_key=ed25519_public).status_code == 200
    msg = fault(create(client, demo_token, name="with space-_1", public_key=ed25519_public), 409)
    assert msg == "Key pair 'with space-_1' already exists."
    shown = client.get(f"{KEYPAIRS}/with space-_1", headers=h(demo_token))
    assert shown.status_code == 200


def test_2_92_requires_a_public_key_and_allows_more_name_characters(
    client: TestClient, demo_token: str, ed25519_public: str
) -> None:
    fault(create(client, demo_token, "2.92", name="gen"), 400)
    resp = create(client, demo_token, "2.92", name="me@host.example", public_key=ed25519_public)
    assert resp.status_code == 201 and "private_key" not in resp.json()["keypair"]
    fault(create(client, demo_token, "2.91", name="me@host.example2", public_key=ed25519_public), 400)
    assert client.get(f"{KEYPAIRS}/me@host.example", headers=h(demo_token)).status_code == 200


def test_keypairs_are_private_to_their_user(
    client: TestClient, admin_token: str, demo_token: str, ed25519_public: str
) -> None:
    create(client, admin_token, name="admins", public_key=ed25519_public)
    create(client, demo_token, name="demos", public_key=ed25519_public)
    assert names(client, demo_token) == ["demos"]
    assert names(client, admin_token) == ["admins"]
    fault(client.get(f"{KEYPAIRS}/admins", headers=h(demo_token)), 404)
    fault(client.delete(f"{KEYPAIRS}/admins", headers=h(demo_token)), 404)
    # The same name may be used by two users.
    assert create(client, demo_token, name="admins", public_key=ed25519_public).status_code == 200


def test_admin_acts_for_another_user_from_2_10(
    client: TestClient, admin_token: str, demo_token: str, ed25519_public: str
) -> None:
    demo_user = create(client, demo_token, name="own", public_key=ed25519_public).json()["keypair"]["user_id"]
    admin_user = create(client, admin_token, name="adm", public_key=ed25519_public).json()["keypair"][
        "user_id"
    ]
    resp = create(client, admin_token, "2.10", name="given", public_key=ed25519_public, user_id=demo_user)
    assert resp.status_code == 201 and resp.json()["keypair"]["user_id"] == demo_user
    assert names(client, demo_token) == ["given", "own"]
    assert names(client, admin_token, f"?user_id={demo_user}", "2.10") == ["given", "own"]
    assert names(client, admin_token, f"?user_id={demo_user}", "2.9") == ["adm"]  # ignored before 2.10
    shown = client.get(f"{KEYPAIRS}/given?user_id={demo_user}", headers=h(admin_token, "2.10"))
    assert shown.json()["keypair"]["user_id"] == demo_user
    deleted = client.delete(f"{KEYPAIRS}/given?user_id={demo_user}", headers=h(admin_token, "2.10"))
    assert deleted.status_code == 204 and names(client, demo_token) == ["own"]
    # A user may name itself, but nobody else.
    assert names(client, demo_token, f"?user_id={demo_user}", "2.10") == ["own"]
    assert "other_user" in fault(
        client.get(f"{KEYPAIRS}?user_id={admin_user}", headers=h(demo_token, "2.10")), 403
    )
    fault(create(client, demo_token, "2.10", name="x", public_key=ed25519_public, user_id=admin_user), 403)
    fault(client.get(f"{KEYPAIRS}/adm?user_id={admin_user}", headers=h(demo_token, "2.10")), 403)
    fault(create(client, admin_token, "2.9", name="y", public_key=ed25519_public, user_id=demo_user), 400)


def test_paging_from_2_35(client: TestClient, cloud: Cloud, demo_token: str, ed25519_public: str) -> None:
    user = create(client, demo_token, name="k0", public_key=ed25519_public).json()["keypair"]["user_id"]
    for name in ("k3", "k1", "k2"):
        cloud.keypairs.create(user, name, public_key=ed25519_public)
    body = client.get(f"{KEYPAIRS}?limit=2", headers=h(demo_token, "2.35")).json()
    assert [k["keypair"]["name"] for k in body["keypairs"]] == ["k0", "k1"]
    (link,) = body["keypairs_links"]
    assert link == {"rel": "next", "href": "http://testserver/compute/v2.1/os-keypairs?limit=2&marker=k1"}
    body = client.get(link["href"], headers=h(demo_token, "2.35")).json()
    assert [k["keypair"]["name"] for k in body["keypairs"]] == ["k2", "k3"]
    assert names(client, demo_token, "?marker=k2", "2.35") == ["k3"]
    assert "keypairs_links" not in client.get(f"{KEYPAIRS}?limit=9", headers=h(demo_token, "2.35")).json()
    # Before 2.35 there is no paging: both parameters are ignored.
    assert names(client, demo_token, "?limit=1&marker=nope", "2.34") == ["k0", "k1", "k2", "k3"]
    assert fault(client.get(f"{KEYPAIRS}?marker=nope", headers=h(demo_token, "2.35")), 400) == (
        "Marker nope could not be found."
    )
    for query in ("?limit=-1", "?limit=two"):
        fault(client.get(f"{KEYPAIRS}{query}", headers=h(demo_token, "2.35")), 400)


def test_unknown_query_parameters_are_refused_from_2_75(client: TestClient, demo_token: str) -> None:
    assert client.get(f"{KEYPAIRS}?colour=red", headers=h(demo_token, "2.74")).status_code == 200
    fault(client.get(f"{KEYPAIRS}?colour=red", headers=h(demo_token, "2.75")), 400)
    fault(client.get(f"{KEYPAIRS}/x?colour=red", headers=h(demo_token, "2.75")), 400)
    fault(client.delete(f"{KEYPAIRS}/x?colour=red", headers=h(demo_token, "2.75")), 400)


def test_quota_of_100_keypairs_per_user(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str, ed25519_public: str
) -> None:
    user = create(client, demo_token, name="k000", public_key=ed25519_public).json()["keypair"]["user_id"]
    for i in range(1, 100):
        cloud.keypairs.create(user, f"k{i:03}", public_key=ed25519_public)
    msg = fault(create(client, demo_token, name="one-too-many", public_key=ed25519_public), 403)
    assert msg == "Quota exceeded, too many key pairs."
    assert client.delete(f"{KEYPAIRS}/k000", headers=h(demo_token)).status_code == 202
    assert create(client, demo_token, name="fits", public_key=ed25519_public).status_code == 200
    # The limit is the project's key_pairs quota, which an admin may change (-1: none).
    demo = client.get("/identity/v3/projects", params={"name": "demo"}, headers=h(admin_token))
    project = demo.json()["projects"][0]["id"]
    cloud.quotas.set_limits(project, {"key_pairs": -1})
    assert create(client, demo_token, name="unlimited", public_key=ed25519_public).status_code == 200
    cloud.quotas.set_limits(project, {"key_pairs": 5}, force=True)
    fault(create(client, demo_token, name="over", public_key=ed25519_public), 403)


def test_legacy_v2_strips_names(client: TestClient, demo_token: str, ed25519_public: str) -> None:
    body = {"keypair": {"name": "  old style  ", "public_key": ed25519_public}, "ignored": True}
    resp = client.post("/compute/v2/os-keypairs", json=body, headers=h(demo_token))
    assert resp.status_code == 200 and resp.json()["keypair"]["name"] == "old style"


def test_get_public_key_is_what_server_code_relies_on(
    client: TestClient, cloud: Cloud, demo_token: str, ed25519_public: str
) -> None:
    user = create(client, demo_token, name="boot", public_key=ed25519_public).json()["keypair"]["user_id"]
    with cloud.db.read() as s:
        assert cloud.keypairs.get_public_key(s, user, "boot").public_key == ed25519_public
        with pytest.raises(NotFound) as err:
            cloud.keypairs.get_public_key(s, user, "nope")
    assert err.value.kind == "keypair" and err.value.ident == "nope"
