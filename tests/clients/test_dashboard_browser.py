"""The status page in a real browser: Debian's chromium driven by Playwright (no browser download).
A server booted and deleted through the Compute API shows up and goes away without a reload."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import httpx
import pytest

from tests.clients.harness import ADMIN_PASSWORD, DEMO_PASSWORD, Server

pytestmark = pytest.mark.clients

NAME = "dashboard-browser-<b>server</b>"
WAIT_MS = 15_000


def chromium_path() -> str:
    found = shutil.which("chromium")
    if found is None:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must have it (.ci/run installs it)")
        pytest.skip(reason)
    return found


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "demo", "domain": {"id": "default"}, "password": DEMO_PASSWORD}
                },
            },
            "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
        }
    }
    with httpx.Client(base_url=server.url, timeout=30) as c:
        resp = c.post("/identity/v3/auth/tokens", json=body)
        assert resp.status_code == 201, resp.text
        c.headers["X-Auth-Token"] = resp.headers["X-Subject-Token"]
        yield c


def test_a_server_appears_and_goes_without_a_reload(server: Server, api: httpx.Client) -> None:
    executable = chromium_path()
    from playwright.sync_api import expect, sync_playwright

    images = api.get("/image/v2/images").json()["images"]
    assert images, "the cloud has no image to boot"
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            loads: list[str] = []
            page.on("load", lambda p: loads.append(p.url))

            page.goto(f"{server.url}/dashboard")
            assert page.url == f"{server.url}/dashboard/login"
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", ADMIN_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{server.url}/dashboard")
            expect(page.locator("#section-hosts")).to_contain_text("fake-host-1")
            expect(page.locator("#section-images")).to_contain_text(images[0]["id"])
            loads_after_login = len(loads)

            boot = {
                "server": {"name": NAME, "imageRef": images[0]["id"], "flavorRef": "1", "networks": "none"}
            }
            resp = api.post("/compute/v2.1/servers", json=boot)
            assert resp.status_code == 202, resp.text
            server_id = resp.json()["server"]["id"]
            servers = page.locator("#section-servers")
            row = servers.locator("tr", has_text=server_id)
            expect(row).to_contain_text(NAME, timeout=WAIT_MS)  # the name as text: escaped, not markup
            expect(row).to_contain_text("ACTIVE", timeout=WAIT_MS)
            assert servers.locator("b").count() == 0

            assert api.delete(f"/compute/v2.1/servers/{server_id}").status_code == 204
            expect(servers).not_to_contain_text(server_id, timeout=WAIT_MS)
            expect(page.locator("#section-tasks")).to_contain_text("delete", timeout=WAIT_MS)
            assert len(loads) == loads_after_login, "the page was reloaded"
            assert page.url == f"{server.url}/dashboard"
        finally:
            browser.close()
    assert not errors, errors


def test_the_page_sends_an_expired_session_to_the_login_page(server: Server) -> None:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{server.url}/dashboard/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", ADMIN_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{server.url}/dashboard")
            cookies = [c for c in context.cookies() if c["name"] == "pocketstack_dashboard"]
            assert cookies and cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Strict"
            assert page.evaluate("document.cookie").find("pocketstack_dashboard=") == -1
            context.add_cookies([{**cookies[0], "value": "not-a-token"}])
            page.wait_for_url(f"{server.url}/dashboard/login", timeout=WAIT_MS)
        finally:
            browser.close()
