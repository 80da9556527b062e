"""What happens to images at start: the crash sweep, and the first-start image."""

from __future__ import annotations

import logging
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from pocketstack.api.app import build_app
from pocketstack.cloud import Cloud, build_cloud
from pocketstack.core.image import seed
from pocketstack.store.image_models import Image
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.functional.conftest import auth_headers, issue_token
from tests.functional.image_support import IMAGES, create_image, download, sha512, show, upload
from tests.marks import needs_objdump


@pytest.fixture
def two_stores(cloud: Cloud, tmp_path: Path) -> Cloud:
    return build_cloud(
        replace(cloud.settings, image_stores=f"fast={tmp_path / 'fast'},cheap={tmp_path / 'cheap'}")
    )


def _force(cloud: Cloud, image_id: str, **values: object) -> None:
    """What a crash leaves behind, written straight into the database."""
    with cloud.db.transaction() as s:
        s.execute(update(Image).where(Image.id == image_id).values(**values))


def _put(path: Path, data: bytes = b"leftover") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_crash_sweep_at_start(two_stores: Cloud, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fast, cheap, staging = tmp_path / "fast", tmp_path / "cheap", tmp_path / "image-staging"
    with TestClient(build_app(two_stores)) as client:
        token = issue_token(client, "demo", DEMO_PASSWORD, "demo")
        good, saving, importing, cut_stage, staged, copying = (create_image(client, token) for _ in range(6))
        for image_id in (good, copying):
            assert upload(client, token, image_id, b"good data " + image_id.encode()).status_code == 204
    # An upload renamed into place whose row never committed, and one still half-written.
    _force(two_stores, saving, status="saving")
    orphan = _put(fast / saving[:2] / saving)
    partial = _put(fast / ".partial" / f"{saving}.abc123")
    # An import cut short (its staged data is still there), a stage cut short (its partial only),
    # a complete stage (kept), and the staged leftovers of an image that is active now.
    _force(two_stores, importing, status="importing", size=8)
    staged_of_importing = _put(staging / importing[:2] / importing)
    _force(two_stores, cut_stage, status="uploading", size=None)
    stage_partial = _put(staging / ".partial" / f"{cut_stage}.def456")
    _force(two_stores, staged, status="uploading", size=8)
    kept_stage = _put(staging / staged[:2] / staged)
    stale_stage = _put(staging / good[:2] / good)
    # A copy-image cut short: its copy in ``cheap`` was renamed but never recorded.
    _force(two_stores, copying, properties={"os_glance_importing_to_stores": "cheap"})
    cut_copy = _put(cheap / copying[:2] / copying)

    with caplog.at_level(logging.INFO, logger="pocketstack"):
        restarted = build_cloud(two_stores.settings)

    with TestClient(build_app(restarted)) as client:
        token = issue_token(client, "demo", DEMO_PASSWORD, "demo")
        assert show(client, token, good)["status"] == "active"
        assert download(client, token, good).content == b"good data " + good.encode()
        for image_id in (saving, importing, cut_stage):
            image = show(client, token, image_id)
            assert (image["status"], image["size"]) == ("queued", None), image_id
        assert show(client, token, staged)["status"] == "uploading"
        copied = show(client, token, copying)
        assert copied["status"] == "active" and copied["stores"] == "fast"
        assert copied["os_glance_failed_import"] == "cheap"
        assert copied["os_glance_importing_to_stores"] == ""
        for gone in (orphan, partial, staged_of_importing, stage_partial, stale_stage, cut_copy):
            assert not gone.exists(), gone
        assert kept_stage.exists()
        # A reset image takes a new upload.
        assert upload(client, token, saving, b"again").status_code == 204
    logged = caplog.text
    for image_id in (saving, importing, cut_stage):
        assert f"event=image_reset_after_crash image_id={image_id}" in logged
    assert f"event=image_copy_cut_by_crash image_id={copying}" in logged
    assert "kind=partials" in logged and "kind=orphans" in logged and "kind=staged" in logged


def test_start_without_leftovers_logs_nothing(cloud: Cloud, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="pocketstack"):
        build_cloud(cloud.settings)
    assert "image_" not in caplog.text


# -- the first-start image -------------------------------------------------------------------


def test_first_start_registers_a_public_tiny_image(client: TestClient, cloud: Cloud, demo_token: str) -> None:
    image_id = seed.seed_first_image(cloud.db, cloud.image_data)
    assert image_id is not None
    image = show(client, demo_token, image_id)
    disk = seed.tiny_disk()
    assert image["name"] == "pocketstack-tiny"
    assert (image["visibility"], image["status"], image["disk_format"]) == ("public", "active", "raw")
    assert image["size"] == image["virtual_size"] == len(disk) == 1024 * 1024
    assert image["os_hash_value"] == sha512(disk)
    admin = issue_token(client, "admin", ADMIN_PASSWORD, "admin")
    projects = client.get("/identity/v3/projects?name=admin", headers=auth_headers(admin)).json()["projects"]
    assert image["owner"] == projects[0]["id"]
    assert download(client, demo_token, image_id).content == disk
    assert disk[510:512] == b"\x55\xaa"
    # Not again on later starts, even after it was deleted.
    assert seed.seed_first_image(cloud.db, cloud.image_data) is None
    assert client.delete(f"{IMAGES}/{image_id}", headers=auth_headers(admin)).status_code == 204
    assert seed.seed_first_image(cloud.db, cloud.image_data) is None
    assert client.get(f"{IMAGES}/{image_id}", headers=auth_headers(admin)).status_code == 404


def test_first_image_cut_by_a_crash_is_finished_on_the_next_start(
    client: TestClient, cloud: Cloud, demo_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_args: object) -> None:
        raise OSError("disk went away")

    with monkeypatch.context() as patch:
        patch.setattr(seed, "tiny_disk", crash)
        with pytest.raises(OSError):
            seed.seed_first_image(cloud.db, cloud.image_data)
    restarted = build_cloud(cloud.settings)
    image_id = seed.seed_first_image(restarted.db, restarted.image_data)
    assert image_id is not None
    assert show(client, demo_token, image_id)["status"] == "active"
    assert seed.seed_first_image(restarted.db, restarted.image_data) is None


@needs_objdump
def test_tiny_disk_boot_sector_prints_then_halts(tmp_path: Path) -> None:
    sector = tmp_path / "boot.bin"
    sector.write_bytes(seed.tiny_disk()[:30])
    listing = subprocess.run(
        ["objdump", "-D", "-b", "binary", "-mi8086", "--adjust-vma=0x7c00", str(sector)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "mov    $0x7c1e,%si" in listing  # the message right after the code
    assert "je     0x7c1a" in listing and "7c1a:\tfa" in listing  # at the NUL: cli ...
    assert "jmp    0x7c08" in listing and "7c08:\tac" in listing  # ... else the next byte (lods)
    assert "out    %al,(%dx)" in listing and "int    $0x10" in listing
    assert seed.tiny_disk()[0x1E : 0x1E + len(seed.MESSAGE)] == seed.MESSAGE
