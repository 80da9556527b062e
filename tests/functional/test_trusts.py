"""OS-TRUST: creating and seeing trusts, trust-scoped tokens, redelegation, revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers
from tests.functional.delegation_support import (
    TOKENS,
    V3,
    Person,
    make_person,
    make_project,
    make_role,
    password_identity,
    revoke,
    validate,
)

TRUSTS = f"{V3}/OS-TRUST/trusts"


@pytest.fixture
def world(client: TestClient, admin_token: str) -> dict:
    """A trustor holding 'delegated' and 'kept' on project 'shared', a trustee and a stranger
    with member on project 'other'."""
    project = make_project(client, admin_token, "shared")
    other = make_project(client, admin_token, "other")
    delegated = make_role(client, admin_token, "delegated")
    kept = make_role(client, admin_token, "kept")
    member = client.get(f"{V3}/roles?name=member", headers=auth_headers(admin_token)).json()["roles"][0]["id"]
    trustor = make_person(client, admin_token, "trustor", "shared", project, [delegated, kept])
    trustee = make_person(client, admin_token, "trustee", "other", other, [member])
    stranger = make_person(client, admin_token, "stranger", "other", other, [member])
    return {
        "project": project,
        "delegated": delegated,
        "kept": kept,
        "trustor": trustor,
        "trustee": trustee,
        "stranger": stranger,
    }


def create_trust(client: TestClient, w: dict, status: int = 201, **fields) -> dict:
    trustor: Person = w["trustor"]
    token = fields.pop("token", trustor.token)
    body = {
        "trustor_user_id": trustor.id,
        "trustee_user_id": w["trustee"].id,
        "project_id": w["project"],
        "impersonation": True,
        "roles": [{"name": "delegated"}],
        **fields,
    }
    resp = client.post(TRUSTS, json={"trust": body}, headers=auth_headers(token))
    assert resp.status_code == status, resp.text
    return resp.json().get("trust", resp.json())


def trust_token(client: TestClient, person: Person, trust_id: str) -> tuple[int, dict, str]:
    body = {
        "auth": {"identity": password_identity(person.name), "scope": {"OS-TRUST:trust": {"id": trust_id}}}
    }
    resp = client.post(TOKENS, json=body)
    return resp.status_code, resp.json(), resp.headers.get("X-Subject-Token", "")


def test_trust_is_created_with_only_the_delegated_role(client: TestClient, world: dict) -> None:
    expires = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0, tzinfo=None)
    trust = create_trust(client, world, expires_at=expires.isoformat() + "Z")
    assert trust["trustor_user_id"] == world["trustor"].id
    assert trust["trustee_user_id"] == world["trustee"].id
    assert trust["impersonation"] is True
    assert trust["expires_at"] == expires.isoformat() + ".000000Z"
    assert [r["name"] for r in trust["roles"]] == ["delegated"]
    assert trust["links"]["self"].endswith(f"/v3/OS-TRUST/trusts/{trust['id']}")
    roles = client.get(f"{TRUSTS}/{trust['id']}/roles", headers=auth_headers(world["trustee"].token))
    assert [r["id"] for r in roles.json()["roles"]] == [world["delegated"]]
    one = f"{TRUSTS}/{trust['id']}/roles/"
    assert (
        client.get(one + world["delegated"], headers=auth_headers(world["trustor"].token)).status_code == 200
    )
    assert (
        client.head(one + world["delegated"], headers=auth_headers(world["trustor"].token)).status_code == 200
    )
    assert client.get(one + world["kept"], headers=auth_headers(world["trustor"].token)).status_code == 404


def test_only_trustor_trustee_and_admin_see_a_trust(
    client: TestClient, world: dict, admin_token: str
) -> None:
    trust = create_trust(client, world)
    path = f"{TRUSTS}/{trust['id']}"
    for person in ("trustor", "trustee"):
        assert client.get(path, headers=auth_headers(world[person].token)).status_code == 200
    assert client.get(path, headers=auth_headers(admin_token)).status_code == 200
    assert client.get(path, headers=auth_headers(world["stranger"].token)).status_code == 403
    stranger = auth_headers(world["stranger"].token)
    assert client.get(TRUSTS, headers=stranger).status_code == 403
    assert client.get(f"{TRUSTS}?trustor_user_id={world['trustor'].id}", headers=stranger).status_code == 403
    mine = client.get(
        f"{TRUSTS}?trustee_user_id={world['trustee'].id}", headers=auth_headers(world["trustee"].token)
    )
    assert [t["id"] for t in mine.json()["trusts"]] == [trust["id"]]
    assert [t["id"] for t in client.get(TRUSTS, headers=auth_headers(admin_token)).json()["trusts"]] == [
        trust["id"]
    ]
    assert client.delete(path, headers=auth_headers(world["trustee"].token)).status_code == 403
    assert client.delete(path, headers=auth_headers(world["trustor"].token)).status_code == 204
    assert client.get(path, headers=auth_headers(world["trustor"].token)).status_code == 404


def test_refused_trusts(client: TestClient, world: dict) -> None:
    create_trust(client, world, 404, roles=[{"name": "member"}])  # the trustor lacks it
    create_trust(client, world, 403, roles=[])
    create_trust(client, world, 400, expires_at="bad.123Z")
    create_trust(client, world, 404, trustee_user_id="nobody")
    stranger = world["stranger"]
    resp = client.post(
        TRUSTS,
        json={
            "trust": {
                "trustor_user_id": world["trustor"].id,
                "trustee_user_id": stranger.id,
                "impersonation": False,
            }
        },
        headers=auth_headers(stranger.token),
    )
    assert resp.status_code == 403


@pytest.mark.parametrize("impersonation", [True, False])
def test_trust_scoped_token(client: TestClient, world: dict, admin_token: str, impersonation: bool) -> None:
    trust = create_trust(client, world, impersonation=impersonation)
    status, body, token = trust_token(client, world["trustee"], trust["id"])
    assert status == 201, body
    t = body["token"]
    assert t["project"]["id"] == world["project"]
    assert [r["name"] for r in t["roles"]] == ["delegated"]
    assert t["OS-TRUST:trust"] == {
        "id": trust["id"],
        "trustor_user": {"id": world["trustor"].id},
        "trustee_user": {"id": world["trustee"].id},
        "impersonation": impersonation,
    }
    assert t["user"]["id"] == (world["trustor"] if impersonation else world["trustee"]).id
    # Not the trustee: refused.
    assert trust_token(client, world["stranger"], trust["id"])[0] == 403
    # A trust-scoped token cannot make another token.
    rescope = {"auth": {"identity": {"methods": ["token"], "token": {"id": token}}}}
    assert client.post(TOKENS, json=rescope).status_code == 403
    # Deleting the trust revokes its tokens.
    assert validate(client, admin_token, token) == 200
    assert (
        client.delete(f"{TRUSTS}/{trust['id']}", headers=auth_headers(world["trustor"].token)).status_code
        == 204
    )
    assert validate(client, admin_token, token) == 404
    assert trust_token(client, world["trustee"], trust["id"])[0] == 401


def test_trust_token_ends_when_trustor_loses_the_role(
    client: TestClient, world: dict, admin_token: str
) -> None:
    trust = create_trust(client, world)
    token = trust_token(client, world["trustee"], trust["id"])[2]
    assert validate(client, admin_token, token) == 200
    revoke(client, admin_token, world["project"], world["trustor"].id, world["delegated"])
    assert validate(client, admin_token, token) == 404


def test_remaining_uses_run_out(client: TestClient, world: dict) -> None:
    trust = create_trust(client, world, remaining_uses=1)
    assert trust["remaining_uses"] == 1
    status, _, token = trust_token(client, world["trustee"], trust["id"])
    assert status == 201
    assert trust_token(client, world["trustee"], trust["id"])[0] == 401
    # The token issued keeps working.
    me = client.get(f"{V3}/auth/projects", headers=auth_headers(token))
    assert me.status_code == 200


def test_redelegation_depth(client: TestClient, world: dict) -> None:
    trust = create_trust(client, world, allow_redelegation=True, redelegation_count=1)
    assert trust["redelegation_count"] == 1
    token = trust_token(client, world["trustee"], trust["id"])[2]
    # With impersonation the token acts as the trustor, who may redelegate to a third user.
    child = create_trust(client, world, trustee_user_id=world["stranger"].id, token=token)
    assert child["redelegated_trust_id"] == trust["id"]
    assert child["redelegation_count"] == 0
    status, body, child_token = trust_token(client, world["stranger"], child["id"])
    assert status == 201, body
    # Depth used up: the stranger's trust token cannot redelegate further.
    create_trust(client, world, 403, trustee_user_id=world["trustee"].id, token=child_token)
    # Roles beyond the parent trust are refused.
    create_trust(
        client, world, 403, trustee_user_id=world["stranger"].id, roles=[{"name": "kept"}], token=token
    )
    # Deleting the parent deletes the child.
    assert (
        client.delete(f"{TRUSTS}/{trust['id']}", headers=auth_headers(world["trustor"].token)).status_code
        == 204
    )
    assert (
        client.get(f"{TRUSTS}/{child['id']}", headers=auth_headers(world["trustor"].token)).status_code == 404
    )


def test_trust_without_redelegation_cannot_be_redelegated(client: TestClient, world: dict) -> None:
    trust = create_trust(client, world)
    assert trust["redelegation_count"] == 0
    token = trust_token(client, world["trustee"], trust["id"])[2]
    create_trust(client, world, 403, trustee_user_id=world["stranger"].id, token=token)
