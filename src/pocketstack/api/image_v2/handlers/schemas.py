"""GET /v2/schemas/{image,images,member,members}: JSON Schema documents built from our own
model of an image (the constants of core/image/images.py), shaped as Glance's."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.core.image.images import CONTAINER_FORMATS, DISK_FORMATS, READ_ONLY, VISIBILITIES
from pocketstack.core.image.members import STATUSES

IMAGE_STATUSES = [
    "queued",
    "saving",
    "active",
    "killed",
    "deleted",
    "uploading",
    "importing",
    "pending_delete",
    "deactivated",
]
_NULLABLE_STR = {"type": ["null", "string"]}
_TIME = {"type": "string", "format": "date-time"}


def _image_properties() -> dict[str, Any]:
    props: dict[str, Any] = {
        "id": {
            "type": "string",
            "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
            "-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$",
            "description": "An identifier for the image",
        },
        "name": {**_NULLABLE_STR, "maxLength": 255, "description": "Descriptive name for the image"},
        "status": {"type": "string", "enum": IMAGE_STATUSES, "description": "Status of the image"},
        "visibility": {
            "type": "string",
            "enum": list(VISIBILITIES),
            "description": "Scope of image accessibility",
        },
        "protected": {"type": "boolean", "description": "If true, image will not be deletable."},
        "os_hidden": {
            "type": "boolean",
            "description": "If true, image will not appear in default image list response.",
        },
        "owner": {**_NULLABLE_STR, "maxLength": 255, "description": "Owner of the image"},
        "container_format": {
            **_NULLABLE_STR,
            "enum": [None, *CONTAINER_FORMATS],
            "description": "Format of the container",
        },
        "disk_format": {**_NULLABLE_STR, "enum": [None, *DISK_FORMATS], "description": "Format of the disk"},
        "size": {"type": ["null", "integer"], "description": "Size of image file in bytes"},
        "virtual_size": {"type": ["null", "integer"], "description": "Virtual size of image in bytes"},
        "min_disk": {
            "type": "integer",
            "description": "Amount of disk space (in GB) required to boot image.",
        },
        "min_ram": {"type": "integer", "description": "Amount of ram (in MB) required to boot image."},
        "checksum": {**_NULLABLE_STR, "maxLength": 32, "description": "md5 hash of image contents."},
        "os_hash_algo": {
            **_NULLABLE_STR,
            "maxLength": 64,
            "description": "Algorithm to calculate the os_hash_value",
        },
        "os_hash_value": {
            **_NULLABLE_STR,
            "maxLength": 128,
            "description": "Hexdigest of the image contents",
        },
        "tags": {
            "type": "array",
            "items": {"type": "string", "maxLength": 255},
            "description": "List of strings related to the image",
        },
        "created_at": {**_TIME, "description": "Date and time of image registration"},
        "updated_at": {**_TIME, "description": "Date and time of the last image modification"},
        "self": {"type": "string", "description": "An image self url"},
        "file": {"type": "string", "description": "An image file url"},
        "schema": {"type": "string", "description": "An image schema url"},
        "direct_url": {
            "type": "string",
            "description": "URL to access the image file kept in external store",
        },
        "locations": {
            "type": "array",
            "items": {"type": "object"},
            "description": "A set of URLs to access the image file",
        },
        "stores": {"type": "string", "description": "Store in which image data resides."},
    }
    for key in READ_ONLY:
        if key in props:
            props[key]["readOnly"] = True
    return props


def image_schema() -> dict[str, Any]:
    return {
        "name": "image",
        "properties": _image_properties(),
        "additionalProperties": {"type": "string"},
        "links": [
            {"rel": "self", "href": "{self}"},
            {"rel": "enclosure", "href": "{file}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    }


def member_schema() -> dict[str, Any]:
    return {
        "name": "member",
        "properties": {
            "image_id": {"type": "string", "description": "An identifier for the image"},
            "member_id": {"type": "string", "description": "An identifier for the image member (project id)"},
            "status": {
                "type": "string",
                "enum": list(STATUSES),
                "description": "The status of this image member",
            },
            "created_at": {**_TIME, "description": "Date and time of image member creation"},
            "updated_at": {**_TIME, "description": "Date and time of last modification of image member"},
            "schema": {"type": "string", "readOnly": True},
        },
    }


def _collection(name: str, item: dict[str, Any], links: list[dict[str, str]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "properties": {name: {"type": "array", "items": item}, "schema": {"type": "string"}},
        "links": links,
    }
    if name == "images":
        body["properties"].update(first={"type": "string"}, next={"type": "string"})
    return body


def show_image_schema(req: ApiRequest) -> Response:
    return json_response(image_schema())


def show_images_schema(req: ApiRequest) -> Response:
    links = [
        {"rel": "first", "href": "{first}"},
        {"rel": "next", "href": "{next}"},
        {"rel": "describedby", "href": "{schema}"},
    ]
    return json_response(_collection("images", image_schema(), links))


def show_member_schema(req: ApiRequest) -> Response:
    return json_response(member_schema())


def show_members_schema(req: ApiRequest) -> Response:
    return json_response(
        _collection("members", member_schema(), [{"rel": "describedby", "href": "{schema}"}])
    )


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/v2/schemas/image", show_image_schema, "image:schemas:get"),
    Endpoint("GET", "/v2/schemas/images", show_images_schema, "image:schemas:get"),
    Endpoint("GET", "/v2/schemas/member", show_member_schema, "image:schemas:get"),
    Endpoint("GET", "/v2/schemas/members", show_members_schema, "image:schemas:get"),
]
