"""Images as Nova's image proxy renders them (nova/api/openstack/compute/views/images.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_v21.views.flavors import links
from pocketstack.store.image_models import Image

# COMPAT: Nova's status and progress for each Glance status; anything else is UNKNOWN / 0.
_STATUS = {
    "active": "ACTIVE",
    "queued": "SAVING",
    "saving": "SAVING",
    "importing": "SAVING",
    "uploading": "SAVING",
    "deleted": "DELETED",
    "pending_delete": "DELETED",
    "killed": "ERROR",
}
_PROGRESS = {"queued": 25, "saving": 50, "active": 100}
_TRUE = ("1", "t", "true", "on", "y", "yes")


def _time(when: datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")


def image_links(req: ApiRequest, image: Image) -> list[dict[str, str]]:
    """``self`` and ``bookmark`` under compute, and the ``alternate`` link to the image service."""
    own = links(req, "images", image.id)
    image_root = req.base_url.split("/compute", 1)[0] + "/image"
    alternate = {"rel": "alternate", "type": "application/vnd.openstack.image"}
    return [*own, {**alternate, "href": f"{image_root}/images/{image.id}"}]


def brief(req: ApiRequest, image: Image) -> dict[str, Any]:
    return {"id": image.id, "name": image.name, "links": image_links(req, image)}


def detail(req: ApiRequest, image: Image) -> dict[str, Any]:
    props = dict(image.properties or {})
    body: dict[str, Any] = {
        "id": image.id,
        "name": image.name,
        "minRam": int(image.min_ram or 0),
        "minDisk": int(image.min_disk or 0),
        "metadata": props,
        "created": _time(image.created_at),
        "updated": _time(image.updated_at),
        "status": _STATUS.get(image.status, "UNKNOWN"),
        "progress": _PROGRESS.get(image.status, 0),
        "OS-EXT-IMG-SIZE:size": image.size,
        "links": image_links(req, image),
    }
    server_id = props.get("instance_uuid")
    if server_id is not None:
        body["server"] = {"id": server_id, "links": links(req, "servers", str(server_id))}
    disk_config = props.get("auto_disk_config")
    if disk_config is not None:
        body["OS-DCF:diskConfig"] = "AUTO" if str(disk_config).strip().lower() in _TRUE else "MANUAL"
    return body
