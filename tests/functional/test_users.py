"""/v3/users: CRUD, filters, policy, passwords, and what disabling or deleting a user does to
their tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.store.models import ApplicationCredential, Assignment, Role
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.functional.conftest import auth_headers, issue_token, password_auth

V3 = "/identity/v3"
TOKENS = f"{V3}/auth/tokens"


def create_user(client: TestClient, token: str, **fields: object) -> dict:
    body = {"user": {"domain_id": "default", "enabled": True, **fields}}
    resp = client.post(f"{V3}/users", json=body, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()["user"]


def user_id(client: TestClient, token: str, name: str) -> str:
    resp = client.get(f"{V3}/users", params={"name": name}, headers=auth_headers(token))
    assert resp.status_code == 200
    (user,) = resp.json()["users"]
    return user["id"]


def token_works(client: TestClient, token: str) -> bool:
    status = client.get(f"{V3}/auth/projects", headers=auth_headers(token)).status_code
    assert status in (200, 401)
    return status == 200


def validation_status(client: TestClient, admin_token: str, subject: str) -> int:
    return client.get(TOKENS, headers={**auth_headers(admin_token), "X-Subject-Token": subject}).status_code


def test_create_show_and_list_a_user_without_ever_showing_the_password(
    client: TestClient, admin_token: str
) -> None:
    user = create_user(client, admin_token, name="u1", password="s3cret-Pw!", email="u1@example.org")
    assert user["name"] == "u1"
    assert user["domain_id"] == "default"
    assert user["enabled"] is True
    assert user["email"] == "u1@example.org"
    assert user["password_expires_at"] is None
    assert user["options"] == {}
    assert user["links"]["self"].endswith(f"/identity/v3/users/{user['id']}")
    shown = client.get(f"{V3}/users/{user['id']}", headers=auth_headers(admin_token))
    listed = client.get(f"{V3}/users", headers=auth_headers(admin_token))
    assert shown.json()["user"] == user
    assert {u["name"] for u in listed.json()["users"]} == {"admin", "demo", "u1"}
    for text in (shown.text, listed.text):
        assert "s3cret-Pw!" not in text
        assert "argon2" not in text
        assert '"password"' not in text


def test_a_new_user_logs_in_with_the_password_given_at_creation(client: TestClient, admin_token: str) -> None:
    create_user(client, admin_token, name="u1", password="first-pw")
    assert client.post(TOKENS, json=password_auth("u1", "first-pw")).status_code == 201
    assert client.post(TOKENS, json=password_auth("u1", "other-pw")).status_code == 401


def test_domain_defaults_to_the_default_domain_as_the_sdk_omits_it(
    client: TestClient, admin_token: str
) -> None:
    body = {"user": {"name": "u2", "enabled": True, "password": "pw-u2"}}
    resp = client.post(f"{V3}/users", json=body, headers=auth_headers(admin_token))
    assert resp.status_code == 201
    assert resp.json()["user"]["domain_id"] == "default"


def test_list_filters_by_name_domain_and_enabled(client: TestClient, admin_token: str) -> None:
    create_user(client, admin_token, name="off", enabled=False)
    h = auth_headers(admin_token)

    def names(**params: str) -> set[str]:
        resp = client.get(f"{V3}/users", params=params, headers=h)
        assert resp.status_code == 200
        return {u["name"] for u in resp.json()["users"]}

    assert names(name="demo") == {"demo"}
    assert names(name="nobody") == set()
    assert names(enabled="false") == {"off"}
    assert names(enabled="true") == {"admin", "demo"}
    assert names(domain_id="default") == {"admin", "demo", "off"}
    assert names(domain_id="elsewhere") == set()
    assert client.get(f"{V3}/users", params={"enabled": "maybe"}, headers=h).status_code == 400


def test_the_clients_find_by_name_path_is_a_404_then_a_name_filter(
    client: TestClient, admin_token: str
) -> None:
    create_user(client, admin_token, name="u1")
    resp = client.get(f"{V3}/users/u1", headers=auth_headers(admin_token))
    assert resp.status_code == 404
    assert resp.json()["error"] == {"code": 404, "title": "Not Found", "message": "Could not find user: u1."}
    found = client.get(f"{V3}/users?name=u1", headers=auth_headers(admin_token)).json()["users"]
    assert [u["name"] for u in found] == ["u1"]


def test_names_are_unique_per_domain(client: TestClient, admin_token: str) -> None:
    create_user(client, admin_token, name="u1")
    body = {"user": {"name": "u1", "domain_id": "default"}}
    resp = client.post(f"{V3}/users", json=body, headers=auth_headers(admin_token))
    assert resp.status_code == 409
    assert "u1" in resp.json()["error"]["message"]
    dom = client.post(f"{V3}/domains", json={"domain": {"name": "other"}}, headers=auth_headers(admin_token))
    body = {"user": {"name": "u1", "domain_id": dom.json()["domain"]["id"]}}
    assert client.post(f"{V3}/users", json=body, headers=auth_headers(admin_token)).status_code == 201
    renamed = client.patch(
        f"{V3}/users/{user_id(client, admin_token, 'demo')}",
        json={"user": {"name": "admin"}},
        headers=auth_headers(admin_token),
    )
    assert renamed.status_code == 409


def test_bad_input_is_a_400(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    cases = [
        {"user": {"name": "u", "password": ""}},
        {"user": {"name": ""}},
        {"user": {"name": "   "}},
        {"user": {"name": "x" * 256}},
        {"user": {"name": "u", "enabled": "yes"}},
        {"user": {"enabled": True}},
        {"user": {"name": "u", "options": {"no_such_option": True}}},
        {"user": {"name": "u", "default_project_id": "default"}},
        {"users": {"name": "u"}},
    ]
    for body in cases:
        resp = client.post(f"{V3}/users", json=body, headers=h)
        assert resp.status_code == 400, (body, resp.text)
    assert {u["name"] for u in client.get(f"{V3}/users", headers=h).json()["users"]} == {"admin", "demo"}


def test_a_password_over_the_configured_limit_is_refused(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    limit = cloud.settings.max_password_length
    h = auth_headers(admin_token)
    resp = client.post(
        f"{V3}/users", json={"user": {"name": "big", "password": "p" * (limit + 1)}}, headers=h
    )
    assert resp.status_code == 400
    assert (
        client.post(
            f"{V3}/users", json={"user": {"name": "ok", "password": "p" * limit}}, headers=h
        ).status_code
        == 201
    )


def test_create_in_an_unknown_domain_is_a_404(client: TestClient, admin_token: str) -> None:
    body = {"user": {"name": "u1", "domain_id": "no-such-domain"}}
    resp = client.post(f"{V3}/users", json=body, headers=auth_headers(admin_token))
    assert resp.status_code == 404
    assert resp.json()["error"]["message"] == "Could not find domain: no-such-domain."


def test_update_changes_attributes_and_keeps_extras(client: TestClient, admin_token: str) -> None:
    user = create_user(client, admin_token, name="u1", email="old@example.org", team="blue")
    url = f"{V3}/users/{user['id']}"
    h = auth_headers(admin_token)
    demo_project = client.get(f"{V3}/projects", params={"name": "demo"}, headers=h).json()["projects"][0]
    patch = {
        "user": {
            "name": "u1-renamed",
            "email": "new@example.org",
            "description": "a test user",
            "default_project_id": demo_project["id"],
            "enabled": False,
        }
    }
    resp = client.patch(url, json=patch, headers=h)
    assert resp.status_code == 200
    got = client.get(url, headers=h).json()["user"]
    assert got["name"] == "u1-renamed"
    assert got["email"] == "new@example.org"
    assert got["team"] == "blue"
    assert got["description"] == "a test user"
    assert got["default_project_id"] == demo_project["id"]
    assert got["enabled"] is False
    assert resp.json()["user"] == got


def test_update_refuses_to_move_or_rename_the_id(client: TestClient, admin_token: str) -> None:
    user = create_user(client, admin_token, name="u1")
    url = f"{V3}/users/{user['id']}"
    h = auth_headers(admin_token)
    assert client.patch(url, json={"user": {"domain_id": "elsewhere"}}, headers=h).status_code == 400
    assert client.patch(url, json={"user": {"id": "another-id"}}, headers=h).status_code == 400
    assert client.patch(url, json={"user": {}}, headers=h).status_code == 400
    assert client.patch(url, json={"user": {"name": None}}, headers=h).status_code == 400
    assert client.patch(url, json={"user": {"domain_id": "default"}}, headers=h).status_code == 200
    assert client.get(url, headers=h).json()["user"]["name"] == "u1"


def test_unknown_user_is_a_404_for_every_verb(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    url = f"{V3}/users/missing-id"
    message = "Could not find user: missing-id."
    for resp in (
        client.get(url, headers=h),
        client.patch(url, json={"user": {"name": "x"}}, headers=h),
        client.delete(url, headers=h),
        client.get(f"{url}/projects", headers=h),
    ):
        assert resp.status_code == 404
        assert resp.json()["error"]["message"] == message


def test_a_member_may_see_only_itself_and_changes_nothing(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    demo = auth_headers(demo_token)
    demo_id = user_id(client, admin_token, "demo")
    admin_id = user_id(client, admin_token, "admin")
    assert client.get(f"{V3}/users", headers=demo).status_code == 403
    assert client.get(f"{V3}/users/{demo_id}", headers=demo).json()["user"]["name"] == "demo"
    assert client.post(f"{V3}/users", json={"user": {"name": "sneaky"}}, headers=demo).status_code == 403
    assert (
        client.patch(f"{V3}/users/{admin_id}", json={"user": {"enabled": False}}, headers=demo).status_code
        == 403
    )
    assert (
        client.patch(f"{V3}/users/{demo_id}", json={"user": {"name": "boss"}}, headers=demo).status_code
        == 403
    )
    assert client.delete(f"{V3}/users/{admin_id}", headers=demo).status_code == 403
    # An id the member may not read is a 403 whether or not it exists: nothing leaks.
    assert client.get(f"{V3}/users/no-such-user", headers=demo).status_code == 403
    names = {
        u["name"]: u for u in client.get(f"{V3}/users", headers=auth_headers(admin_token)).json()["users"]
    }
    assert set(names) == {"admin", "demo"}
    assert names["admin"]["enabled"] is True
    assert token_works(client, admin_token)


def test_a_member_cannot_read_another_user(client: TestClient, admin_token: str, demo_token: str) -> None:
    admin_id = user_id(client, admin_token, "admin")
    assert client.get(f"{V3}/users/{admin_id}", headers=auth_headers(demo_token)).status_code == 403
    assert client.get(f"{V3}/users/{admin_id}/projects", headers=auth_headers(demo_token)).status_code == 403


def test_users_change_their_own_password_and_lose_their_old_tokens(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    demo_id = user_id(client, admin_token, "demo")
    url = f"{V3}/users/{demo_id}/password"
    h = auth_headers(demo_token)
    wrong = client.post(url, json={"user": {"original_password": "wrong", "password": "new-pw-1"}}, headers=h)
    assert wrong.status_code == 401
    assert token_works(client, demo_token)
    ok = client.post(
        url, json={"user": {"original_password": DEMO_PASSWORD, "password": "new-pw-1"}}, headers=h
    )
    assert ok.status_code == 204
    assert ok.content == b""
    assert not token_works(client, demo_token)
    assert validation_status(client, admin_token, demo_token) == 404
    assert client.post(TOKENS, json=password_auth("demo", DEMO_PASSWORD)).status_code == 401
    fresh = issue_token(client, "demo", "new-pw-1", "demo")
    assert token_works(client, fresh)
    assert token_works(client, admin_token)


def test_the_password_call_needs_the_original_password_whoever_calls(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    # COMPAT: Keystone enforces no policy on this call (Tempest's admin changes a user's
    # password with it): the original password is the proof, from any caller.
    demo_id = user_id(client, admin_token, "demo")
    wrong = {"user": {"original_password": "not-it", "password": "taken-over"}}
    resp = client.post(f"{V3}/users/{demo_id}/password", json=wrong, headers=auth_headers(admin_token))
    assert resp.status_code == 401
    assert client.post(TOKENS, json=password_auth("demo", DEMO_PASSWORD)).status_code == 201
    assert token_works(client, demo_token)
    body = {"user": {"original_password": DEMO_PASSWORD, "password": "changed-by-admin"}}
    resp = client.post(f"{V3}/users/{demo_id}/password", json=body, headers=auth_headers(admin_token))
    assert resp.status_code == 204
    assert not token_works(client, demo_token)
    assert client.post(TOKENS, json=password_auth("demo", "changed-by-admin")).status_code == 201
    demo_token = issue_token(client, "demo", "changed-by-admin", "demo")
    bad = client.post(
        f"{V3}/users/{demo_id}/password", json={"user": {"password": "x"}}, headers=auth_headers(demo_token)
    )
    assert bad.status_code == 400


def test_an_admin_resetting_a_password_revokes_the_users_tokens(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    demo_id = user_id(client, admin_token, "demo")
    resp = client.patch(
        f"{V3}/users/{demo_id}", json={"user": {"password": "reset-pw"}}, headers=auth_headers(admin_token)
    )
    assert resp.status_code == 200
    assert "reset-pw" not in resp.text
    assert not token_works(client, demo_token)
    assert token_works(client, issue_token(client, "demo", "reset-pw", "demo"))
    assert token_works(client, admin_token)


def test_disabling_a_user_invalidates_their_tokens_for_good(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    demo_id = user_id(client, admin_token, "demo")
    url = f"{V3}/users/{demo_id}"
    h = auth_headers(admin_token)
    assert client.patch(url, json={"user": {"enabled": False}}, headers=h).status_code == 200
    assert not token_works(client, demo_token)
    assert validation_status(client, admin_token, demo_token) == 404
    assert client.post(TOKENS, json=password_auth("demo", DEMO_PASSWORD, "demo")).status_code == 401
    assert token_works(client, admin_token)
    assert client.patch(url, json={"user": {"enabled": True}}, headers=h).status_code == 200
    assert not token_works(client, demo_token)  # the old token stays revoked
    assert token_works(client, issue_token(client, "demo", DEMO_PASSWORD, "demo"))


def test_deleting_a_user_removes_assignments_credentials_and_tokens(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    demo_id = user_id(client, admin_token, "demo")
    with cloud.db.transaction() as s:
        assert s.scalars(select(Assignment).where(Assignment.actor_id == demo_id)).all()
        project_id = s.scalar(select(Assignment.target_id).where(Assignment.actor_id == demo_id))
        s.add(
            ApplicationCredential(
                id="cred-1",
                name="ci",
                user_id=demo_id,
                project_id=project_id,
                secret_hash="unused",
                description="",
                unrestricted=False,
                role_ids=[],
                expires_at=None,
                created_at=datetime(2026, 1, 1),
            )
        )
    assert client.delete(f"{V3}/users/{demo_id}", headers=auth_headers(admin_token)).status_code == 204
    assert client.get(f"{V3}/users/{demo_id}", headers=auth_headers(admin_token)).status_code == 404
    assert not token_works(client, demo_token)
    assert validation_status(client, admin_token, demo_token) == 404
    assert client.post(TOKENS, json=password_auth("demo", DEMO_PASSWORD)).status_code == 401
    with cloud.db.read() as s:
        assert s.scalars(select(Assignment).where(Assignment.actor_id == demo_id)).all() == []
        assert (
            s.scalars(select(ApplicationCredential).where(ApplicationCredential.user_id == demo_id)).all()
            == []
        )
    assert token_works(client, admin_token)


def test_a_users_projects_are_those_it_has_a_role_on(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    demo_id = user_id(client, admin_token, "demo")
    admin_id = user_id(client, admin_token, "admin")
    mine = client.get(f"{V3}/users/{demo_id}/projects", headers=auth_headers(demo_token))
    assert mine.status_code == 200
    assert [p["name"] for p in mine.json()["projects"]] == ["demo"]
    assert mine.json()["projects"][0]["parent_id"] == "default"
    theirs = client.get(f"{V3}/users/{admin_id}/projects", headers=auth_headers(admin_token))
    assert [p["name"] for p in theirs.json()["projects"]] == ["admin"]
    filtered = client.get(f"{V3}/users/{admin_id}/projects?name=demo", headers=auth_headers(admin_token))
    assert filtered.json()["projects"] == []


def test_an_unscoped_token_cannot_manage_users(client: TestClient, admin_token: str) -> None:
    body = password_auth("admin", ADMIN_PASSWORD)
    body["auth"]["scope"] = "unscoped"
    resp = client.post(TOKENS, json=body)
    assert resp.status_code == 201
    unscoped = resp.headers["X-Subject-Token"]
    # An unscoped token carries no roles, so it is no administrator.
    assert client.get(f"{V3}/users", headers=auth_headers(unscoped)).status_code == 403
    assert client.get(f"{V3}/users", headers=auth_headers(admin_token)).status_code == 200


def test_nul_characters_are_refused_not_a_server_error(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    assert client.get(f"{V3}/users/a%00b", headers=h).status_code == 400
    assert client.get(f"{V3}/users?name=a%00b", headers=h).status_code == 400
    for body in ({"user": {"name": "a\x00b"}}, {"user": {"name": "ok", "email": "x\x00"}}):
        assert client.post(f"{V3}/users", json=body, headers=h).status_code == 400
    assert {u["name"] for u in client.get(f"{V3}/users", headers=h).json()["users"]} == {"admin", "demo"}


def test_a_domain_scoped_token_sees_and_creates_in_its_own_domain(
    client: TestClient, cloud: Cloud, admin_token: str
) -> None:
    h = auth_headers(admin_token)
    d2 = client.post(f"{V3}/domains", json={"domain": {"name": "d2"}}, headers=h).json()["domain"]
    boss = create_user(client, admin_token, name="boss", domain_id=d2["id"], password="boss-pw")
    with cloud.db.transaction() as s:
        admin_role = s.scalar(select(Role.id).where(Role.name == "admin"))
        s.add(
            Assignment(
                kind="UserDomain",
                actor_id=boss["id"],
                target_id=d2["id"],
                role_id=admin_role,
                inherited=False,
            )
        )
    body = password_auth("boss", "boss-pw", domain="d2")
    body["auth"]["scope"] = {"domain": {"id": d2["id"]}}
    resp = client.post(TOKENS, json=body)
    assert resp.status_code == 201
    dh = auth_headers(resp.headers["X-Subject-Token"])
    assert [u["name"] for u in client.get(f"{V3}/users", headers=dh).json()["users"]] == ["boss"]
    assert client.get(f"{V3}/users", params={"domain_id": "default"}, headers=dh).json()["users"] == []
    made = client.post(f"{V3}/users", json={"user": {"name": "worker"}}, headers=dh)
    assert made.json()["user"]["domain_id"] == d2["id"]
    project = client.post(f"{V3}/projects", json={"project": {"name": "local"}}, headers=dh)
    assert project.json()["project"]["domain_id"] == d2["id"]
    assert [p["name"] for p in client.get(f"{V3}/projects", headers=dh).json()["projects"]] == ["local"]
    assert [d["name"] for d in client.get(f"{V3}/domains", headers=dh).json()["domains"]] == ["d2"]
