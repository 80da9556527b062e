"""FormPost: signed browser uploads of multipart/form-data into a container."""

from __future__ import annotations

import hashlib
import hmac
import time

import anyio
import pytest

from pocketstack.api.object_v1.middleware.formpost import form_hmac_body
from pocketstack.api.object_v1.middleware.multipart_form import MimeInvalid, MultipartReader
from tests.functional import object_layers_support as support
from tests.functional.object_layers_support import SwiftAccount

swift = support.swift
KEY = "form-key"
BOUNDARY = "----pocketstackboundary"


def form_body(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> bytes:
    out = b""
    for name, value in fields:
        out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for field, filename, data in files:
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        out += (head + "Content-Type: text/plain\r\n\r\n").encode() + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def signed_fields(
    path: str, redirect: str = "", size: int = 1024, count: int = 5, expires: int | None = None
):
    attributes = {
        "redirect": redirect,
        "max_file_size": str(size),
        "max_file_count": str(count),
        "expires": str(expires or int(time.time() + 600)),
    }
    sig = hmac.new(KEY.encode(), form_hmac_body(path, attributes).encode(), hashlib.sha256).hexdigest()
    return [*attributes.items(), ("signature", sig)]


def post_form(swift: SwiftAccount, target: str, body: bytes):
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    return swift.post(target, content=body, headers=headers, auth=False, follow_redirects=False)


@pytest.fixture
def keyed(swift: SwiftAccount) -> SwiftAccount:
    swift.post("", headers={"X-Account-Meta-Temp-URL-Key": KEY})
    swift.put("uploads")
    return swift


def test_multipart_reader_streams_parts() -> None:
    body = form_body([("a", "1")], [("f", "x.txt", b"hello\r\nworld")])
    chunks = [body[i : i + 7] for i in range(0, len(body), 7)]

    async def run() -> list[tuple[dict, bytes]]:
        async def receive():
            data = chunks.pop(0)
            return {"type": "http.request", "body": data, "more_body": bool(chunks)}

        found = []
        async for part in MultipartReader(receive, BOUNDARY).parts():
            found.append((part.headers, b"".join([c async for c in part.body])))
        return found

    parts = anyio.run(run)
    assert [p[1] for p in parts] == [b"1", b"hello\r\nworld"]
    assert parts[1][0]["content-type"] == "text/plain"

    async def bad() -> None:
        async def receive():
            return {"type": "http.request", "body": b"garbage", "more_body": False}

        async for _ in MultipartReader(receive, BOUNDARY).parts():
            pass

    with pytest.raises(MimeInvalid):
        anyio.run(bad)


def test_upload_files_with_redirect(keyed: SwiftAccount) -> None:
    path = f"/v1/{keyed.account}/uploads/pre_"
    fields = signed_fields(path, redirect="https://example.org/done")
    resp = post_form(
        keyed, "uploads/pre_", form_body(fields, [("f1", "a.txt", b"AAA"), ("f2", "b.txt", b"BB")])
    )
    assert resp.status_code == 303, resp.text
    assert resp.headers["location"] == "https://example.org/done?status=201&message="
    assert keyed.get("uploads/pre_a.txt").content == b"AAA"
    assert keyed.get("uploads/pre_b.txt").headers["content-type"].startswith("text/plain")


def test_upload_to_container_root_without_redirect(keyed: SwiftAccount) -> None:
    path = f"/object-store/v1/{keyed.account}/uploads"
    resp = post_form(keyed, "uploads", form_body(signed_fields(path), [("f", "c.txt", b"C")]))
    assert resp.status_code == 201
    assert resp.text == "201 Created"
    assert keyed.get("uploads/c.txt").content == b"C"


def test_refusals(keyed: SwiftAccount) -> None:
    path = f"/v1/{keyed.account}/uploads/"
    bad_sig = [(k, "0" * 64 if k == "signature" else v) for k, v in signed_fields(path)]
    resp = post_form(keyed, "uploads/", form_body(bad_sig, [("f", "x", b"x")]))
    assert resp.status_code == 401
    assert resp.text == "FormPost: Invalid Signature"
    expired = post_form(keyed, "uploads/", form_body(signed_fields(path, expires=1), [("f", "x", b"x")]))
    assert expired.text == "FormPost: Form Expired"
    too_big = post_form(keyed, "uploads/", form_body(signed_fields(path, size=2), [("f", "big", b"xyz")]))
    assert too_big.status_code == 400
    assert too_big.text == "FormPost: max_file_size exceeded"
    assert keyed.head("uploads/big").status_code == 404
    files = [("f1", "one", b"1"), ("f2", "two", b"2")]
    too_many = post_form(keyed, "uploads/", form_body(signed_fields(path, count=1), files))
    assert too_many.status_code == 400
    assert too_many.text == "400 Bad Request\r\nFormPost: Max File Count Exceeded"
    none = post_form(keyed, "uploads/", form_body(signed_fields(path), []))
    assert none.text == "400 Bad Request\r\nFormPost: No Files To Process"
