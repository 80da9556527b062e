"""Image data: PUT/GET /v2/images/{id}/file, streamed, hashed, inspected, limited and undone
cleanly when anything goes wrong."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.cloud import Cloud, build_cloud
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import Conflict
from pocketstack.store.image_models import Image
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.functional.conftest import auth_headers, issue_token
from tests.functional.image_support import (
    IMAGES,
    MiB,
    create_image,
    download,
    live_server,
    md5,
    needs_qemu_img,
    qemu_disk,
    sha512,
    show,
    stage,
    start_import,
    stored_files,
    upload,
    wait_until,
)
from tests.image_corpus import ACCEPTED, REFUSED, qcow2, vmdk_descriptor, vmdk_sparse

# A zeroed first sector: random bytes end it with the MBR signature once in 65,536 uploads,
# and a broken partition table is refused.
DATA = bytes(512) + os.urandom(3 * MiB + 12345 - 512)


def client_for(cloud: Cloud) -> Iterator[TestClient]:
    with TestClient(build_app(cloud), base_url="http://testserver") as c:
        yield c


def images_root(cloud: Cloud) -> Path:
    return cloud.settings.data_dir / "images"


# -- upload and download ---------------------------------------------------------------------


def test_upload_then_download_round_trip(client: TestClient, demo_token: str, cloud: Cloud) -> None:
    image_id = create_image(client, demo_token, name="round-trip")
    resp = upload(client, demo_token, image_id, DATA)
    assert resp.status_code == 204, resp.text
    image = show(client, demo_token, image_id)
    assert image["status"] == "active"
    assert image["size"] == len(DATA)
    assert image["virtual_size"] == len(DATA)
    assert image["checksum"] == md5(DATA)
    assert image["os_hash_algo"] == "sha512"
    assert image["os_hash_value"] == sha512(DATA)
    got = download(client, demo_token, image_id)
    assert got.status_code == 200
    assert got.content == DATA
    assert got.headers["Content-MD5"] == md5(DATA)
    assert got.headers["Content-Length"] == str(len(DATA))
    assert got.headers["Content-Type"] == "application/octet-stream"
    # Laid out as documented: <store>/<id[:2]>/<id>, nothing else left behind.
    assert stored_files(images_root(cloud)) == [images_root(cloud) / "default" / image_id[:2] / image_id]


def test_download_of_an_image_without_data_is_204(client: TestClient, demo_token: str) -> None:
    image_id = create_image(client, demo_token)
    resp = download(client, demo_token, image_id)
    assert resp.status_code == 204
    assert resp.content == b""


def test_upload_needs_octet_stream_and_formats(client: TestClient, demo_token: str) -> None:
    image_id = create_image(client, demo_token)
    resp = upload(client, demo_token, image_id, b"x", **{"Content-Type": "application/json"})
    assert resp.status_code == 415
    bare = create_image(client, demo_token, disk_format=None, container_format=None)
    resp = upload(client, demo_token, bare, b"x")
    assert resp.status_code == 400
    assert "disk_format, container_format must be set" in resp.json()["error"]["message"]
    assert show(client, demo_token, image_id)["status"] == "queued"
    assert show(client, demo_token, bare)["status"] == "queued"


def test_upload_to_an_active_image_is_409_and_keeps_the_data(client: TestClient, demo_token: str) -> None:
    image_id = create_image(client, demo_token)
    assert upload(client, demo_token, image_id, DATA).status_code == 204
    resp = upload(client, demo_token, image_id, b"other data")
    assert resp.status_code == 409
    assert "from active to saving" in resp.json()["error"]["message"]
    assert download(client, demo_token, image_id).content == DATA


def test_announced_size_must_match_the_data(client: TestClient, demo_token: str, cloud: Cloud) -> None:
    image_id = create_image(client, demo_token)
    resp = upload(client, demo_token, image_id, b"12345", **{"x-openstack-image-size": "6"})
    assert resp.status_code == 400
    image = show(client, demo_token, image_id)
    assert image["status"] == "queued" and image["size"] is None
    assert stored_files(images_root(cloud)) == []
    assert (
        upload(client, demo_token, image_id, b"12345", **{"x-openstack-image-size": "5"}).status_code == 204
    )


def test_another_projects_private_image_is_404_for_data(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    image_id = create_image(client, admin_token, visibility="private")
    assert upload(client, demo_token, image_id, b"data").status_code == 404
    assert upload(client, admin_token, image_id, b"data").status_code == 204
    resp = download(client, demo_token, image_id)
    assert resp.status_code == 404
    assert resp.json()["error"]["message"] == f"No image found with ID {image_id}"


def test_other_projects_cannot_upload_to_a_public_image(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    image_id = create_image(client, admin_token, visibility="public")
    resp = upload(client, demo_token, image_id, b"data")
    assert resp.status_code == 403
    assert show(client, admin_token, image_id)["status"] == "queued"


def test_deactivated_image_data_is_403_for_non_admins(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    image_id = create_image(client, admin_token, visibility="public")
    assert upload(client, admin_token, image_id, DATA).status_code == 204
    resp = client.post(f"{IMAGES}/{image_id}/actions/deactivate", headers=auth_headers(admin_token))
    assert resp.status_code == 204
    denied = download(client, demo_token, image_id)
    assert denied.status_code == 403
    assert "deactivated" in denied.json()["error"]["message"]
    assert download(client, admin_token, image_id).content == DATA


# -- ranges ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=100-", 100, len(DATA) - 1),
        ("bytes=-5", len(DATA) - 5, len(DATA) - 1),
        ("bytes=10-99999999999", 10, len(DATA) - 1),
    ],
)
def test_range_gives_206_with_content_range(
    client: TestClient, demo_token: str, header: str, start: int, end: int
) -> None:
    image_id = create_image(client, demo_token)
    upload(client, demo_token, image_id, DATA)
    resp = download(client, demo_token, image_id, Range=header)
    assert resp.status_code == 206
    assert resp.content == DATA[start : end + 1]
    assert resp.headers["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert resp.headers["Content-Length"] == str(end - start + 1)
    assert "Content-MD5" not in resp.headers


@pytest.mark.parametrize("header", [f"bytes={len(DATA)}-", "bytes=5-2", "chunks=0-1", "bytes=-0", "bytes=x-"])
def test_unsatisfiable_range_is_416(client: TestClient, demo_token: str, header: str) -> None:
    image_id = create_image(client, demo_token)
    upload(client, demo_token, image_id, DATA)
    resp = download(client, demo_token, image_id, Range=header)
    assert resp.status_code == 416
    assert resp.headers["Content-Range"] == f"bytes */{len(DATA)}"


def test_multiple_ranges_are_400(client: TestClient, demo_token: str) -> None:
    image_id = create_image(client, demo_token)
    upload(client, demo_token, image_id, DATA)
    assert download(client, demo_token, image_id, Range="bytes=0-1,5-6").status_code == 400


# -- format inspection -----------------------------------------------------------------------


@needs_qemu_img
def test_qcow2_upload_records_its_virtual_size(client: TestClient, demo_token: str, tmp_path: Path) -> None:
    disk = qemu_disk(tmp_path, "qcow2", size="10M")
    image_id = create_image(client, demo_token, disk_format="qcow2")
    assert upload(client, demo_token, image_id, disk).status_code == 204
    image = show(client, demo_token, image_id)
    assert (image["size"], image["virtual_size"]) == (len(disk), 10 * MiB)


@needs_qemu_img
def test_qcow2_backed_by_etc_passwd_is_refused_and_never_served(
    client: TestClient, demo_token: str, admin_token: str, cloud: Cloud, tmp_path: Path
) -> None:
    disk = qemu_disk(tmp_path, "qcow2", "-b", "/etc/passwd", "-F", "raw", size="1M")
    image_id = create_image(client, demo_token, disk_format="qcow2")
    resp = upload(client, demo_token, image_id, disk)
    assert resp.status_code == 415
    assert "backing file" in resp.json()["error"]["message"]
    image = show(client, demo_token, image_id)
    assert image["status"] == "queued" and image["checksum"] is None
    assert stored_files(images_root(cloud)) == []
    passwd = Path("/etc/passwd").read_bytes()
    for token in (demo_token, admin_token):
        served = download(client, token, image_id)
        assert served.status_code == 204
        assert served.content == b""
    assert passwd not in served.content


@needs_qemu_img
def test_data_not_matching_disk_format_is_refused(
    client: TestClient, demo_token: str, tmp_path: Path
) -> None:
    image_id = create_image(client, demo_token, disk_format="raw")
    resp = upload(client, demo_token, image_id, qemu_disk(tmp_path, "qcow2"))
    assert resp.status_code == 415
    assert "not the declared disk_format raw" in resp.json()["error"]["message"]
    assert show(client, demo_token, image_id)["status"] == "queued"
    # The same image takes matching data afterwards.
    assert upload(client, demo_token, image_id, DATA).status_code == 204


def assert_refused_and_queued(
    client: TestClient, token: str, cloud: Cloud, image_id: str, resp: httpx.Response, reason: str
) -> None:
    """The refusal Glance gives data that fails inspection, and nothing of the data kept."""
    assert resp.status_code == 415, resp.text
    assert reason.lower() in resp.json()["error"]["message"].lower()
    image = show(client, token, image_id)
    assert (image["status"], image["size"], image["checksum"]) == ("queued", None, None)
    assert stored_files(images_root(cloud)) == []
    assert download(client, token, image_id).status_code == 204


def test_qcow2_with_an_unknown_incompatible_feature_bit_is_refused(
    client: TestClient, demo_token: str, cloud: Cloud
) -> None:
    image_id = create_image(client, demo_token, disk_format="qcow2")
    resp = upload(client, demo_token, image_id, qcow2(incompatible=1 << 5))
    assert_refused_and_queued(client, demo_token, cloud, image_id, resp, "incompatible features")


def test_vmdk_whose_extent_is_outside_the_file_is_refused(
    client: TestClient, demo_token: str, cloud: Cloud
) -> None:
    disk = vmdk_sparse(vmdk_descriptor(extents=['RW 2048 SPARSE "../../../../etc/passwd"']))
    image_id = create_image(client, demo_token, disk_format="vmdk")
    resp = upload(client, demo_token, image_id, disk)
    assert_refused_and_queued(client, demo_token, cloud, image_id, resp, "extent")
    # The same image takes a good vmdk afterwards.
    assert upload(client, demo_token, image_id, vmdk_sparse()).status_code == 204
    assert show(client, demo_token, image_id)["status"] == "active"


def test_every_crafted_hostile_image_is_refused_on_upload(
    client: TestClient, demo_token: str, cloud: Cloud
) -> None:
    for case in REFUSED:
        image_id = create_image(client, demo_token, name=case.name, disk_format=case.disk_format)
        resp = upload(client, demo_token, image_id, case.build())
        assert resp.status_code == 415, (case.name, resp.text)
        assert case.reason.lower() in resp.json()["error"]["message"].lower(), case.name
        assert show(client, demo_token, image_id)["status"] == "queued", case.name
    assert stored_files(images_root(cloud)) == []


def test_every_crafted_good_image_becomes_active(client: TestClient, demo_token: str) -> None:
    for case in ACCEPTED:
        data = case.build()
        image_id = create_image(client, demo_token, name=case.name, disk_format=case.disk_format)
        resp = upload(client, demo_token, image_id, data)
        assert resp.status_code == 204, (case.name, resp.text)
        image = show(client, demo_token, image_id)
        assert (image["status"], image["size"]) == ("active", len(data)), case.name
        assert image["virtual_size"] == case.virtual_size, case.name


@needs_qemu_img
def test_qcow2_with_an_external_data_file_is_refused(
    client: TestClient, demo_token: str, cloud: Cloud, tmp_path: Path
) -> None:
    disk = qemu_disk(tmp_path, "qcow2", "-o", f"data_file={tmp_path / 'data.raw'}", size="1M")
    image_id = create_image(client, demo_token, disk_format="qcow2")
    resp = upload(client, demo_token, image_id, disk)
    assert_refused_and_queued(client, demo_token, cloud, image_id, resp, "external data file")


GLANCE_DIRECT = {"method": {"name": "glance-direct"}}


def test_glance_direct_import_refuses_the_same_images(
    two_store_client: TestClient, two_store_cloud: Cloud, tmp_path: Path
) -> None:
    sc = two_store_client
    token = issue_token(sc, "demo", DEMO_PASSWORD, "demo")
    for disk_format, disk in [
        ("vmdk", vmdk_sparse(vmdk_descriptor(extents=['RW 2048 SPARSE "../../../../etc/passwd"']))),
        ("qcow2", qcow2(incompatible=1 << 5)),
    ]:
        image_id = create_image(sc, token, disk_format=disk_format)
        assert stage(sc, token, image_id, disk).status_code == 204
        assert start_import(sc, token, image_id, GLANCE_DIRECT).status_code == 202
        image = wait_until(sc, token, image_id, lambda i: i["status"] == "queued")
        assert (image["status"], image["checksum"]) == ("queued", None)
        assert image["os_glance_failed_import"] == "fast"
    assert stored_files(tmp_path / "fast") == [] and stored_files(tmp_path / "image-staging") == []


def test_copy_image_does_not_spread_data_that_fails_inspection(
    two_store_client: TestClient, two_store_cloud: Cloud, tmp_path: Path
) -> None:
    """An image made active before a check existed: its data is checked again when copied."""
    sc = two_store_client
    admin = issue_token(sc, "admin", ADMIN_PASSWORD, "admin")
    image_id = create_image(sc, admin, disk_format="vmdk")
    assert upload(sc, admin, image_id, vmdk_sparse()).status_code == 204
    hostile = vmdk_sparse(vmdk_descriptor(extents=['RW 2048 SPARSE "../../../../etc/passwd"']))
    (tmp_path / "fast" / image_id[:2] / image_id).write_bytes(hostile)
    with two_store_cloud.db.transaction() as s:
        s.execute(update(Image).where(Image.id == image_id).values(os_hash_value=sha512(hostile)))
    body = {"method": {"name": "copy-image"}, "stores": ["cheap"]}
    assert start_import(sc, admin, image_id, body).status_code == 202
    image = wait_until(sc, admin, image_id, lambda i: i.get("os_glance_importing_to_stores") == "")
    assert image["os_glance_failed_import"] == "cheap"
    assert (image["stores"], image["status"]) == ("fast", "active")
    assert stored_files(tmp_path / "cheap") == []


# -- limits ----------------------------------------------------------------------------------


@pytest.fixture
def capped_cloud(cloud: Cloud) -> Cloud:
    return build_cloud(replace(cloud.settings, image_size_cap=MiB, image_storage_quota=3 * MiB // 2))


@pytest.fixture
def capped_client(capped_cloud: Cloud) -> Iterator[TestClient]:
    yield from client_for(capped_cloud)


def test_over_the_size_cap_is_413_and_back_to_queued(capped_client: TestClient, capped_cloud: Cloud) -> None:
    token = issue_token(capped_client, "demo", DEMO_PASSWORD, "demo")
    image_id = create_image(capped_client, token)
    # Announced too large: refused before a byte is stored.
    resp = upload(capped_client, token, image_id, bytes(MiB + 1))
    assert resp.status_code == 413
    assert "too large" in resp.json()["error"]["message"]

    # Not announced (chunked): cut off while streaming.
    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield bytes(300 * 1024)

    resp = capped_client.put(
        f"{IMAGES}/{image_id}/file",
        content=chunks(),
        headers={**auth_headers(token), "Content-Type": "application/octet-stream"},
    )
    assert resp.status_code == 413
    image = show(capped_client, token, image_id)
    assert image["status"] == "queued" and image["size"] is None
    assert stored_files(images_root(capped_cloud)) == []
    assert upload(capped_client, token, image_id, bytes(MiB)).status_code == 204


def test_project_storage_quota_is_413(capped_client: TestClient, capped_cloud: Cloud) -> None:
    demo = issue_token(capped_client, "demo", DEMO_PASSWORD, "demo")
    first, second = create_image(capped_client, demo), create_image(capped_client, demo)
    assert upload(capped_client, demo, first, bytes(MiB)).status_code == 204
    resp = upload(capped_client, demo, second, bytes(MiB))
    assert resp.status_code == 413
    assert "quota" in resp.json()["error"]["message"]
    assert show(capped_client, demo, second)["status"] == "queued"
    assert upload(capped_client, demo, second, bytes(MiB // 2)).status_code == 204
    # The quota is per project: admin's project still has room.
    admin = issue_token(capped_client, "admin", "admin-secret-pw", "admin")
    assert upload(capped_client, admin, create_image(capped_client, admin), bytes(MiB)).status_code == 204


# -- stores ----------------------------------------------------------------------------------


def test_store_chosen_by_header(two_store_client: TestClient, two_store_cloud: Cloud, tmp_path: Path) -> None:
    token = issue_token(two_store_client, "demo", DEMO_PASSWORD, "demo")
    default, cheap = create_image(two_store_client, token), create_image(two_store_client, token)
    assert upload(two_store_client, token, default, DATA).status_code == 204
    assert upload(two_store_client, token, cheap, DATA, **{"X-Image-Meta-Store": "cheap"}).status_code == 204
    assert (tmp_path / "fast" / default[:2] / default).read_bytes() == DATA
    assert (tmp_path / "cheap" / cheap[:2] / cheap).read_bytes() == DATA
    assert show(two_store_client, token, cheap)["stores"] == "cheap"
    assert download(two_store_client, token, cheap).content == DATA
    unknown = create_image(two_store_client, token)
    resp = upload(two_store_client, token, unknown, DATA, **{"X-Image-Meta-Store": "nowhere"})
    assert resp.status_code == 400
    assert show(two_store_client, token, unknown)["status"] == "queued"


def test_deleting_an_image_removes_its_data(client: TestClient, demo_token: str, cloud: Cloud) -> None:
    image_id = create_image(client, demo_token)
    upload(client, demo_token, image_id, DATA)
    assert client.delete(f"{IMAGES}/{image_id}", headers=auth_headers(demo_token)).status_code == 204
    assert stored_files(images_root(cloud)) == []


# -- cut connections and races ---------------------------------------------------------------


def test_cut_connection_leaves_the_image_queued_with_no_data(
    client: TestClient, demo_token: str, cloud: Cloud
) -> None:
    """At the ASGI level: part of the body arrives, then the client is gone."""
    image_id = create_image(client, demo_token)
    app = build_app(cloud)
    messages = [
        {"type": "http.request", "body": DATA[: 2 * MiB], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0)

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PUT",
        "scheme": "http",
        "server": ("testserver", 80),
        "path": f"/image/v2/images/{image_id}/file",
        "raw_path": f"/image/v2/images/{image_id}/file".encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"x-auth-token", demo_token.encode()),
            (b"content-type", b"application/octet-stream"),
            (b"content-length", str(len(DATA)).encode()),
        ],
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 400
    image = show(client, demo_token, image_id)
    assert image["status"] == "queued" and image["size"] is None
    assert stored_files(images_root(cloud)) == []
    assert upload(client, demo_token, image_id, DATA).status_code == 204


def _open_upload(base: str, token: str, image_id: str, length: int) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(
        (
            f"PUT /image/v2/images/{image_id}/file HTTP/1.1\r\nHost: {host}\r\nX-Auth-Token: {token}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n"
        ).encode()
    )
    return sock


def _status_of(sock: socket.socket) -> int:
    sock.settimeout(30)
    head = b""
    while b"\r\n" not in head:
        more = sock.recv(4096)
        if not more:
            break
        head += more
    return int(head.split(b" ", 2)[1])


def _wait_for_status(client: TestClient, token: str, image_id: str, status: str) -> dict:
    for _ in range(300):
        image = show(client, token, image_id)
        if image["status"] == status:
            return image
        time.sleep(0.02)
    raise AssertionError(f"image {image_id} never became {status}: {image['status']}")


def test_client_that_hangs_up_mid_upload_leaves_nothing(
    client: TestClient, demo_token: str, cloud: Cloud
) -> None:
    """Over a real socket: half the announced body, then close."""
    image_id = create_image(client, demo_token)
    with live_server(cloud) as base:
        sock = _open_upload(base, demo_token, image_id, len(DATA))
        sock.sendall(DATA[: len(DATA) // 2])
        _wait_for_status(client, demo_token, image_id, "saving")
        sock.close()
        image = _wait_for_status(client, demo_token, image_id, "queued")
    assert image["size"] is None and image["checksum"] is None
    assert stored_files(images_root(cloud)) == []


def test_two_concurrent_uploads_give_one_204_and_one_409(
    client: TestClient, demo_token: str, cloud: Cloud
) -> None:
    image_id = create_image(client, demo_token)
    other = bytes(512) + os.urandom(4096 - 512)
    with live_server(cloud) as base:
        first = _open_upload(base, demo_token, image_id, len(DATA))
        first.sendall(DATA[:MiB])
        _wait_for_status(client, demo_token, image_id, "saving")
        second = _open_upload(base, demo_token, image_id, len(other))
        second.sendall(other)
        assert _status_of(second) == 409
        second.close()
        first.sendall(DATA[MiB:])
        assert _status_of(first) == 204
        first.close()
    assert show(client, demo_token, image_id)["os_hash_value"] == sha512(DATA)
    assert download(client, demo_token, image_id).content == DATA


def test_content_md5_is_the_hex_checksum_not_base64(client: TestClient, demo_token: str) -> None:
    """COMPAT: Glance sends the hex md5 (what ``checksum`` holds), and clients compare it so."""
    image_id = create_image(client, demo_token)
    upload(client, demo_token, image_id, b"hello")
    header = download(client, demo_token, image_id).headers["Content-MD5"]
    assert header == md5(b"hello") != base64.b64encode(bytes.fromhex(md5(b"hello"))).decode()


def test_racing_uploads_have_exactly_one_winner(client: TestClient, demo_token: str, cloud: Cloud) -> None:
    """Many requests move the same image out of ``queued`` at the same instant: one wins."""
    image_id = create_image(client, demo_token)
    image = cloud.image_data.get(RequestContext.system(), image_id)
    barrier = threading.Barrier(8)

    def attempt() -> object:
        barrier.wait()
        try:
            return cloud.image_data.begin_upload(image, None, None)
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: attempt(), range(8)))
    winners = [r for r in results if not isinstance(r, Conflict)]
    assert len(winners) == 1 and len(results) == 8
    assert show(client, demo_token, image_id)["status"] == "saving"
    winners[0].abort()
    assert show(client, demo_token, image_id)["status"] == "queued"


def test_upload_and_download_never_hold_the_image_in_memory(
    client: TestClient, demo_token: str, cloud: Cloud
) -> None:
    """96 MiB through a real socket while every allocation is traced: the peak stays a few
    pieces large, whatever the size of the image."""
    image_id = create_image(client, demo_token)
    block = bytes(512) + os.urandom(MiB - 512)
    headers = {**auth_headers(demo_token), "Content-Type": "application/octet-stream"}

    def body() -> Iterator[bytes]:
        for _ in range(96):
            yield block

    with live_server(cloud) as base:
        tracemalloc.start()
        try:
            resp = httpx.put(f"{base}{IMAGES}/{image_id}/file", content=body(), headers=headers, timeout=120)
            _, upload_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            received = 0
            with httpx.stream("GET", f"{base}{IMAGES}/{image_id}/file", headers=headers, timeout=120) as got:
                for chunk in got.iter_raw():
                    received += len(chunk)
            _, download_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert resp.status_code == 204
    assert received == 96 * MiB
    assert upload_peak < 24 * MiB, upload_peak
    assert download_peak < 24 * MiB, download_peak
