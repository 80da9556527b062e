"""pocketstack.sdk's image v2 proxy against the in-process app."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pocketstack.sdk.connection import Connection
from pocketstack.sdk.exceptions import Forbidden, MultipleMatches, NotFound


def test_image_lifecycle_with_data(sdk: Connection, tmp_path: Path) -> None:
    data = tmp_path / "disk.raw"
    data.write_bytes(b"pocketstack" * 100_000)
    image = sdk.image.create_image(name="sdk-img", disk_format="raw", container_format="bare", colour="blue")
    assert image.status == "queued" and image.id
    assert image.properties["colour"] == "blue"

    sent: list[int] = []
    active = sdk.image.upload_data(image, data, progress=sent.append)
    assert active.status == "active"
    assert sum(sent) == data.stat().st_size == active.size
    assert active.hash_value == hashlib.sha512(data.read_bytes()).hexdigest()

    out = sdk.image.download_image(active, tmp_path / "copy.raw")
    assert out.read_bytes() == data.read_bytes()

    sdk.image.delete_image(active)
    with pytest.raises(NotFound) as err:
        sdk.image.get_image(active.id)
    assert err.value.status_code == 404 and err.value.request_id
    assert not list(tmp_path.glob("*.part"))


def test_update_sends_only_changes_as_a_json_patch(sdk: Connection) -> None:
    image = sdk.image.create_image(name="patch-me", disk_format="raw", container_format="bare")
    image.name = "patched"
    image.min_ram = 64
    assert image.json_patch() == [
        {"op": "replace", "path": "/name", "value": "patched"},
        {"op": "replace", "path": "/min_ram", "value": 64},
    ]
    updated = sdk.image.update_image(image, tags=["a"])
    assert updated.json_patch() == []
    again = sdk.image.get_image(image.id)
    assert (again.name, again.min_ram, again.tags) == ("patched", 64, ["a"])


def test_lists_page_lazily_and_find_by_name(sdk: Connection) -> None:
    made = {
        sdk.image.create_image(name=f"page-{i}", disk_format="raw", container_format="bare").id
        for i in range(5)
    }
    listed = [i.id for i in sdk.image.images(limit=2) if i.name and i.name.startswith("page-")]
    assert set(listed) == made and len(listed) == 5
    assert sdk.image.find_image("page-3").name == "page-3"
    assert sdk.image.find_image("no-such-image") is None
    with pytest.raises(NotFound):
        sdk.image.find_image("no-such-image", ignore_missing=False)
    sdk.image.create_image(name="page-3", disk_format="raw", container_format="bare")
    with pytest.raises(MultipleMatches):
        sdk.image.find_image("page-3")


def test_a_member_cannot_publish(sdk: Connection) -> None:
    with pytest.raises(Forbidden) as err:
        sdk.image.create_image(name="pub", visibility="public")
    assert err.value.method == "POST" and "image" in err.value.url
