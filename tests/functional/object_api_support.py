"""Helpers for the Swift API tests: accounts of the bootstrapped projects, and users with
other roles or in other projects."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers, issue_token

V3 = "/identity/v3"
ROOT = "/object-store"


def find_id(client: TestClient, admin_token: str, collection: str, name: str) -> str:
    resp = client.get(f"{V3}/{collection}?name={name}", headers=auth_headers(admin_token))
    return resp.json()[collection][0]["id"]


def add_user(client: TestClient, admin_token: str, name: str, project: str, role: str) -> str:
    """A user with ``role`` on ``project`` (created when missing); returns a token."""
    a = auth_headers(admin_token)
    found = client.get(f"{V3}/projects?name={project}", headers=a).json()["projects"]
    if found:
        project_id = found[0]["id"]
    else:
        made = client.post(
            f"{V3}/projects", json={"project": {"name": project, "domain_id": "default"}}, headers=a
        )
        assert made.status_code == 201, made.text
        project_id = made.json()["project"]["id"]
    user = client.post(f"{V3}/users", json={"user": {"name": name, "password": f"{name}-pw"}}, headers=a)
    assert user.status_code == 201, user.text
    role_id = find_id(client, admin_token, "roles", role)
    url = f"{V3}/projects/{project_id}/users/{user.json()['user']['id']}/roles/{role_id}"
    assert client.put(url, headers=a).status_code == 204
    return issue_token(client, name, f"{name}-pw", project)


@dataclass
class Swift:
    """A client of one account, as one caller (``token`` None: anonymous)."""

    client: TestClient
    account: str
    token: str | None

    def url(self, path: str = "") -> str:
        return f"{ROOT}/v1/{self.account}" + (f"/{path}" if path else "")

    def request(self, method: str, path: str = "", **kwargs: object) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
        if self.token:
            headers["X-Auth-Token"] = self.token
        return self.client.request(method, self.url(path), headers=headers, **kwargs)  # type: ignore[arg-type]

    def as_(self, token: str | None) -> Swift:
        return Swift(self.client, self.account, token)


def account_of(client: TestClient, admin_token: str, project: str) -> str:
    return "AUTH_" + find_id(client, admin_token, "projects", project)
