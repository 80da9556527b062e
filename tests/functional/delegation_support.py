"""Helpers for the delegation tests: people, projects and roles made through the admin API."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers, issue_token

V3 = "/identity/v3"
TOKENS = f"{V3}/auth/tokens"
PASSWORD = "s3cret-Passw0rd"


@dataclass
class Person:
    id: str
    name: str
    token: str


def make_project(client: TestClient, admin: str, name: str) -> str:
    resp = client.post(f"{V3}/projects", json={"project": {"name": name}}, headers=auth_headers(admin))
    assert resp.status_code == 201, resp.text
    return resp.json()["project"]["id"]


def make_role(client: TestClient, admin: str, name: str) -> str:
    resp = client.post(f"{V3}/roles", json={"role": {"name": name}}, headers=auth_headers(admin))
    assert resp.status_code == 201, resp.text
    return resp.json()["role"]["id"]


def grant(client: TestClient, admin: str, project_id: str, user_id: str, role_id: str) -> None:
    resp = client.put(
        f"{V3}/projects/{project_id}/users/{user_id}/roles/{role_id}", headers=auth_headers(admin)
    )
    assert resp.status_code == 204, resp.text


def revoke(client: TestClient, admin: str, project_id: str, user_id: str, role_id: str) -> None:
    resp = client.delete(
        f"{V3}/projects/{project_id}/users/{user_id}/roles/{role_id}", headers=auth_headers(admin)
    )
    assert resp.status_code == 204, resp.text


def make_person(
    client: TestClient, admin: str, name: str, project: str, project_id: str, role_ids: list[str]
) -> Person:
    resp = client.post(
        f"{V3}/users", json={"user": {"name": name, "password": PASSWORD}}, headers=auth_headers(admin)
    )
    assert resp.status_code == 201, resp.text
    user_id = resp.json()["user"]["id"]
    for role_id in role_ids:
        grant(client, admin, project_id, user_id, role_id)
    return Person(user_id, name, issue_token(client, name, PASSWORD, project))


def password_identity(name: str) -> dict:
    return {
        "methods": ["password"],
        "password": {"user": {"name": name, "domain": {"name": "Default"}, "password": PASSWORD}},
    }


def validate(client: TestClient, admin: str, token: str) -> int:
    return client.get(TOKENS, headers={**auth_headers(admin), "X-Subject-Token": token}).status_code
