"""Swift API: /info, accounts, containers and objects end to end as their owner."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.functional.object_api_support import ROOT, Swift, account_of


@pytest.fixture
def demo(client: TestClient, admin_token: str, demo_token: str) -> Swift:
    return Swift(client, account_of(client, admin_token, "demo"), demo_token)


def test_info_needs_no_token(client: TestClient) -> None:
    resp = client.get(f"{ROOT}/info")
    assert resp.status_code == 200
    swift = resp.json()["swift"]
    assert swift["max_file_size"] == 5368709122
    assert swift["container_listing_limit"] == 10000
    assert "account_quotas" in resp.json()
    assert resp.headers["X-Trans-Id"] == resp.headers["X-Openstack-Request-Id"]


def test_object_round_trip(demo: Swift) -> None:
    assert demo.request("PUT", "c").status_code == 201
    assert demo.request("PUT", "c").status_code == 202
    put = demo.request(
        "PUT", "c/dir/hello.txt", content=b"hello world", headers={"X-Object-Meta-Color": "blue"}
    )
    assert put.status_code == 201, put.text
    assert put.headers["ETag"] == "5eb63bbbe01eeed093cb22bb8f5acdc3"
    assert put.headers["Content-Length"] == "0"
    got = demo.request("GET", "c/dir/hello.txt")
    assert got.status_code == 200
    assert got.content == b"hello world"
    assert got.headers["Content-Type"] == "text/plain"
    assert got.headers["X-Object-Meta-Color"] == "blue"
    assert got.headers["ETag"] == "5eb63bbbe01eeed093cb22bb8f5acdc3"
    assert got.headers["X-Trans-Id"]
    head = demo.request("HEAD", "c/dir/hello.txt")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == "11"
    account = demo.request("HEAD")
    assert account.status_code == 204
    assert account.headers["X-Account-Object-Count"] == "1"
    assert account.headers["X-Account-Bytes-Used"] == "11"
    assert demo.request("DELETE", "c").status_code == 409
    assert demo.request("DELETE", "c/dir/hello.txt").status_code == 204
    missing = demo.request("DELETE", "c/dir/hello.txt")
    assert missing.status_code == 404
    assert missing.text == "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>"
    assert demo.request("DELETE", "c").status_code == 204


def test_put_guesses_or_detects_the_content_type(demo: Swift) -> None:
    demo.request("PUT", "c")
    demo.request("PUT", "c/a.json", content=b"{}")
    demo.request("PUT", "c/blob", content=b"x")
    demo.request(
        "PUT",
        "c/b.html",
        content=b"x",
        headers={"Content-Type": "text/plain", "X-Detect-Content-Type": "true"},
    )
    demo.request("PUT", "c/c.html", content=b"x", headers={"Content-Type": "application/x-mine"})
    assert demo.request("HEAD", "c/a.json").headers["Content-Type"] == "application/json"
    assert demo.request("HEAD", "c/blob").headers["Content-Type"] == "application/octet-stream"
    assert demo.request("HEAD", "c/b.html").headers["Content-Type"] == "text/html"
    assert demo.request("HEAD", "c/c.html").headers["Content-Type"] == "application/x-mine"


def test_put_checks_etag_and_if_none_match(demo: Swift) -> None:
    demo.request("PUT", "c")
    bad = demo.request("PUT", "c/o", content=b"data", headers={"ETag": "0" * 32})
    assert bad.status_code == 422
    assert "Unprocessable Entity" in bad.text
    assert demo.request("HEAD", "c/o").status_code == 404
    good = demo.request("PUT", "c/o", content=b"data", headers={"ETag": '"8d777f385d3dfec8815d20f7496026dc"'})
    assert good.status_code == 201
    again = demo.request("PUT", "c/o", content=b"new", headers={"If-None-Match": "*"})
    assert again.status_code == 412
    assert demo.request("PUT", "c/o", content=b"new", headers={"If-None-Match": "abc"}).status_code == 400
    assert demo.request("GET", "c/o").content == b"data"


def test_put_streams_a_chunked_body(demo: Swift) -> None:
    demo.request("PUT", "c")

    def body():  # noqa: ANN202
        yield b"a" * 70000
        yield b"b" * 5

    resp = demo.request("PUT", "c/chunked", content=body())
    assert resp.status_code == 201
    assert demo.request("HEAD", "c/chunked").headers["Content-Length"] == "70005"


def test_put_into_a_missing_container_is_404(demo: Swift) -> None:
    assert demo.request("PUT", "nope/o", content=b"x").status_code == 404


def test_name_and_metadata_limits(demo: Swift) -> None:
    demo.request("PUT", "c")
    long_name = demo.request("PUT", "c/" + "n" * 1025, content=b"")
    assert long_name.status_code == 400
    assert long_name.text == "Object name length of 1025 longer than 1024"
    long_container = demo.request("PUT", "k" * 257)
    assert long_container.status_code == 400
    assert long_container.text == "Container name length of 257 longer than 256"
    name = demo.request("PUT", "c/o", content=b"", headers={"X-Object-Meta-" + "k" * 129: "v"})
    assert name.status_code == 400 and name.text.startswith("Metadata name too long: x-object-meta-K")
    value = demo.request("PUT", "c/o", content=b"", headers={"X-Object-Meta-K": "v" * 257})
    assert value.status_code == 400 and value.text == "Metadata value longer than 256: x-object-meta-K"
    many = {f"X-Object-Meta-K{i}": "v" for i in range(91)}
    count = demo.request("PUT", "c/o", content=b"", headers=many)
    assert count.status_code == 400 and count.text == "Too many metadata items; max 90"
    big = {f"X-Object-Meta-K{i}": "v" * 250 for i in range(20)}
    total = demo.request("POST", "c", headers={k.replace("Object", "Container"): v for k, v in big.items()})
    assert total.status_code == 400 and total.text == "Total metadata too large; max 4096"
    assert total.headers["Content-Type"].startswith("text/plain")


def test_post_replaces_object_metadata(demo: Swift) -> None:
    demo.request("PUT", "c")
    demo.request(
        "PUT", "c/o", content=b"x", headers={"X-Object-Meta-A": "1", "Content-Disposition": "inline"}
    )
    post = demo.request("POST", "c/o", headers={"X-Object-Meta-B": "2", "Content-Type": "text/x-new"})
    assert post.status_code == 202
    assert post.text == "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>"
    head = demo.request("HEAD", "c/o")
    assert "X-Object-Meta-A" not in head.headers
    assert head.headers["X-Object-Meta-B"] == "2"
    assert head.headers["Content-Type"] == "text/x-new"
    assert "Content-Disposition" not in head.headers
    assert demo.request("POST", "c/missing", headers={"X-Object-Meta-B": "2"}).status_code == 404


def test_delete_at_and_after(demo: Swift) -> None:
    demo.request("PUT", "c")
    assert (
        demo.request("PUT", "c/o", content=b"x", headers={"X-Delete-At": "abc"}).text
        == "Non-integer X-Delete-At"
    )
    assert (
        demo.request("PUT", "c/o", content=b"x", headers={"X-Delete-At": "1000"}).text
        == "X-Delete-At in past"
    )
    assert demo.request("PUT", "c/o", content=b"x", headers={"X-Delete-After": "-1"}).status_code == 400
    assert demo.request("PUT", "c/o", content=b"x", headers={"X-Delete-After": "600"}).status_code == 201
    assert int(demo.request("HEAD", "c/o").headers["X-Delete-At"]) > 0


def test_sysmeta_from_clients_is_dropped(demo: Swift) -> None:
    demo.request("PUT", "c", headers={"X-Container-Sysmeta-Secret": "s"})
    demo.request("PUT", "c/o", content=b"x", headers={"X-Object-Sysmeta-Secret": "s"})
    assert not any("sysmeta" in k.lower() for k in demo.request("HEAD", "c").headers)
    assert not any("sysmeta" in k.lower() for k in demo.request("HEAD", "c/o").headers)


def test_container_headers_and_settings(demo: Swift) -> None:
    created = demo.request(
        "PUT",
        "c",
        headers={
            "X-Container-Meta-Owner": "me",
            "X-Container-Read": ".r:*,.rlistings",
            "X-Versions-Location": "old",
            "X-Container-Meta-Quota-Bytes": "100",
        },
    )
    assert created.status_code == 201
    head = demo.request("HEAD", "c")
    assert head.status_code == 204
    assert head.headers["X-Container-Meta-Owner"] == "me"
    assert head.headers["X-Container-Read"] == ".r:*,.rlistings"
    assert head.headers["X-Versions-Location"] == "old"
    assert head.headers["X-Container-Meta-Quota-Bytes"] == "100"
    assert head.headers["X-Storage-Policy"] == "Policy-0"
    assert head.headers["X-Container-Object-Count"] == "0"
    post = demo.request(
        "POST", "c", headers={"X-Remove-Container-Meta-Owner": "x", "X-History-Location": "hist"}
    )
    assert post.status_code == 204
    head = demo.request("HEAD", "c")
    assert "X-Container-Meta-Owner" not in head.headers
    assert "X-Versions-Location" not in head.headers
    assert head.headers["X-History-Location"] == "hist"
    both = demo.request("POST", "c", headers={"X-History-Location": "a", "X-Versions-Location": "b"})
    assert both.status_code == 400
    assert demo.request("POST", "nope").status_code == 404
    assert demo.request("PUT", "d", headers={"X-Storage-Policy": "gold"}).status_code == 400
    assert demo.request("PUT", "d", headers={"X-Container-Write": ".r:*"}).status_code == 400


def test_container_quota_is_413(demo: Swift) -> None:
    demo.request("PUT", "c", headers={"X-Container-Meta-Quota-Bytes": "3"})
    over = demo.request("PUT", "c/o", content=b"four")
    assert over.status_code == 413
    assert over.text == "Upload exceeds quota."


def test_account_metadata_and_quota(demo: Swift, admin_token: str) -> None:
    post = demo.request(
        "POST", headers={"X-Account-Meta-Temp-URL-Key": "secret", "X-Account-Meta-Color": "red"}
    )
    assert post.status_code == 204
    head = demo.request("HEAD")
    assert head.headers["X-Account-Meta-Temp-Url-Key"] == "secret"
    assert head.headers["X-Account-Meta-Color"] == "red"
    demo.request("POST", headers={"X-Remove-Account-Meta-Color": "x"})
    assert "X-Account-Meta-Color" not in demo.request("HEAD").headers
    assert demo.request("POST", headers={"X-Account-Meta-Quota-Bytes": "10"}).status_code == 403
    assert (
        demo.as_(admin_token).request("POST", headers={"X-Account-Meta-Quota-Bytes": "10"}).status_code == 204
    )
    assert demo.request("HEAD").headers["X-Account-Meta-Quota-Bytes"] == "10"
    demo.request("PUT", "c")
    assert demo.request("PUT", "c/o", content=b"x" * 11).status_code == 413
    assert demo.request("PUT", "c/o", content=b"x" * 10).status_code == 201
    assert demo.request("PUT").status_code == 405
    assert demo.request("DELETE").status_code == 405


def test_unknown_paths_and_methods(client: TestClient, demo: Swift) -> None:
    assert client.get(f"{ROOT}/v2/x").status_code == 404
    assert client.get(f"{ROOT}/nothing").text.startswith("<html><h1>Not Found</h1>")
    patch = demo.request("PATCH", "c")
    assert patch.status_code == 405
    assert "PUT" in patch.headers["Allow"]


def test_a_path_no_mount_takes_is_swift_404(client: TestClient) -> None:
    resp = client.get(f"{ROOT}/v1/AUTH_x%0Ay")
    assert resp.status_code == 404
    assert resp.text == "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>"
