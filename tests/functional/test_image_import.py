"""Interoperable import: PUT /v2/images/{id}/stage, POST /v2/images/{id}/import with
glance-direct and copy-image, across two stores."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.api.image_v2.handlers.imports import import_headers
from pocketstack.cloud import Cloud, build_cloud
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.functional.conftest import auth_headers, issue_token
from tests.functional.image_support import (
    IMAGES,
    OCTET,
    MiB,
    create_image,
    download,
    md5,
    needs_qemu_img,
    qemu_disk,
    sha512,
    show,
    stored_files,
    upload,
)

# A zeroed first sector: random bytes end it with the MBR signature once in 65,536 uploads,
# and a broken partition table is refused.
DATA = bytes(512) + os.urandom(2 * MiB + 777 - 512)


@pytest.fixture
def sc(two_store_client: TestClient) -> TestClient:
    return two_store_client


@pytest.fixture
def demo(sc: TestClient) -> str:
    return issue_token(sc, "demo", DEMO_PASSWORD, "demo")


@pytest.fixture
def admin(sc: TestClient) -> str:
    return issue_token(sc, "admin", ADMIN_PASSWORD, "admin")


def stage(client: TestClient, token: str, image_id: str, data: bytes, **headers: str):  # noqa: ANN201
    return client.put(
        f"{IMAGES}/{image_id}/stage", content=data, headers={**auth_headers(token), **OCTET, **headers}
    )


def do_import(client: TestClient, token: str, image_id: str, body: dict, **headers: str):  # noqa: ANN201
    return client.post(f"{IMAGES}/{image_id}/import", json=body, headers={**auth_headers(token), **headers})


def wait_until(client: TestClient, token: str, image_id: str, check) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + 20
    while True:
        image = show(client, token, image_id)
        if check(image) or time.monotonic() > deadline:
            return image
        time.sleep(0.05)


GLANCE_DIRECT = {"method": {"name": "glance-direct"}}


def staging_files(cloud: Cloud) -> list[Path]:
    return stored_files(cloud.settings.data_dir / "image-staging")


def test_stage_then_glance_direct_import(
    sc: TestClient, demo: str, two_store_cloud: Cloud, tmp_path: Path
) -> None:
    image_id = create_image(sc, demo)
    assert stage(sc, demo, image_id, DATA).status_code == 204
    staged = show(sc, demo, image_id)
    assert staged["status"] == "uploading" and staged["size"] == len(DATA)
    assert download(sc, demo, image_id).status_code == 204  # staged data is not served
    assert do_import(sc, demo, image_id, GLANCE_DIRECT).status_code == 202
    image = wait_until(sc, demo, image_id, lambda i: i["status"] == "active")
    assert image["status"] == "active"
    assert (image["size"], image["checksum"], image["os_hash_value"]) == (len(DATA), md5(DATA), sha512(DATA))
    assert image["stores"] == "fast"
    assert image["os_glance_importing_to_stores"] == "" and image["os_glance_failed_import"] == ""
    assert download(sc, demo, image_id).content == DATA
    assert (tmp_path / "fast" / image_id[:2] / image_id).read_bytes() == DATA
    assert staging_files(two_store_cloud) == []


def test_glance_direct_into_two_stores(sc: TestClient, demo: str, tmp_path: Path) -> None:
    image_id = create_image(sc, demo)
    stage(sc, demo, image_id, DATA)
    body = {**GLANCE_DIRECT, "stores": ["fast", "cheap"]}
    assert do_import(sc, demo, image_id, body).status_code == 202
    image = wait_until(sc, demo, image_id, lambda i: i["status"] == "active")
    assert sorted(image["stores"].split(",")) == ["cheap", "fast"]
    for store in ("fast", "cheap"):
        assert (tmp_path / store / image_id[:2] / image_id).read_bytes() == DATA


def test_import_request_errors(sc: TestClient, demo: str, two_store_cloud: Cloud) -> None:
    image_id = create_image(sc, demo)
    cases = [
        ({}, 400, "requires a 'method' field"),
        ({"method": {}}, 400, "requires a 'name' field"),
        ({"method": {"name": "bogus-method"}}, 400, "Unknown import method"),
        ({"method": {"name": "web-download"}}, 400, "requires a 'uri'"),
        ({**GLANCE_DIRECT, "all_stores": "yes"}, 400, "'all_stores' must be boolean"),
        (GLANCE_DIRECT, 409, "needs to be staged"),
        ({"method": {"name": "copy-image"}, "stores": ["cheap"]}, 409, "Only images with status active"),
    ]
    for body, status, message in cases:
        resp = do_import(sc, demo, image_id, body)
        assert resp.status_code == status, (body, resp.text)
        assert message in resp.json()["error"]["message"]
    stage(sc, demo, image_id, DATA)
    resp = do_import(sc, demo, image_id, {**GLANCE_DIRECT, "stores": ["nowhere"]})
    assert resp.status_code == 409
    resp = do_import(sc, demo, image_id, {**GLANCE_DIRECT, "all_stores": True, "stores": ["fast"]})
    assert resp.status_code == 400
    assert show(sc, demo, image_id)["status"] == "uploading"
    assert len(staging_files(two_store_cloud)) == 1


def test_stage_needs_a_queued_image(sc: TestClient, demo: str) -> None:
    image_id = create_image(sc, demo)
    assert stage(sc, demo, image_id, DATA).status_code == 204
    resp = stage(sc, demo, image_id, DATA)
    assert resp.status_code == 409
    assert "from uploading to uploading" in resp.json()["error"]["message"]
    assert upload(sc, demo, image_id, DATA).status_code == 409


def test_stage_of_another_projects_image(sc: TestClient, admin: str, demo: str) -> None:
    private = create_image(sc, admin, visibility="private")
    public = create_image(sc, admin, visibility="public")
    assert stage(sc, demo, private, DATA).status_code == 404
    assert stage(sc, demo, public, DATA).status_code == 403
    assert show(sc, admin, public)["status"] == "queued"


def test_stage_over_the_cap_leaves_nothing(cloud: Cloud) -> None:
    small = build_cloud(replace(cloud.settings, image_size_cap=MiB))
    with TestClient(build_app(small)) as client:
        token = issue_token(client, "demo", DEMO_PASSWORD, "demo")
        image_id = create_image(client, token)

        def chunks() -> Iterator[bytes]:
            yield from (bytes(256 * 1024) for _ in range(6))

        resp = client.put(
            f"{IMAGES}/{image_id}/stage", content=chunks(), headers={**auth_headers(token), **OCTET}
        )
        assert resp.status_code == 413
        assert show(client, token, image_id)["status"] == "queued"
    assert staging_files(small) == []


@needs_qemu_img
def test_import_of_refused_data_goes_back_to_queued(
    sc: TestClient, demo: str, two_store_cloud: Cloud, tmp_path: Path
) -> None:
    disk = qemu_disk(tmp_path, "qcow2", "-b", "/etc/passwd", "-F", "raw", size="1M")
    image_id = create_image(sc, demo, disk_format="qcow2")
    assert stage(sc, demo, image_id, disk).status_code == 204
    assert do_import(sc, demo, image_id, GLANCE_DIRECT).status_code == 202
    image = wait_until(sc, demo, image_id, lambda i: i["status"] == "queued")
    assert image["status"] == "queued" and image["size"] is None and image["checksum"] is None
    assert image["os_glance_failed_import"] == "fast"
    assert staging_files(two_store_cloud) == []
    assert stored_files(tmp_path / "fast") == [] and stored_files(tmp_path / "cheap") == []
    assert download(sc, demo, image_id).status_code == 204
    # The image can be staged again (and the failure mark goes once a new import starts).
    assert stage(sc, demo, image_id, qemu_disk(tmp_path, "qcow2", name="good")).status_code == 204
    assert do_import(sc, demo, image_id, GLANCE_DIRECT).status_code == 202
    image = wait_until(sc, demo, image_id, lambda i: i["status"] == "active")
    assert image["virtual_size"] == 10 * MiB and image["os_glance_failed_import"] == ""


def test_copy_image_to_another_store(sc: TestClient, admin: str, demo: str, tmp_path: Path) -> None:
    image_id = create_image(sc, demo)
    assert upload(sc, demo, image_id, DATA).status_code == 204
    copy = {"method": {"name": "copy-image"}, "stores": ["cheap"]}
    assert do_import(sc, demo, image_id, copy).status_code == 403  # admin only, by default
    assert do_import(sc, admin, image_id, copy).status_code == 202
    image = wait_until(sc, demo, image_id, lambda i: i.get("os_glance_importing_to_stores") == "")
    assert image["stores"] == "fast,cheap"
    assert image["status"] == "active"
    assert (tmp_path / "cheap" / image_id[:2] / image_id).read_bytes() == DATA
    resp = do_import(sc, admin, image_id, copy)
    assert resp.status_code == 400
    assert "already present at store 'cheap'" in resp.json()["error"]["message"]
    # Either copy serves the data.
    (tmp_path / "fast" / image_id[:2] / image_id).unlink()
    assert download(sc, demo, image_id).content == DATA


def test_copy_image_all_stores(sc: TestClient, admin: str, tmp_path: Path) -> None:
    image_id = create_image(sc, admin)
    upload(sc, admin, image_id, DATA, **{"X-Image-Meta-Store": "cheap"})
    body = {"method": {"name": "copy-image"}, "all_stores": True}
    assert do_import(sc, admin, image_id, body).status_code == 202
    image = wait_until(sc, admin, image_id, lambda i: i.get("os_glance_importing_to_stores") == "")
    assert image["stores"] == "cheap,fast"
    assert (tmp_path / "fast" / image_id[:2] / image_id).read_bytes() == DATA
    # Nothing left to copy: still 202, nothing changes.
    assert do_import(sc, admin, image_id, body).status_code == 202
    assert show(sc, admin, image_id)["stores"] == "cheap,fast"


def test_copy_image_that_cannot_be_verified_fails_cleanly(
    sc: TestClient, admin: str, two_store_cloud: Cloud, tmp_path: Path
) -> None:
    """The copy is hashed again: data that changed on disk is not spread to other stores."""
    image_id = create_image(sc, admin)
    upload(sc, admin, image_id, DATA)
    (tmp_path / "fast" / image_id[:2] / image_id).write_bytes(b"tampered" + DATA[8:])
    body = {"method": {"name": "copy-image"}, "stores": ["cheap"]}
    assert do_import(sc, admin, image_id, body).status_code == 202
    image = wait_until(sc, admin, image_id, lambda i: i.get("os_glance_importing_to_stores") == "")
    assert image["os_glance_failed_import"] == "cheap"
    assert image["stores"] == "fast" and image["status"] == "active"
    assert stored_files(tmp_path / "cheap") == []


def test_import_headers_on_image_create_and_show(sc: TestClient, demo: str, two_store_cloud: Cloud) -> None:
    expected = {
        "OpenStack-image-import-methods": "glance-direct,web-download,copy-image",
        "OpenStack-image-store-ids": "fast,cheap",
    }
    assert import_headers(two_store_cloud) == expected
    resp = sc.post(IMAGES, json={"name": "x"}, headers=auth_headers(demo))
    assert resp.status_code == 201
    shown = sc.get(f"{IMAGES}/{resp.json()['id']}", headers=auth_headers(demo))
    for r in (resp, shown):
        for name, value in expected.items():
            assert r.headers[name] == value
