"""Swift API access: owners, readers, other projects, anonymous callers and container ACLs."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.functional.object_api_support import ROOT, Swift, account_of, add_user, find_id


@pytest.fixture
def demo(client: TestClient, admin_token: str, demo_token: str) -> Swift:
    swift = Swift(client, account_of(client, admin_token, "demo"), demo_token)
    assert swift.request("PUT", "c").status_code == 201
    assert swift.request("PUT", "c/o", content=b"data").status_code == 201
    return swift


@pytest.fixture
def alt_token(client: TestClient, admin_token: str) -> str:
    return add_user(client, admin_token, "alt", "alt", "member")


def test_bad_token_is_401(demo: Swift) -> None:
    resp = demo.as_("not-a-token").request("GET", "c/o")
    assert resp.status_code == 401
    assert resp.text.startswith("<html><h1>Unauthorized</h1>")
    assert resp.headers["X-Trans-Id"]
    assert resp.headers["WWW-Authenticate"].startswith("Keystone uri=")


def test_x_storage_token_is_accepted(demo: Swift) -> None:
    resp = demo.as_(None).request("GET", "c/o", headers={"X-Storage-Token": demo.token})
    assert resp.status_code == 200


def test_another_project_is_403(demo: Swift, alt_token: str) -> None:
    alt = demo.as_(alt_token)
    for method, path in [("GET", ""), ("HEAD", "c"), ("GET", "c/o"), ("PUT", "c/x"), ("DELETE", "c/o")]:
        assert alt.request(method, path, content=b"" if method == "PUT" else None).status_code == 403, method
    assert alt.request("GET", "missing/o").status_code == 403
    assert alt.request("POST", headers={"X-Account-Meta-A": "b"}).status_code == 403


def test_reader_reads_only(client: TestClient, admin_token: str, demo: Swift) -> None:
    reader = demo.as_(add_user(client, admin_token, "viewer", "demo", "reader"))
    assert reader.request("GET", "c/o").content == b"data"
    assert reader.request("GET", "c").status_code == 200
    assert reader.request("HEAD").status_code == 204
    assert reader.request("PUT", "c/new", content=b"x").status_code == 403
    assert reader.request("POST", "c/o", headers={"X-Object-Meta-A": "b"}).status_code == 403
    assert reader.request("DELETE", "c/o").status_code == 403
    assert reader.request("PUT", "other").status_code == 403
    assert "X-Container-Read" not in reader.request("HEAD", "c").headers


def test_admin_reaches_every_account(demo: Swift, admin_token: str) -> None:
    admin = demo.as_(admin_token)
    assert admin.request("GET", "c/o").content == b"data"
    assert admin.request("PUT", "c/by-admin", content=b"x").status_code == 201


def test_anonymous_is_401_until_a_referrer_acl(demo: Swift) -> None:
    anon = demo.as_(None)
    denied = anon.request("GET", "c/o")
    assert denied.status_code == 401
    assert anon.request("GET", "c").status_code == 401
    demo.request("POST", "c", headers={"X-Container-Read": ".r:*"})
    assert anon.request("GET", "c/o").content == b"data"
    assert anon.request("GET", "c").status_code == 401  # listing needs .rlistings
    assert anon.request("PUT", "c/o", content=b"x").status_code == 401
    demo.request("POST", "c", headers={"X-Container-Read": ".r:*,.rlistings"})
    listing = anon.request("GET", "c")
    assert listing.status_code == 200 and listing.text == "o\n"
    assert "X-Container-Read" not in listing.headers
    assert anon.request("GET", "missing/o").status_code == 401


def test_referrer_acl_matches_the_host(demo: Swift) -> None:
    demo.request("POST", "c", headers={"X-Container-Read": ".r:.example.com,.r:-bad.example.com"})
    anon = demo.as_(None)
    assert anon.request("GET", "c/o", headers={"Referer": "http://www.example.com/x"}).status_code == 200
    assert anon.request("GET", "c/o", headers={"Referer": "http://bad.example.com/"}).status_code == 401
    assert anon.request("GET", "c/o", headers={"Referer": "http://other.org/"}).status_code == 401


def test_project_and_user_acls(client: TestClient, admin_token: str, demo: Swift, alt_token: str) -> None:
    alt = demo.as_(alt_token)
    alt_project = find_id(client, admin_token, "projects", "alt")
    alt_user = find_id(client, admin_token, "users", "alt")
    demo.request("POST", "c", headers={"X-Container-Read": f"{alt_project}:*"})
    assert alt.request("GET", "c/o").status_code == 200
    assert alt.request("GET", "c").status_code == 200
    assert alt.request("PUT", "c/x", content=b"x").status_code == 403
    demo.request("POST", "c", headers={"X-Container-Write": f"{alt_project}:{alt_user}"})
    assert alt.request("PUT", "c/x", content=b"x").status_code == 201
    assert alt.request("DELETE", "c/x").status_code == 204
    assert alt.request("POST", "c", headers={"X-Container-Meta-A": "b"}).status_code == 403
    assert alt.request("POST", "c", headers={"X-Container-Read": "*:*"}).status_code == 403
    demo.request("POST", "c", headers={"X-Container-Read": "*:*", "X-Remove-Container-Write": "x"})
    assert alt.request("GET", "c/o").status_code == 200
    assert alt.request("PUT", "c/x", content=b"x").status_code == 403
    assert demo.request("HEAD", "c").headers["X-Container-Read"] == "*:*"


def test_acl_names_in_the_default_domain(demo: Swift, alt_token: str) -> None:
    demo.request("POST", "c", headers={"X-Container-Read": "alt:alt"})
    assert demo.as_(alt_token).request("GET", "c/o").status_code == 200


def test_invalid_acls_are_400(demo: Swift) -> None:
    for value in (".r:", ".unknown:x", ".r:-"):
        resp = demo.request("POST", "c", headers={"X-Container-Read": value})
        assert resp.status_code == 400, value
    resp = demo.request("POST", "c", headers={"X-Container-Write": ".r:*"})
    assert resp.text == "Referrers not allowed in write ACL: '.r:*'"
    demo.request("POST", "c", headers={"X-Container-Read": ".referrer:*.example.com"})
    assert demo.request("HEAD", "c").headers["X-Container-Read"] == ".r:.example.com"


def test_info_ignores_tokens(client: TestClient) -> None:
    assert client.get(f"{ROOT}/info", headers={"X-Auth-Token": "bogus"}).status_code == 200


def test_options_lists_the_methods(demo: Swift) -> None:
    resp = demo.as_(None).request("OPTIONS", "c/o")
    assert resp.status_code == 200
    assert {"COPY", "GET", "OPTIONS", "PUT"} <= set(resp.headers["Allow"].split(", "))


def test_anonymous_401_says_where_to_authenticate(demo: Swift) -> None:
    assert demo.as_(None).request("GET", "c/o").headers["WWW-Authenticate"].startswith("Keystone uri=")


def test_temp_url_keys_are_for_owners(client: TestClient, admin_token: str, demo: Swift) -> None:
    demo.request("POST", headers={"X-Account-Meta-Temp-URL-Key": "k1", "X-Account-Meta-Color": "red"})
    demo.request(
        "POST", "c", headers={"X-Container-Meta-Temp-URL-Key-2": "k2", "X-Container-Read": ".r:*,.rlistings"}
    )
    reader = demo.as_(add_user(client, admin_token, "viewer", "demo", "reader"))
    account = reader.request("HEAD").headers
    assert account["X-Account-Meta-Color"] == "red" and "X-Account-Meta-Temp-Url-Key" not in account
    assert "X-Container-Meta-Temp-Url-Key-2" not in demo.as_(None).request("HEAD", "c").headers
    assert demo.request("HEAD", "c").headers["X-Container-Meta-Temp-Url-Key-2"] == "k2"
    assert demo.request("HEAD").headers["X-Account-Meta-Temp-Url-Key"] == "k1"


def test_accounts_outside_the_reseller_prefix_are_refused(demo: Swift, admin_token: str) -> None:
    assert demo.as_(None).client.get("/object-store/v1/OTHER_x").status_code == 401
    assert (
        demo.client.get("/object-store/v1/OTHER_x", headers={"X-Auth-Token": demo.token or ""}).status_code
        == 403
    )
    assert demo.client.get("/object-store/v1/AUTH_", headers={"X-Auth-Token": admin_token}).status_code == 403
