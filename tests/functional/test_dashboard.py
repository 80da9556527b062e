"""The status page at /dashboard: login with a CSRF check, who may log in, the page and its
sections, escaping, logout."""

from __future__ import annotations

import re
import time

import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.functional.conftest import auth_headers

SESSION = "pocketstack_dashboard"
CSRF = "pocketstack_dashboard_csrf"
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


def csrf_of(client: TestClient) -> str:
    page = client.get("/dashboard/login")
    assert page.status_code == 200
    field = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert field is not None
    assert client.cookies.get(CSRF) == field.group(1)
    return field.group(1)


def log_in(client: TestClient, user: str, password: str, csrf: str | None = None) -> object:
    form = {
        "username": user,
        "password": password,
        "domain": "Default",
        "csrf_token": csrf or csrf_of(client),
    }
    return client.post("/dashboard/login", data=form, follow_redirects=False)


def set_cookie_headers(resp: object) -> list[str]:
    return resp.headers.get_list("set-cookie")  # type: ignore[attr-defined]


def test_login_page_renders_a_form_with_a_csrf_field(client: TestClient) -> None:
    page = client.get("/dashboard/login")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert (
        'name="username"' in page.text and 'name="password"' in page.text and 'value="Default"' in page.text
    )
    csrf_cookie = next(c for c in set_cookie_headers(page) if c.startswith(f"{CSRF}="))
    assert "httponly" not in csrf_cookie.lower() and "samesite=strict" in csrf_cookie.lower()


def test_not_logged_in_goes_to_the_login_page(client: TestClient) -> None:
    for path in ("/dashboard", "/dashboard/"):
        resp = client.get(path, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == "/dashboard/login"
    assert client.get("/dashboard/sections/servers").status_code == 401


def test_a_post_without_or_with_a_wrong_csrf_token_is_403(client: TestClient) -> None:
    csrf_of(client)
    form = {"username": "admin", "password": ADMIN_PASSWORD}
    assert client.post("/dashboard/login", data=form, follow_redirects=False).status_code == 403
    wrong = log_in(client, "admin", ADMIN_PASSWORD, csrf="x" * 43)
    assert wrong.status_code == 403 and SESSION not in wrong.cookies  # type: ignore[attr-defined]
    assert client.post("/dashboard/logout", data={"csrf_token": "y" * 43}).status_code == 403


def test_a_wrong_password_shows_the_form_again_with_401(client: TestClient) -> None:
    resp = log_in(client, "admin", "not-the-password")
    assert resp.status_code == 401  # type: ignore[attr-defined]
    assert "Wrong user name or password." in resp.text and 'name="password"' in resp.text  # type: ignore[attr-defined]
    assert SESSION not in client.cookies


def test_a_user_without_the_admin_role_on_the_system_is_refused(client: TestClient) -> None:
    resp = log_in(client, "demo", DEMO_PASSWORD)
    assert resp.status_code == 403  # type: ignore[attr-defined]
    assert "Not allowed" in resp.text and 'name="password"' in resp.text  # type: ignore[attr-defined]
    assert SESSION not in client.cookies


def test_admin_logs_in_and_sees_hosts_and_images(client: TestClient, image_id: str) -> None:
    resp = log_in(client, "admin", ADMIN_PASSWORD)
    assert resp.status_code == 303 and resp.headers["location"] == "/dashboard"  # type: ignore[attr-defined]
    session = next(c for c in set_cookie_headers(resp) if c.startswith(f"{SESSION}="))
    token = session.split(";")[0].split("=", 1)[1]
    flags = [f.strip().lower() for f in session.split(";")[1:]]
    assert "httponly" in flags and "samesite=strict" in flags and "path=/dashboard" in flags
    assert "secure" not in flags  # plain http here
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert token not in page.text
    for host in ("fake-host-1", "fake-host-2"):
        assert f"<td>{host}</td>" in page.text
    assert image_id in page.text
    for name in ("hosts", "servers", "tasks", "images", "faults"):
        assert f'data-section="{name}"' in page.text
        fragment = client.get(f"/dashboard/sections/{name}")
        assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "fail_builds" in client.get("/dashboard/sections/faults").text
    assert client.get("/dashboard/sections/nothing").status_code == 404


def test_a_server_with_html_in_its_name_shows_escaped(
    client: TestClient, image_id: str, demo_token: str
) -> None:
    body = {"server": {"name": HOSTILE, "imageRef": image_id, "flavorRef": "1", "networks": "none"}}
    resp = client.post("/compute/v2.1/servers", json=body, headers=auth_headers(demo_token))
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    log_in(client, "admin", ADMIN_PASSWORD)
    deadline = time.monotonic() + 20
    while "ACTIVE" not in (fragment := client.get("/dashboard/sections/servers").text):
        assert time.monotonic() < deadline, fragment
        time.sleep(0.05)
    assert server_id in fragment and "demo" in fragment
    assert HOSTILE not in fragment
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fragment
    assert HOSTILE not in client.get("/dashboard").text
    tasks = client.get("/dashboard/sections/tasks").text
    assert "create" in tasks and server_id in tasks


def test_an_invalid_cookie_is_not_logged_in(client: TestClient) -> None:
    client.cookies.set(SESSION, "gAAAAA-not-a-token", path="/dashboard")
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    assert client.get("/dashboard/sections/hosts").status_code == 401


def test_a_project_scoped_token_in_the_cookie_is_not_logged_in(client: TestClient, admin_token: str) -> None:
    client.cookies.set(SESSION, admin_token, path="/dashboard")
    assert client.get("/dashboard/sections/hosts").status_code == 401


def test_logout_clears_the_cookie_and_revokes_its_token(client: TestClient) -> None:
    csrf = csrf_of(client)
    log_in(client, "admin", ADMIN_PASSWORD, csrf)
    assert client.get("/dashboard").status_code == 200
    token = client.cookies[SESSION]
    resp = client.post("/dashboard/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/dashboard/login"
    cleared = next(c for c in set_cookie_headers(resp) if c.startswith(f"{SESSION}="))
    assert cleared.startswith(f'{SESSION}="";') and "max-age=0" in cleared.lower()
    assert SESSION not in client.cookies
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    assert client.get("/operator/hosts", headers={"X-Auth-Token": token}).status_code == 401
