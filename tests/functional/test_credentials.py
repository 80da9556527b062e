"""/v3/credentials: CRUD, the ec2 type, owners only, blobs encrypted at rest and rotatable."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.identity import credential_keys
from pocketstack.store.identity_delegation_models import Credential
from tests.functional.conftest import auth_headers
from tests.functional.delegation_support import TOKENS, V3

CREDS = f"{V3}/credentials"


def whoami(client: TestClient, token: str) -> dict:
    return client.get(TOKENS, headers={**auth_headers(token), "X-Subject-Token": token}).json()["token"]


def create(client: TestClient, token: str, status: int = 201, **fields) -> dict:
    resp = client.post(CREDS, json={"credential": fields}, headers=auth_headers(token))
    assert resp.status_code == status, resp.text
    return resp.json().get("credential", {})


def test_ec2_credential_lifecycle(client: TestClient, admin_token: str, demo_token: str) -> None:
    demo = whoami(client, demo_token)
    blob = json.dumps({"access": "AKIA-demo", "secret": "very-secret"})
    cred = create(
        client,
        admin_token,
        user_id=demo["user"]["id"],
        project_id=demo["project"]["id"],
        type="ec2",
        blob=blob,
    )
    assert cred["id"] == hashlib.sha256(b"AKIA-demo").hexdigest()
    assert json.loads(cred["blob"]) == {"access": "AKIA-demo", "secret": "very-secret"}
    assert cred["links"]["self"].endswith(f"/v3/credentials/{cred['id']}")
    new_blob = json.dumps({"access": "AKIA-demo", "secret": "rotated"})
    resp = client.patch(
        f"{CREDS}/{cred['id']}", json={"credential": {"blob": new_blob}}, headers=auth_headers(admin_token)
    )
    assert resp.status_code == 200, resp.text
    got = client.get(f"{CREDS}/{cred['id']}", headers=auth_headers(demo_token)).json()["credential"]
    assert json.loads(got["blob"])["secret"] == "rotated"
    assert got["user_id"] == demo["user"]["id"]
    assert client.delete(f"{CREDS}/{cred['id']}", headers=auth_headers(demo_token)).status_code == 204
    assert client.get(f"{CREDS}/{cred['id']}", headers=auth_headers(admin_token)).status_code == 404


def test_bad_credentials_are_refused(client: TestClient, admin_token: str) -> None:
    admin = whoami(client, admin_token)
    user, project = admin["user"]["id"], admin["project"]["id"]
    create(client, admin_token, 400, user_id=user, type="ec2", blob=json.dumps({"access": "x"}))  # no project
    create(client, admin_token, 400, user_id=user, project_id=project, type="ec2", blob="not json")
    create(
        client,
        admin_token,
        400,
        user_id=user,
        project_id=project,
        type="ec2",
        blob=json.dumps({"secret": "s"}),
    )
    create(client, admin_token, 400, user_id=user, blob="x")  # no type
    create(client, admin_token, 404, user_id="nobody", type="cert", blob="x")
    blob = json.dumps({"access": "same"})
    create(client, admin_token, 201, user_id=user, project_id=project, type="ec2", blob=blob)
    create(client, admin_token, 409, user_id=user, project_id=project, type="ec2", blob=blob)


def test_users_see_only_their_own(client: TestClient, admin_token: str, demo_token: str) -> None:
    admin = whoami(client, admin_token)
    demo = whoami(client, demo_token)
    mine = create(client, demo_token, user_id=demo["user"]["id"], type="cert", blob="demo-cert")
    theirs = create(client, admin_token, user_id=admin["user"]["id"], type="cert", blob="admin-cert")
    seen = [c["id"] for c in client.get(CREDS, headers=auth_headers(demo_token)).json()["credentials"]]
    assert seen == [mine["id"]]
    everything = client.get(CREDS, headers=auth_headers(admin_token)).json()["credentials"]
    assert {mine["id"], theirs["id"]} <= {c["id"] for c in everything}
    assert client.get(f"{CREDS}/{theirs['id']}", headers=auth_headers(demo_token)).status_code == 403
    create(client, demo_token, 403, user_id=admin["user"]["id"], type="cert", blob="x")
    only = client.get(f"{CREDS}?type=cert&user_id={admin['user']['id']}", headers=auth_headers(admin_token))
    assert [c["id"] for c in only.json()["credentials"]] == [theirs["id"]]


def test_blobs_are_encrypted_at_rest_and_survive_rotation(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    admin = whoami(client, admin_token)
    cred = create(client, admin_token, user_id=admin["user"]["id"], type="cert", blob="PLAINTEXT-SECRET")

    def row() -> Credential:
        with cloud.db.read() as s:
            return s.scalar(select(Credential).where(Credential.id == cred["id"]))

    before = row()
    assert "PLAINTEXT-SECRET" not in before.encrypted_blob
    keys_dir = cloud.settings.credential_keys_dir
    assert keys_dir != cloud.settings.keys_dir and (keys_dir / "0").exists()
    for _ in range(4):  # beyond max_active_keys: the key that first sealed the blob is pruned
        credential_keys.rotate(cloud.db, keys_dir, 3)
    after = row()
    assert after.key_hash != before.key_hash
    assert after.encrypted_blob != before.encrypted_blob
    fresh = credential_keys.CredentialCipher(keys_dir)
    assert fresh.open(after.encrypted_blob) == "PLAINTEXT-SECRET"
    got = client.get(f"{CREDS}/{cred['id']}", headers=auth_headers(admin_token))
    assert got.json()["credential"]["blob"] == "PLAINTEXT-SECRET"
