"""Swift API object reads: ranges, conditional requests; and server-side copies."""

from __future__ import annotations

from email.utils import formatdate

import pytest
from starlette.testclient import TestClient

from tests.functional.object_api_support import Swift, account_of, add_user, find_id

DATA = b"0123456789"
ETAG = "781e5e245d69b566979b86e28d23f2c7"


@pytest.fixture
def demo(client: TestClient, admin_token: str, demo_token: str) -> Swift:
    swift = Swift(client, account_of(client, admin_token, "demo"), demo_token)
    swift.request("PUT", "c")
    assert swift.request("PUT", "c/o", content=DATA, headers={"Content-Type": "text/x"}).status_code == 201
    return swift


def test_ranges(demo: Swift) -> None:
    one = demo.request("GET", "c/o", headers={"Range": "bytes=2-4"})
    assert one.status_code == 206 and one.content == b"234"
    assert one.headers["Content-Range"] == "bytes 2-4/10"
    assert demo.request("GET", "c/o", headers={"Range": "bytes=-3"}).content == b"789"
    assert demo.request("GET", "c/o", headers={"Range": "bytes=7-"}).content == b"789"
    assert demo.request("GET", "c/o", headers={"Range": "bytes=8-100"}).content == b"89"
    unsatisfiable = demo.request("GET", "c/o", headers={"Range": "bytes=10-"})
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["Content-Range"] == "bytes */10"
    ignored = demo.request("GET", "c/o", headers={"Range": "bytes=5-2"})
    assert ignored.status_code == 200 and ignored.content == DATA
    head = demo.request("HEAD", "c/o", headers={"Range": "bytes=0-1"})
    assert head.status_code == 206 and head.headers["Content-Length"] == "2"


def test_multiple_ranges_are_multipart(demo: Swift) -> None:
    resp = demo.request("GET", "c/o", headers={"Range": "bytes=0-1,5-6"})
    assert resp.status_code == 206
    kind, _, boundary = resp.headers["Content-Type"].partition(";boundary=")
    assert kind == "multipart/byteranges"
    assert int(resp.headers["Content-Length"]) == len(resp.content)
    parts = resp.content.split(f"--{boundary}".encode())
    assert parts[-1] == b"--"
    assert b"Content-Range: bytes 0-1/10\r\n\r\n01\r\n" in parts[1]
    assert b"Content-Type: text/x" in parts[2] and parts[2].endswith(b"\r\n\r\n56\r\n")


def test_conditionals(demo: Swift) -> None:
    assert demo.request("GET", "c/o", headers={"If-None-Match": f'"{ETAG}"'}).status_code == 304
    assert demo.request("GET", "c/o", headers={"If-None-Match": '"other"'}).status_code == 200
    assert demo.request("GET", "c/o", headers={"If-Match": '"other"'}).status_code == 412
    assert demo.request("GET", "c/o", headers={"If-Match": ETAG}).status_code == 200
    last = demo.request("HEAD", "c/o").headers["Last-Modified"]
    assert demo.request("GET", "c/o", headers={"If-Modified-Since": last}).status_code == 304
    assert demo.request("GET", "c/o", headers={"If-Unmodified-Since": last}).status_code == 200
    past = formatdate(1000, usegmt=True)
    assert demo.request("GET", "c/o", headers={"If-Unmodified-Since": past}).status_code == 412
    assert demo.request("GET", "c/o", headers={"If-Modified-Since": past}).status_code == 200
    not_modified = demo.request("GET", "c/o", headers={"If-None-Match": ETAG})
    assert not_modified.headers["ETag"] == ETAG and not_modified.content == b""
    stale = demo.request("GET", "c/o", headers={"Range": "bytes=0-1", "If-Range": '"other"'})
    assert stale.status_code == 200


def test_object_headers(demo: Swift) -> None:
    head = demo.request("HEAD", "c/o")
    assert head.headers["ETag"] == ETAG
    assert head.headers["Accept-Ranges"] == "bytes"
    assert float(head.headers["X-Timestamp"]) > 0
    assert head.headers["Last-Modified"].endswith("GMT")


def test_copy_with_x_copy_from(demo: Swift) -> None:
    demo.request("POST", "c/o", headers={"X-Object-Meta-A": "1"})
    demo.request("PUT", "d")
    resp = demo.request("PUT", "d/copy", content=b"", headers={"X-Copy-From": "/c/o", "X-Object-Meta-B": "2"})
    assert resp.status_code == 201
    assert resp.headers["X-Copied-From"] == "c/o"
    assert resp.headers["ETag"] == ETAG
    assert resp.headers["X-Copied-From-Last-Modified"]
    head = demo.request("HEAD", "d/copy")
    assert head.headers["X-Object-Meta-A"] == "1" and head.headers["X-Object-Meta-B"] == "2"
    fresh = demo.request(
        "PUT", "d/fresh", content=b"", headers={"X-Copy-From": "c/o", "X-Fresh-Metadata": "true"}
    )
    assert fresh.status_code == 201
    assert "X-Object-Meta-A" not in demo.request("HEAD", "d/fresh").headers
    assert demo.request("PUT", "d/x", content=b"", headers={"X-Copy-From": "nocontainer"}).status_code == 412
    assert demo.request("PUT", "d/x", content=b"", headers={"X-Copy-From": "c/missing"}).status_code == 404


def test_copy_method(demo: Swift) -> None:
    resp = demo.request("COPY", "c/o", headers={"Destination": "c/o2", "Content-Type": "text/y"})
    assert resp.status_code == 201
    got = demo.request("GET", "c/o2")
    assert got.content == DATA and got.headers["Content-Type"] == "text/y"
    assert demo.request("COPY", "c/o").status_code == 412


def test_copy_across_accounts(client: TestClient, admin_token: str, demo: Swift) -> None:
    alt_token = add_user(client, admin_token, "alt", "alt", "member")
    alt = Swift(client, account_of(client, admin_token, "alt"), alt_token)
    alt.request("PUT", "in")
    denied = alt.request(
        "PUT", "in/x", content=b"", headers={"X-Copy-From": "c/o", "X-Copy-From-Account": demo.account}
    )
    assert denied.status_code == 403
    alt_project = find_id(client, admin_token, "projects", "alt")
    demo.request("POST", "c", headers={"X-Container-Read": f"{alt_project}:*"})
    copied = alt.request(
        "PUT", "in/x", content=b"", headers={"X-Copy-From": "c/o", "X-Copy-From-Account": demo.account}
    )
    assert copied.status_code == 201
    assert copied.headers["X-Copied-From-Account"] == demo.account
    assert alt.request("GET", "in/x").content == DATA
    to_demo = alt.request(
        "COPY", "in/x", headers={"Destination": "c/back", "Destination-Account": demo.account}
    )
    assert to_demo.status_code == 403
