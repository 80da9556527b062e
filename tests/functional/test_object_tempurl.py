"""TempURL: signatures over method, expiry and path, with account or container keys."""

from __future__ import annotations

import base64
import hmac
import time

import pytest
from starlette.testclient import TestClient

from pocketstack.api.object_v1.middleware.signatures import split_signature
from pocketstack.api.object_v1.middleware.tempurl import hmac_body, parse_expires
from tests.functional import object_layers_support as support
from tests.functional.object_layers_support import SwiftAccount, swift_cli

swift = support.swift
live_server = support.live_server

KEY = "s3cr3t"


def sign(
    path: str, method: str = "GET", expires: int | None = None, key: str = KEY, digest: str = "sha256", **kw
):
    expires = expires or int(time.time() + 300)
    mac = hmac.new(key.encode(), hmac_body(method, expires, path, kw.pop("ip", None)).encode(), digest)
    sig = (
        mac.hexdigest() if digest != "sha512" else "sha512:" + base64.urlsafe_b64encode(mac.digest()).decode()
    )
    return {"temp_url_sig": sig, "temp_url_expires": str(expires), **kw}


@pytest.fixture
def shared(swift: SwiftAccount) -> SwiftAccount:
    assert swift.post("", headers={"X-Account-Meta-Temp-URL-Key": KEY}).status_code == 204
    swift.put("c")
    swift.put(
        "c/report.pdf",
        b"secret data",
        headers={"X-Object-Meta-Private": "x", "X-Object-Meta-Public-Tag": "y"},
    )
    return swift


def test_split_signature_and_expires() -> None:
    assert split_signature("a" * 40) == ("sha1", "a" * 40)
    assert split_signature("a" * 41) is None
    raw = bytes(range(64))
    assert split_signature("sha512:" + base64.urlsafe_b64encode(raw).decode().rstrip("=")) == (
        "sha512",
        raw.hex(),
    )
    assert parse_expires("2000-01-01T00:00:00Z") == 0
    assert parse_expires("2100-01-01T00:00:00Z") == 4102444800
    assert parse_expires("soon") == 0


@pytest.mark.parametrize("digest", ["sha1", "sha256", "sha512"])
def test_get_with_a_signature(shared: SwiftAccount, digest: str) -> None:
    path = f"/v1/{shared.account}/c/report.pdf"
    resp = shared.get("c/report.pdf", params=sign(path, digest=digest), auth=False)
    assert resp.status_code == 200, resp.text
    assert resp.content == b"secret data"
    assert (
        resp.headers["content-disposition"]
        == "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    )
    assert "expires" in resp.headers
    assert "x-object-meta-private" not in resp.headers
    assert resp.headers["x-object-meta-public-tag"] == "y"


def test_full_path_iso_expiry_filename_inline(shared: SwiftAccount) -> None:
    path = f"/object-store/v1/{shared.account}/c/report.pdf"
    params = sign(path)
    params["temp_url_expires"] = time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(params["temp_url_expires"]))
    )
    resp = shared.get("c/report.pdf", params={**params, "filename": "My File.pdf"}, auth=False)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-disposition"].startswith('attachment; filename="My File.pdf"')
    inline = shared.get("c/report.pdf", params={**params, "inline": ""}, auth=False)
    assert inline.headers["content-disposition"] == "inline"


def test_invalid_signatures_are_401(shared: SwiftAccount) -> None:
    path = f"/v1/{shared.account}/c/report.pdf"
    expired = shared.get("c/report.pdf", params=sign(path, expires=int(time.time()) - 1), auth=False)
    assert expired.status_code == 401
    assert expired.text == "401 Unauthorized: Temp URL invalid\n"
    assert shared.get("c/report.pdf", params=sign(path, key="other"), auth=False).status_code == 401
    assert shared.put("c/report.pdf", b"x", params=sign(path), auth=False).status_code == 401
    assert shared.get("c/other", params=sign(path), auth=False).status_code == 401
    assert shared.head("c/report.pdf", params=sign(path), auth=False).status_code == 200
    ranged = sign(path, ip="10.0.0.0/8", temp_url_ip_range="10.0.0.0/8")
    assert shared.get("c/report.pdf", params=ranged, auth=False).status_code == 401


def test_put_and_delete(shared: SwiftAccount) -> None:
    path = f"/v1/{shared.account}/c/upload.txt"
    put = shared.put("c/upload.txt", b"uploaded", params=sign(path, "PUT"), auth=False)
    assert put.status_code == 201, put.text
    assert shared.get("c/upload.txt").content == b"uploaded"
    manifest = shared.put(
        "c/upload.txt", b"", params=sign(path, "PUT"), auth=False, headers={"X-Object-Manifest": "c/x"}
    )
    assert manifest.status_code == 400
    assert shared.delete("c/upload.txt", params=sign(path, "DELETE"), auth=False).status_code == 204


def test_prefix_and_container_keys(shared: SwiftAccount) -> None:
    shared.put("c/pre/a", b"A")
    shared.put("c/other", b"O")
    params = sign(f"prefix:/v1/{shared.account}/c/pre/", temp_url_prefix="pre/")
    assert shared.get("c/pre/a", params=params, auth=False).content == b"A"
    assert shared.get("c/other", params=params, auth=False).status_code == 401
    shared.post("c", headers={"X-Container-Meta-Temp-URL-Key-2": "ckey"})
    params = sign(f"/v1/{shared.account}/c/other", key="ckey")
    assert shared.get("c/other", params=params, auth=False).content == b"O"


def test_ip_range(shared: SwiftAccount) -> None:
    local = TestClient(shared.client.app, client=("127.0.0.1", 4000))
    path = f"/v1/{shared.account}/c/report.pdf"
    params = sign(path, ip="127.0.0.0/8", temp_url_ip_range="127.0.0.0/8")
    assert local.get(f"{shared.base}/c/report.pdf", params=params).status_code == 200


def test_swift_tempurl_command(shared: SwiftAccount, live_server: str) -> None:
    path = f"/object-store/v1/{shared.account}/c/report.pdf"
    made = swift_cli(live_server, shared, "tempurl", "GET", "300", path, KEY)
    assert made.returncode == 0, made.stderr
    url = made.stdout.strip()
    assert shared.client.get(url).content == b"secret data"


def test_container_key_reaches_only_its_container(shared: SwiftAccount) -> None:
    shared.put("segs")
    shared.put("segs/1", b"one")
    shared.put("c/inside", b"two")
    manifest = '[{"path": "/segs/1"}]'
    assert shared.put("c/large", manifest.encode(), params={"multipart-manifest": "put"}).status_code == 201
    inside = '[{"path": "/c/inside"}]'
    assert shared.put("c/local", inside.encode(), params={"multipart-manifest": "put"}).status_code == 201
    shared.post("c", headers={"X-Container-Meta-Temp-URL-Key": "ckey"})
    by_container = sign(f"/v1/{shared.account}/c/large", key="ckey")
    assert shared.get("c/large", params=by_container, auth=False).status_code == 409
    assert shared.get("c/large", params=sign(f"/v1/{shared.account}/c/large"), auth=False).content == b"one"
    local = sign(f"/v1/{shared.account}/c/local", key="ckey")
    assert shared.get("c/local", params=local, auth=False).content == b"two"
