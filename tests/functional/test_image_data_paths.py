"""How image data leaves and enters: the file handed to a server that sends files itself
(ASGI ``http.response.pathsend``), HEAD without reading, and big transfers over a real socket
with each HTTP parser uvicorn may use."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.cloud import Cloud
from tests.functional.image_support import IMAGES, MiB, create_image, md5, show, upload
from tests.ports import free_port

DATA = bytes(512) + os.urandom(5 * MiB + 777 - 512)


def call(
    cloud: Cloud, method: str, path: str, token: str, extensions: dict[str, Any], **headers: str
) -> list[dict[str, Any]]:
    """One request straight into the ASGI app; the messages it sent."""
    sent: list[dict[str, Any]] = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        if requests:
            return requests.pop()
        await asyncio.sleep(3600)  # the client stays
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    raw = [(b"host", b"testserver"), (b"x-auth-token", token.encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("testserver", 80),
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": raw,
        "extensions": extensions,
    }
    asyncio.run(build_app(cloud)(scope, receive, send))
    return sent


def headers_of(start: dict[str, Any]) -> dict[str, str]:
    return {k.decode().lower(): v.decode() for k, v in start["headers"]}


@pytest.fixture
def image_id(client: TestClient, demo_token: str) -> str:
    image_id = create_image(client, demo_token)
    assert upload(client, demo_token, image_id, DATA).status_code == 204
    return image_id


def test_a_server_that_sends_files_gets_the_file(cloud: Cloud, demo_token: str, image_id: str) -> None:
    sent = call(cloud, "GET", f"{IMAGES}/{image_id}/file", demo_token, {"http.response.pathsend": {}})
    start, body = sent[0], sent[1:]
    assert start["status"] == 200
    headers = headers_of(start)
    assert headers["content-md5"] == md5(DATA)
    assert headers["content-length"] == str(len(DATA))
    assert headers["content-type"] == "application/octet-stream"
    assert [m["type"] for m in body] == ["http.response.pathsend"]
    assert Path(body[0]["path"]).is_absolute()
    assert Path(body[0]["path"]).read_bytes() == DATA


def test_a_range_is_sent_as_body_even_to_a_server_that_sends_files(
    cloud: Cloud, demo_token: str, image_id: str
) -> None:
    sent = call(
        cloud,
        "GET",
        f"{IMAGES}/{image_id}/file",
        demo_token,
        {"http.response.pathsend": {}},
        Range="bytes=7-",
    )
    assert sent[0]["status"] == 206
    assert headers_of(sent[0])["content-range"] == f"bytes 7-{len(DATA) - 1}/{len(DATA)}"
    assert {m["type"] for m in sent[1:]} == {"http.response.body"}
    assert b"".join(m.get("body", b"") for m in sent[1:]) == DATA[7:]


def test_head_answers_the_headers_of_get_without_the_data(
    cloud: Cloud, demo_token: str, image_id: str
) -> None:
    get = call(cloud, "GET", f"{IMAGES}/{image_id}/file", demo_token, {})
    head = call(cloud, "HEAD", f"{IMAGES}/{image_id}/file", demo_token, {})
    assert head[0]["status"] == get[0]["status"] == 200
    drop = {"x-openstack-request-id"}
    assert {k: v for k, v in headers_of(head[0]).items() if k not in drop} == {
        k: v for k, v in headers_of(get[0]).items() if k not in drop
    }
    assert b"".join(m.get("body", b"") for m in head[1:]) == b""
    assert b"".join(m.get("body", b"") for m in get[1:]) == DATA


@contextmanager
def served(cloud: Cloud, http: str, loop: str) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        build_app(cloud),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        http=http,
        loop=loop,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _servers() -> list[tuple[str, str]]:
    """The plain Python server, and the one on httptools and uvloop when they are installed."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return [("h11", "asyncio")]
    return [("h11", "asyncio"), ("httptools", "auto")]


@pytest.mark.parametrize(("http", "loop"), _servers())
def test_big_upload_stage_and_ranged_download_over_a_socket(
    cloud: Cloud, client: TestClient, demo_token: str, http: str, loop: str
) -> None:
    data = bytes(512) + os.urandom(40 * MiB - 512)
    image_id, staged = create_image(client, demo_token), create_image(client, demo_token)
    headers = {"X-Auth-Token": demo_token, "Content-Type": "application/octet-stream"}
    with served(cloud, http, loop) as host:
        for path in (f"{IMAGES}/{image_id}/file", f"{IMAGES}/{staged}/stage"):
            conn = http_client(host)
            conn.request("PUT", path, body=data, headers=headers)
            assert conn.getresponse().status == 204
            conn.close()
        conn = http_client(host)
        conn.request("GET", f"{IMAGES}/{image_id}/file", headers={"X-Auth-Token": demo_token})
        whole = conn.getresponse()
        assert whole.status == 200 and whole.getheader("Content-MD5") == md5(data)
        assert hashlib.sha512(whole.read()).hexdigest() == hashlib.sha512(data).hexdigest()
        conn.request(
            "GET", f"{IMAGES}/{image_id}/file", headers={"X-Auth-Token": demo_token, "Range": "bytes=-3"}
        )
        part = conn.getresponse()
        assert part.status == 206 and part.read() == data[-3:]
        conn.close()
    image = show(client, demo_token, image_id)
    assert image["checksum"] == md5(data) and image["size"] == len(data)
    assert show(client, demo_token, staged)["status"] == "uploading"


def http_client(host: str) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(host, timeout=120, blocksize=MiB)
