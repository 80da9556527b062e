"""/v3/users/{user_id}/application_credentials, and logging in with one end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.identity.common import utcnow
from pocketstack.store.models import ApplicationCredential
from tests.conftest import ADMIN_PASSWORD
from tests.functional.conftest import auth_headers, issue_token

V3 = "/identity/v3"
TOKENS = f"{V3}/auth/tokens"


def me(client: TestClient, token: str) -> str:
    """The user id of a token, as openstackclient finds it."""
    resp = client.get(TOKENS, headers={**auth_headers(token), "X-Subject-Token": token})
    assert resp.status_code == 200
    return resp.json()["token"]["user"]["id"]


def creds_path(user_id: str) -> str:
    return f"{V3}/users/{user_id}/application_credentials"


def create(client: TestClient, token: str, name: str = "app", **fields: Any) -> dict:
    body = {"application_credential": {"name": name, **fields}}
    resp = client.post(creds_path(me(client, token)), json=body, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()["application_credential"]


def cred_count(cloud: Cloud) -> int:
    with cloud.db.read() as s:
        return s.scalar(select(func.count()).select_from(ApplicationCredential))


def by_id(cred_id: str, secret: str) -> dict:
    return {
        "auth": {
            "identity": {
                "methods": ["application_credential"],
                "application_credential": {"id": cred_id, "secret": secret},
            }
        }
    }


def by_name(name: str, user: dict, secret: str) -> dict:
    return {
        "auth": {
            "identity": {
                "methods": ["application_credential"],
                "application_credential": {"name": name, "user": user, "secret": secret},
            }
        }
    }


def login(client: TestClient, body: dict) -> str:
    resp = client.post(TOKENS, json=body)
    assert resp.status_code == 201, resp.text
    return resp.headers["X-Subject-Token"]


def role_names(roles: list[dict]) -> set[str]:
    return {r["name"] for r in roles}


# -- create, show, list, delete ------------------------------------------------------------------
def test_create_shows_the_secret_once_and_stores_only_its_hash(
    client: TestClient, cloud: Cloud, demo_token: str
) -> None:
    demo_id = me(client, demo_token)
    cred = create(client, demo_token, "backup", description="nightly backups")
    assert cred["name"] == "backup"
    assert cred["description"] == "nightly backups"
    assert cred["user_id"] == demo_id
    assert cred["unrestricted"] is False
    assert cred["expires_at"] is None
    assert role_names(cred["roles"]) == {"member", "reader"}  # all of demo's roles on demo
    assert all(set(r) == {"id", "name", "domain_id"} and r["domain_id"] is None for r in cred["roles"])
    assert len(cred["secret"]) >= 64
    assert cred["links"]["self"].endswith(
        f"/identity/v3/users/{demo_id}/application_credentials/{cred['id']}"
    )
    token = client.get(TOKENS, headers={**auth_headers(demo_token), "X-Subject-Token": demo_token}).json()
    assert cred["project_id"] == token["token"]["project"]["id"]

    with cloud.db.read() as s:
        row = s.get(ApplicationCredential, cred["id"])
        assert row.secret_hash.startswith("$argon2id$")
        assert cred["secret"] not in row.secret_hash

    h = auth_headers(demo_token)
    shown = client.get(f"{creds_path(demo_id)}/{cred['id']}", headers=h)
    assert shown.status_code == 200
    expected = {k: v for k, v in cred.items() if k != "secret"}
    assert shown.json()["application_credential"] == expected
    listed = client.get(creds_path(demo_id), headers=h).json()
    assert listed["application_credentials"] == [expected]
    assert listed["links"]["self"].endswith(f"/users/{demo_id}/application_credentials")

    assert client.delete(f"{creds_path(demo_id)}/{cred['id']}", headers=h).status_code == 204
    assert client.get(f"{creds_path(demo_id)}/{cred['id']}", headers=h).status_code == 404
    assert client.delete(f"{creds_path(demo_id)}/{cred['id']}", headers=h).status_code == 404
    assert client.get(creds_path(demo_id), headers=h).json()["application_credentials"] == []


def test_list_filters_by_name_and_names_are_unique_per_user(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    create(client, demo_token, "one")
    two = create(client, demo_token, "two")
    demo_id = me(client, demo_token)
    h = auth_headers(demo_token)
    named = client.get(creds_path(demo_id), params={"name": "two"}, headers=h).json()
    assert [c["id"] for c in named["application_credentials"]] == [two["id"]]
    assert (
        client.get(creds_path(demo_id), params={"name": "three"}, headers=h).json()["application_credentials"]
        == []
    )

    before = cred_count(cloud)
    dup = client.post(creds_path(demo_id), json={"application_credential": {"name": "one"}}, headers=h)
    assert dup.status_code == 409
    assert dup.json()["error"]["title"] == "Conflict"
    assert cred_count(cloud) == before
    assert create(client, admin_token, "one")["name"] == "one"  # another user may use the name


def test_openstackclient_style_body_with_nulls_and_a_zoneless_expiry(
    client: TestClient, demo_token: str
) -> None:
    """openstackclient sends every option, unset ones as null or [], and a time without zone."""
    cred = create(
        client,
        demo_token,
        "osc",
        roles=[],
        expires_at="2099-01-02T03:04:05",
        description=None,
        secret=None,
        unrestricted=False,
        access_rules=[],
    )
    assert cred["expires_at"] == "2099-01-02T03:04:05.000000"  # COMPAT: Keystone's form, no zone
    assert cred["description"] == ""
    assert cred["secret"]
    assert role_names(cred["roles"]) == {"member", "reader"}
    assert cred["access_rules"] == []


def test_bad_input_is_400_and_creates_nothing(client: TestClient, cloud: Cloud, demo_token: str) -> None:
    path = creds_path(me(client, demo_token))
    h = auth_headers(demo_token)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    for fields in (
        {},
        {"name": ""},
        {"name": "x", "expires_at": past},
        {"name": "x", "expires_at": "next tuesday"},
        {"name": "x", "expires_at": "9999-12-31T23:59:59-05:00"},
        {"name": "x", "roles": [{"id": "a", "name": "b"}]},
        {"name": "x", "roles": [{}]},
        {"name": "x", "unrestricted": "yes"},
        {"name": "x", "colour": "blue"},
        {"name": "x", "secret": "s" * 5000},
    ):
        resp = client.post(path, json={"application_credential": fields}, headers=h)
        assert resp.status_code == 400, (fields, resp.text)
        assert resp.json()["error"]["code"] == 400
    assert client.post(path, json={"name": "x"}, headers=h).status_code == 400
    rules = [{"service": "compute", "method": "FETCH", "path": "/v2.1/servers"}]
    resp = client.post(path, json={"application_credential": {"name": "x", "access_rules": rules}}, headers=h)
    assert resp.status_code == 400
    assert cred_count(cloud) == 0


# -- roles ---------------------------------------------------------------------------------------
def test_roles_by_name_or_id_bring_the_roles_they_imply(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    roles = {r["name"]: r["id"] for r in client.get(f"{V3}/roles", headers=h).json()["roles"]}
    reader = create(client, admin_token, "reader-only", roles=[{"name": "reader"}])
    assert role_names(reader["roles"]) == {"reader"}
    member = create(client, admin_token, "member", roles=[{"id": roles["member"]}])
    assert role_names(member["roles"]) == {"member", "reader"}

    token = client.post(TOKENS, json=by_id(reader["id"], reader["secret"])).json()["token"]
    assert role_names(token["roles"]) == {"reader"}


def test_roles_beyond_the_callers_are_refused(client: TestClient, cloud: Cloud, demo_token: str) -> None:
    path = creds_path(me(client, demo_token))
    h = auth_headers(demo_token)
    admin_role = {"name": "admin"}
    resp = client.post(path, json={"application_credential": {"name": "x", "roles": [admin_role]}}, headers=h)
    assert resp.status_code == 400
    assert "unassigned role" in resp.json()["error"]["message"]
    unknown_id = {"name": "x", "roles": [{"id": "0123456789abcdef"}]}
    assert client.post(path, json={"application_credential": unknown_id}, headers=h).status_code == 400
    unknown_name = {"name": "x", "roles": [{"name": "no-such-role"}]}
    resp = client.post(path, json={"application_credential": unknown_name}, headers=h)
    assert resp.status_code == 404
    assert cred_count(cloud) == 0


# -- who may do what ----------------------------------------------------------------------------
def test_only_the_user_themself_creates_and_admins_may_read_and_delete(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    demo_id, admin_id = me(client, demo_token), me(client, admin_token)
    admins = create(client, admin_token, "admins")
    demos = create(client, demo_token, "demos")
    d, a = auth_headers(demo_token), auth_headers(admin_token)
    body = {"application_credential": {"name": "intruder"}}
    assert client.post(creds_path(admin_id), json=body, headers=d).status_code == 403
    assert client.post(creds_path(demo_id), json=body, headers=a).status_code == 403
    assert client.get(creds_path(admin_id), headers=d).status_code == 403
    assert client.get(f"{creds_path(admin_id)}/{admins['id']}", headers=d).status_code == 403
    # COMPAT: as in Keystone, policy looks at the credential's owner, not the path's user.
    assert client.get(f"{creds_path(demo_id)}/{admins['id']}", headers=d).status_code == 403
    assert client.delete(f"{creds_path(demo_id)}/{admins['id']}", headers=d).status_code == 403
    assert cred_count(cloud) == 2

    listed = client.get(creds_path(demo_id), headers=a)
    assert [c["id"] for c in listed.json()["application_credentials"]] == [demos["id"]]
    assert client.get(f"{creds_path(demo_id)}/{demos['id']}", headers=a).status_code == 200
    assert client.delete(f"{creds_path(demo_id)}/{demos['id']}", headers=a).status_code == 204
    assert cred_count(cloud) == 1
    assert client.get(creds_path(demo_id)).status_code == 401


def test_unscoped_token_cannot_create(client: TestClient, cloud: Cloud) -> None:
    unscoped = issue_token(client, "admin", ADMIN_PASSWORD)
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": unscoped}}, "scope": "unscoped"}}
    token = login(client, body)
    resp = client.post(
        creds_path(me(client, token)),
        json={"application_credential": {"name": "x"}},
        headers=auth_headers(token),
    )
    assert resp.status_code == 400
    assert cred_count(cloud) == 0


def test_restricted_credential_cannot_manage_credentials_unrestricted_can(
    client: TestClient, cloud: Cloud, demo_token: str
) -> None:
    demo_id = me(client, demo_token)
    restricted = create(client, demo_token, "restricted")
    unrestricted = create(client, demo_token, "unrestricted", unrestricted=True)
    assert unrestricted["unrestricted"] is True

    r = auth_headers(login(client, by_id(restricted["id"], restricted["secret"])))
    denied = client.post(creds_path(demo_id), json={"application_credential": {"name": "child"}}, headers=r)
    assert denied.status_code == 403
    assert "application_credential" in denied.json()["error"]["message"]
    assert client.delete(f"{creds_path(demo_id)}/{unrestricted['id']}", headers=r).status_code == 403
    assert client.get(creds_path(demo_id), headers=r).status_code == 200
    assert cred_count(cloud) == 2

    u = auth_headers(login(client, by_id(unrestricted["id"], unrestricted["secret"])))
    child = client.post(creds_path(demo_id), json={"application_credential": {"name": "child"}}, headers=u)
    assert child.status_code == 201
    assert client.delete(f"{creds_path(demo_id)}/{restricted['id']}", headers=u).status_code == 204


# -- logging in with one ------------------------------------------------------------------------
def test_login_by_id_gives_a_token_for_its_project_with_only_its_roles(
    client: TestClient, admin_token: str
) -> None:
    cred = create(client, admin_token, "ci", roles=[{"name": "member"}])
    resp = client.post(TOKENS, json=by_id(cred["id"], cred["secret"]))
    assert resp.status_code == 201
    token = resp.json()["token"]
    assert token["methods"] == ["application_credential"]
    assert token["project"]["id"] == cred["project_id"]
    assert token["project"]["name"] == "admin"
    assert token["user"]["name"] == "admin"
    assert role_names(token["roles"]) == {"member", "reader"}
    assert token["application_credential"] == {"id": cred["id"], "name": "ci", "restricted": True}
    assert token["catalog"]

    # Its roles are all it has: admin-only calls are refused.
    h = auth_headers(resp.headers["X-Subject-Token"])
    assert client.get(f"{V3}/users", headers=h).status_code == 403
    assert client.get(f"{V3}/users", headers=auth_headers(admin_token)).status_code == 200


def test_login_by_name_and_user(client: TestClient, demo_token: str) -> None:
    cred = create(client, demo_token, "by-name", secret="my-own-secret")
    assert cred["secret"] == "my-own-secret"
    demo_id = me(client, demo_token)
    by_user_id = client.post(TOKENS, json=by_name("by-name", {"id": demo_id}, "my-own-secret"))
    assert by_user_id.status_code == 201
    assert by_user_id.json()["token"]["application_credential"]["id"] == cred["id"]
    user = {"name": "demo", "domain": {"name": "Default"}}
    assert client.post(TOKENS, json=by_name("by-name", user, "my-own-secret")).status_code == 201
    other = {"name": "admin", "domain": {"id": "default"}}
    assert client.post(TOKENS, json=by_name("by-name", other, "my-own-secret")).status_code == 401


def test_wrong_secret_and_unknown_credential_are_the_same_401(client: TestClient, demo_token: str) -> None:
    cred = create(client, demo_token)
    wrong = client.post(TOKENS, json=by_id(cred["id"], cred["secret"] + "x"))
    unknown = client.post(TOKENS, json=by_id("0" * 32, cred["secret"]))
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    scoped = by_id(cred["id"], cred["secret"])
    scoped["auth"]["scope"] = {"project": {"id": cred["project_id"]}}
    assert client.post(TOKENS, json=scoped).status_code == 401


def test_deleting_the_credential_kills_its_tokens(client: TestClient, demo_token: str) -> None:
    cred = create(client, demo_token)
    token = login(client, by_id(cred["id"], cred["secret"]))
    assert client.get(f"{V3}/auth/catalog", headers=auth_headers(token)).status_code == 200
    demo_id = me(client, demo_token)
    h = auth_headers(demo_token)
    assert client.delete(f"{creds_path(demo_id)}/{cred['id']}", headers=h).status_code == 204

    assert client.get(f"{V3}/auth/catalog", headers=auth_headers(token)).status_code == 401
    assert client.get(TOKENS, headers={**h, "X-Subject-Token": token}).status_code == 404
    assert client.post(TOKENS, json=by_id(cred["id"], cred["secret"])).status_code == 401
    assert client.get(f"{V3}/auth/catalog", headers=h).status_code == 200  # the user's own token lives


def test_an_expired_credential_no_longer_logs_in(client: TestClient, cloud: Cloud, demo_token: str) -> None:
    soon = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    cred = create(client, demo_token, "short-lived", expires_at=soon)
    assert cred["expires_at"] == soon.removesuffix("Z")
    assert client.post(TOKENS, json=by_id(cred["id"], cred["secret"])).status_code == 201
    with cloud.db.transaction() as s:  # let the hour pass
        s.get(ApplicationCredential, cred["id"]).expires_at = utcnow() - timedelta(seconds=1)
    resp = client.post(TOKENS, json=by_id(cred["id"], cred["secret"]))
    assert resp.status_code == 401
    assert resp.json()["error"]["title"] == "Unauthorized"


def test_credential_loses_roles_the_user_loses(client: TestClient, cloud: Cloud, admin_token: str) -> None:
    """A credential never grants more than its user holds now: without the role, no token."""
    demo_token = issue_token(client, "demo", "demo-secret-pw", "demo")
    cred = create(client, demo_token, "fragile", roles=[{"name": "member"}])
    token = login(client, by_id(cred["id"], cred["secret"]))
    a = auth_headers(admin_token)
    demo_id = me(client, demo_token)
    roles = {r["name"]: r["id"] for r in client.get(f"{V3}/roles", headers=a).json()["roles"]}
    grant = f"{V3}/projects/{cred['project_id']}/users/{demo_id}/roles/{roles['member']}"
    assert client.delete(grant, headers=a).status_code == 204
    assert client.get(f"{V3}/auth/catalog", headers=auth_headers(token)).status_code == 401
    assert client.post(TOKENS, json=by_id(cred["id"], cred["secret"])).status_code == 401


def test_a_token_never_outlives_its_credential(client: TestClient, demo_token: str) -> None:
    soon = datetime.now(UTC) + timedelta(minutes=10)
    cred = create(client, demo_token, "ten-minutes", expires_at=soon.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    resp = client.post(TOKENS, json=by_id(cred["id"], cred["secret"]))
    assert resp.status_code == 201
    assert resp.json()["token"]["expires_at"] == cred["expires_at"] + "Z"  # tokens carry the zone
