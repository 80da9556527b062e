"""Swift API listings: formats, Accept, prefix, delimiter, markers, limit and reverse."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from starlette.testclient import TestClient

from tests.functional.object_api_support import Swift, account_of

NAMES = ["a/1", "a/2", "b", "c/x/y", "d"]


@pytest.fixture
def demo(client: TestClient, admin_token: str, demo_token: str) -> Swift:
    swift = Swift(client, account_of(client, admin_token, "demo"), demo_token)
    for container in ("box", "crate", "empty"):
        assert swift.request("PUT", container).status_code == 201
    for name in NAMES:
        assert (
            swift.request(
                "PUT", f"box/{name}", content=b"12345", headers={"Content-Type": "text/x"}
            ).status_code
            == 201
        )
    return swift


def names(swift: Swift, path: str = "box", **params: str) -> list[str]:
    resp = swift.request("GET", path, params=params)
    assert resp.status_code in (200, 204), resp.text
    return resp.text.splitlines()


def test_plain_listing_and_parameters(demo: Swift) -> None:
    resp = demo.request("GET", "box")
    assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert resp.headers["X-Container-Object-Count"] == "5"
    assert resp.headers["X-Container-Bytes-Used"] == "25"
    assert names(demo) == NAMES
    assert names(demo, prefix="a/") == ["a/1", "a/2"]
    assert names(demo, delimiter="/") == ["a/", "b", "c/", "d"]
    assert names(demo, prefix="c/", delimiter="/") == ["c/x/"]
    assert names(demo, marker="a/2") == ["b", "c/x/y", "d"]
    assert names(demo, end_marker="b") == ["a/1", "a/2"]
    assert names(demo, limit="2") == ["a/1", "a/2"]
    assert names(demo, reverse="true") == list(reversed(NAMES))
    assert names(demo, limit="bad") == NAMES
    too_many = demo.request("GET", "box", params={"limit": "10001"})
    assert too_many.status_code == 412
    assert too_many.text == "Maximum limit is 10000"


def test_empty_listings(demo: Swift) -> None:
    empty = demo.request("GET", "empty")
    assert empty.status_code == 204 and empty.content == b""
    as_json = demo.request("GET", "empty", params={"format": "json"})
    assert as_json.status_code == 200 and as_json.json() == []
    assert demo.request("GET", "missing").status_code == 404


def test_json_listing(demo: Swift) -> None:
    entries = demo.request("GET", "box", params={"format": "json", "delimiter": "/"}).json()
    assert entries[0] == {"subdir": "a/"}
    b = entries[1]
    assert b["name"] == "b" and b["bytes"] == 5 and b["content_type"] == "text/x"
    assert b["hash"] == "827ccb0eea8a706c4c34a16891f84e7b"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", b["last_modified"])


def test_xml_listing_and_accept(demo: Swift) -> None:
    resp = demo.request("GET", "box", params={"format": "xml", "delimiter": "/"})
    assert resp.headers["Content-Type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(resp.content)
    assert root.tag == "container" and root.get("name") == "box"
    assert root[0].tag == "subdir" and root[0].get("name") == "a/"
    assert root[1].find("name").text == "b"  # type: ignore[union-attr]
    by_accept = demo.request("GET", "box", headers={"Accept": "application/json"})
    assert by_accept.headers["Content-Type"] == "application/json; charset=utf-8"
    text_xml = demo.request("GET", "box", headers={"Accept": "text/xml"})
    assert text_xml.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert demo.request("GET", "box", headers={"Accept": "image/png"}).status_code == 406
    assert (
        demo.request("GET", "box", headers={"Accept": "*/*"}).headers["Content-Type"].startswith("text/plain")
    )


def test_account_listing(demo: Swift) -> None:
    resp = demo.request("GET")
    assert resp.status_code == 200
    assert resp.text == "box\ncrate\nempty\n"
    assert resp.headers["X-Account-Container-Count"] == "3"
    entries = demo.request("GET", params={"format": "json", "limit": "1", "marker": "box"}).json()
    assert [e["name"] for e in entries] == ["crate"]
    assert set(entries[0]) == {"name", "count", "bytes", "last_modified"}
    xml = ET.fromstring(demo.request("GET", params={"format": "xml"}).content)
    assert xml.tag == "account" and xml[0].find("count").text == "5"  # type: ignore[union-attr]
    assert demo.request("GET", params={"prefix": "zzz"}).status_code == 204
    assert demo.request("GET", params={"limit": "10001"}).status_code == 412
    head = demo.request("HEAD", params={"format": "json"})
    assert head.status_code == 204 and head.headers["Content-Type"].startswith("application/json")


def test_limit_zero_lists_nothing(demo: Swift) -> None:
    assert demo.request("GET", "box", params={"limit": "0"}).status_code == 204
    assert demo.request("GET", "box", params={"limit": "0", "format": "json"}).json() == []
