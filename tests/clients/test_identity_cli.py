"""Issue 2's acceptance: the unchanged `openstack` CLI and openstacksdk against `pocketstack up`."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import yaml

from tests.clients.conftest import stop_cleanly
from tests.clients.harness import ADMIN_PASSWORD, ClientRunner, Server, start_server

pytestmark = pytest.mark.clients


def user_cloud(server: Server, tmp_path: Path, name: str, auth: dict, auth_type: str = "password") -> Path:
    """A clouds.yaml of the test's own, with one cloud NAME for the given auth."""
    doc = yaml.safe_load(server.clouds_yaml.read_text())
    base = doc["clouds"]["pocketstack"]
    cloud = {**base, "auth_type": auth_type, "auth": {"auth_url": base["auth"]["auth_url"], **auth}}
    doc["clouds"][name] = cloud
    path = tmp_path / f"clouds-{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def token_request(user: str, password: str) -> dict:
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "domain": {"id": "default"}, "password": password}},
            }
        }
    }


def test_demo_issues_a_token(cli: ClientRunner) -> None:
    token = cli.openstack("token", "issue")
    assert token["id"] and token["project_id"] and token["user_id"]


def test_admin_creates_a_project_a_user_and_a_grant_and_the_user_logs_in(
    cli: ClientRunner, server: Server, tmp_path: Path
) -> None:
    admin = "pocketstack-admin"
    project = cli.openstack("project", "create", "p1", cloud=admin)
    assert project["name"] == "p1" and project["enabled"] is True
    user = cli.openstack("user", "create", "--password", "u1-secret", "u1", cloud=admin)
    assert user["name"] == "u1"
    cli.openstack("role", "add", "--project", "p1", "--user", "u1", "member", cloud=admin, fmt=False)
    rows = cli.openstack("role", "assignment", "list", "--names", cloud=admin)
    assert {"Role": "member", "User": "u1@Default", "Project": "p1@Default"}.items() <= next(
        r for r in rows if r["User"] == "u1@Default"
    ).items()

    clouds = user_cloud(
        server,
        tmp_path,
        "u1",
        {
            "username": "u1",
            "password": "u1-secret",
            "project_name": "p1",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
    )
    as_u1 = ClientRunner(cli.venv, server, clouds)
    token = as_u1.openstack("token", "issue", cloud="u1")
    assert token["project_id"] == project["id"] and token["user_id"] == user["id"]


def test_catalog_lists_the_identity_service(cli: ClientRunner, server: Server) -> None:
    rows = cli.openstack("catalog", "list")
    identity = next(r for r in rows if r["Type"] == "identity")
    assert f"{server.url}/identity" in json.dumps(identity["Endpoints"])


def test_application_credential_authenticates(cli: ClientRunner, server: Server, tmp_path: Path) -> None:
    cred = cli.openstack("application", "credential", "create", "ci-cred")
    assert cred["Secret"]
    clouds = user_cloud(
        server,
        tmp_path,
        "appcred",
        {"application_credential_id": cred["ID"], "application_credential_secret": cred["Secret"]},
        auth_type="v3applicationcredential",
    )
    token = ClientRunner(cli.venv, server, clouds).openstack("token", "issue", cloud="appcred")
    assert token["project_id"] == cred["Project ID"]


def test_token_revoke_makes_the_token_useless(cli: ClientRunner, server: Server) -> None:
    token = cli.openstack("token", "issue")["id"]
    headers = {"X-Auth-Token": token}
    assert httpx.get(f"{server.url}/identity/v3/auth/projects", headers=headers).status_code == 200
    cli.openstack("token", "revoke", token, fmt=False)
    assert httpx.get(f"{server.url}/identity/v3/auth/projects", headers=headers).status_code == 401
    admin = httpx.post(f"{server.url}/identity/v3/auth/tokens", json=token_request("admin", ADMIN_PASSWORD))
    check = {"X-Auth-Token": admin.headers["X-Subject-Token"], "X-Subject-Token": token}
    assert httpx.get(f"{server.url}/identity/v3/auth/tokens", headers=check).status_code == 404


def test_openstacksdk_lists_projects_as_admin(cli: ClientRunner) -> None:
    out = cli.python(
        "import json, openstack\n"
        "conn = openstack.connect(cloud='pocketstack-admin')\n"
        "print(json.dumps(sorted(p.name for p in conn.identity.projects())))\n"
    )
    assert {"admin", "demo"} <= set(json.loads(out))


def test_a_member_cannot_list_users(cli: ClientRunner) -> None:
    failed = cli.openstack_fails("user", "list")
    assert "403" in failed.stderr or "Forbidden" in failed.stderr


def test_wrong_password_and_unknown_user_look_the_same(server: Server) -> None:
    url = f"{server.url}/identity/v3/auth/tokens"
    wrong = httpx.post(url, json=token_request("demo", "not-it"))
    unknown = httpx.post(url, json=token_request("nobody", "not-it"))
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_tampered_token_and_bad_bodies(server: Server) -> None:
    url = f"{server.url}/identity/v3/auth/tokens"
    token = httpx.post(url, json=token_request("admin", ADMIN_PASSWORD)).headers["X-Subject-Token"]
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    projects = f"{server.url}/identity/v3/auth/projects"
    assert httpx.get(projects, headers={"X-Auth-Token": tampered}).status_code == 401
    check = {"X-Auth-Token": token, "X-Subject-Token": tampered}
    assert httpx.get(url, headers=check).status_code == 404
    bad = httpx.post(url, content=b"{nope", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    huge = httpx.post(
        url, content=b"[" + b"1," * 100_000 + b"1]", headers={"Content-Type": "application/json"}
    )
    assert huge.status_code == 413


def test_expired_token_is_401_on_use_and_404_on_validation(tmp_path: Path) -> None:
    srv = start_server(tmp_path / "short", token_expiration="2")  # a fresh one outlives a slow worker
    try:
        url = f"{srv.url}/identity/v3/auth/tokens"
        old = httpx.post(url, json=token_request("admin", ADMIN_PASSWORD)).headers["X-Subject-Token"]
        import time

        time.sleep(2.5)
        assert (
            httpx.get(f"{srv.url}/identity/v3/auth/projects", headers={"X-Auth-Token": old}).status_code
            == 401
        )
        fresh = httpx.post(url, json=token_request("admin", ADMIN_PASSWORD)).headers["X-Subject-Token"]
        check = {"X-Auth-Token": fresh, "X-Subject-Token": old}
        assert httpx.get(url, headers=check).status_code == 404
    finally:
        stop_cleanly(srv)
