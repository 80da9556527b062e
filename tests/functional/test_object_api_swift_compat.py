"""Swift API: what Tempest's object storage tests found (issue #13): Swift's transaction ids
and header case, the healthcheck and crossdomain paths, account object-count quotas, empty
object metadata, and a copy's answer."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tests.functional.object_api_support import ROOT, Swift, account_of

TRANS_ID = re.compile(r"^tx[0-9a-f]{21}-[0-9a-f]{10}$")


@pytest.fixture
def demo(client: TestClient, admin_token: str, demo_token: str) -> Swift:
    return Swift(client, account_of(client, admin_token, "demo"), demo_token)


def test_every_answer_has_a_swift_transaction_id(client: TestClient, demo: Swift) -> None:
    for resp in (
        client.get(f"{ROOT}/info"),
        demo.request("HEAD"),
        demo.request("GET", "missing"),  # an error page
        demo.as_("not-a-token").request("HEAD"),  # turned away by the auth layer
    ):
        assert TRANS_ID.match(resp.headers["X-Trans-Id"]), resp.headers
        assert resp.headers["X-Trans-Id"] == resp.headers["X-Openstack-Request-Id"]


def test_header_names_are_title_case(demo: Swift) -> None:
    assert demo.request("PUT", "c", headers={"X-Container-Meta-Web-Index": "i"}).status_code == 201
    put = demo.request("PUT", "c/o", content=b"x", headers={"x-object-meta-colour": "red"})
    assert put.status_code == 201
    names = {name for name, _ in demo.request("HEAD", "c/o").headers.raw}
    assert {b"X-Object-Meta-Colour", b"Content-Type", b"Etag", b"X-Timestamp", b"X-Trans-Id"} <= names
    names = {name for name, _ in demo.request("HEAD", "c").headers.raw}
    assert {b"X-Container-Object-Count", b"X-Container-Meta-Web-Index", b"Content-Length"} <= names
    assert all(name.decode() == name.decode().title() for name in names)


def test_healthcheck_and_crossdomain_need_no_token(client: TestClient) -> None:
    health = client.get(f"{ROOT}/healthcheck")
    assert (health.status_code, health.text) == (200, "OK")
    policy = client.get(f"{ROOT}/crossdomain.xml", headers={"X-Auth-Token": "ignored"})
    assert policy.status_code == 200
    assert policy.headers["Content-Type"].startswith("application/xml")
    assert policy.text.startswith('<?xml version="1.0"?>\n<!DOCTYPE cross-domain-policy')
    assert policy.text.endswith("</cross-domain-policy>")
    assert "crossdomain" in client.get(f"{ROOT}/info").json()


def test_account_object_count_quota(demo: Swift, admin_token: str) -> None:
    assert demo.request("PUT", "c").status_code == 201
    refused = demo.request("POST", headers={"X-Account-Quota-Count": "1"})
    assert refused.status_code == 403  # only a reseller admin sets quotas
    admin = demo.as_(admin_token)
    assert admin.request("POST", headers={"X-Account-Quota-Count": "1"}).status_code == 204
    assert demo.request("HEAD").headers["X-Account-Quota-Count"] == "1"
    assert demo.request("PUT", "c/one", content=b"1").status_code == 201
    assert demo.request("PUT", "c/two", content=b"2").status_code == 413
    assert admin.request("POST", headers={"X-Remove-Account-Quota-Count": "x"}).status_code == 204
    assert "X-Account-Quota-Count" not in demo.request("HEAD").headers
    assert demo.request("PUT", "c/two", content=b"2").status_code == 201
    assert admin.request("POST", headers={"X-Account-Quota-Bytes": "abc"}).status_code == 400


def test_object_metadata_may_be_empty(demo: Swift) -> None:
    assert demo.request("PUT", "c").status_code == 201
    assert demo.request("PUT", "c/o", content=b"x", headers={"X-Object-Meta-Blank": ""}).status_code == 201
    assert demo.request("HEAD", "c/o").headers["X-Object-Meta-Blank"] == ""
    assert demo.request("POST", "c/o", headers={"X-Object-Meta-Other": ""}).status_code == 202
    head = demo.request("HEAD", "c/o").headers
    assert head["X-Object-Meta-Other"] == "" and "X-Object-Meta-Blank" not in head


def test_copy_answers_with_the_new_objects_metadata(demo: Swift) -> None:
    assert demo.request("PUT", "c").status_code == 201
    assert demo.request("PUT", "c/src", content=b"x", headers={"X-Object-Meta-Src": "s"}).status_code == 201
    copied = demo.request("COPY", "c/src", headers={"Destination": "c/dst", "X-Object-Meta-New": "n"})
    assert copied.status_code == 201
    assert copied.headers["X-Object-Meta-Src"] == "s"
    assert copied.headers["X-Object-Meta-New"] == "n"
    assert copied.headers["X-Copied-From"] == "c/src"
