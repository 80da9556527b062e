"""The Swift front end's pure parts: ACL parsing and matching, Range parsing, format choice."""

from __future__ import annotations

import pytest
from starlette.datastructures import Headers, QueryParams

from pocketstack.api.object_v1.errors import SwiftError
from pocketstack.api.object_v1.listing import listing_media
from pocketstack.api.object_v1.ranges import parse_range, satisfiable
from pocketstack.api.object_v1.request import SwiftPath
from pocketstack.core.errors import BadRequest
from pocketstack.core.objects.acl import AclIdentity, clean_acl, identity_allowed, parse_acl, referrer_allowed

WHO = AclIdentity("p1", "u1", "proj", "user", in_default_domain=True, roles=frozenset({"member", "reader"}))


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        (" .r:* , .rlistings ", ".r:*,.rlistings"),
        (".ref:example.com", ".r:example.com"),
        (".referrer:*.example.com", ".r:.example.com"),
        (".r: - bad.com", ".r:-bad.com"),
        ("p1:u1,,p2:*", "p1:u1,p2:*"),
    ],
)
def test_clean_read_acl(given: str, cleaned: str) -> None:
    assert clean_acl("read", given) == cleaned


@pytest.mark.parametrize("given", [".r:", ".r:-", ".x:y", ".rlisting"])
def test_bad_read_acls(given: str) -> None:
    with pytest.raises(BadRequest):
        clean_acl("read", given)


def test_write_acl_refuses_referrers() -> None:
    with pytest.raises(BadRequest, match="Referrers not allowed in write ACL"):
        clean_acl("write", ".r:*")


def test_referrers() -> None:
    referrers = parse_acl(".r:*,.r:-evil.com").referrers
    assert referrer_allowed(None, referrers)
    assert referrer_allowed("http://good.com/page", referrers)
    assert not referrer_allowed("https://evil.com/", referrers)
    assert referrer_allowed("http://a.b.org/", (".b.org",))
    assert not referrer_allowed("http://b.org/", (".b.org",))
    assert not referrer_allowed(None, ())


@pytest.mark.parametrize(
    ("entry", "allowed"),
    [
        ("p1:u1", True),
        ("p1:*", True),
        ("*:u1", True),
        ("*:*", True),
        ("proj:user", True),
        ("p2:*", False),
        ("p1:u2", False),
        ("member", True),
        ("admin", False),
        (".rlistings", False),
    ],
)
def test_identity_entries(entry: str, allowed: bool) -> None:
    assert identity_allowed(parse_acl(entry).groups, WHO) is allowed


def test_names_only_in_the_default_domain() -> None:
    elsewhere = AclIdentity("p1", "u1", "proj", "user", in_default_domain=False)
    assert not identity_allowed(("proj:user",), elsewhere)
    assert not identity_allowed(("*:*",), AclIdentity(None, None))


@pytest.mark.parametrize(
    ("header", "size", "windows"),
    [
        ("bytes=0-4", 10, [(0, 5)]),
        ("bytes=-4", 10, [(6, 4)]),
        ("bytes=-40", 10, [(0, 10)]),
        ("bytes=8-", 10, [(8, 2)]),
        ("bytes=0-0,9-", 10, [(0, 1), (9, 1)]),
        ("bytes=10-", 10, []),
        ("bytes=-0", 10, []),
        ("bytes=3-20,50-60", 10, [(3, 7)]),
    ],
)
def test_ranges(header: str, size: int, windows: list[tuple[int, int]]) -> None:
    ranges = parse_range(header)
    assert ranges is not None
    assert satisfiable(ranges, size) == windows


@pytest.mark.parametrize("header", ["bytes=4-2", "pages=0-1", "bytes=a-b", "bytes=-", "bytes 0-1", ""])
def test_malformed_ranges_are_ignored(header: str) -> None:
    assert parse_range(header) is None


def test_more_than_fifty_ranges_are_ignored() -> None:
    assert parse_range("bytes=" + ",".join(["0-0"] * 51)) is None


@pytest.mark.parametrize(
    ("query", "accept", "media"),
    [
        ("format=json", None, "application/json"),
        ("format=XML", None, "application/xml"),
        ("format=bogus", None, "text/plain"),
        ("", None, "text/plain"),
        ("", "application/json;q=0.5, text/xml", "text/xml"),
        ("", "application/*", "application/json"),
        ("", "*/*", "text/plain"),
    ],
)
def test_listing_media(query: str, accept: str | None, media: str) -> None:
    headers = Headers({"accept": accept} if accept else {})
    assert listing_media(QueryParams(query), headers) == media


def test_unacceptable_listing_media() -> None:
    with pytest.raises(SwiftError) as err:
        listing_media(QueryParams(""), Headers({"accept": "image/png"}))
    assert err.value.status == 406


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        ("/v1/AUTH_p", ("AUTH_p", None, None)),
        ("/v1/AUTH_p/", ("AUTH_p", None, None)),
        ("/v1/AUTH_p/c/", ("AUTH_p", "c", None)),
        ("/v1/AUTH_p/c/a//b/", ("AUTH_p", "c", "a//b/")),
        ("/v1.0/AUTH_p/c", ("AUTH_p", "c", None)),
    ],
)
def test_swift_paths(path: str, parts: tuple[str, str | None, str | None]) -> None:
    parsed = SwiftPath.parse(path)
    assert parsed is not None
    assert (parsed.account, parsed.container, parsed.obj) == parts


@pytest.mark.parametrize("path", ["/v2/AUTH_p", "/v1", "/v1/", "/info"])
def test_not_swift_paths(path: str) -> None:
    assert SwiftPath.parse(path) is None
