"""Metadata definition bodies, shaped as Glance's (``None`` fields left out, as Glance's
serializer leaves out unset ones)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pocketstack.api.common.responses import isotime
from pocketstack.store.image_metadef_models import (
    MetadefNamespace,
    MetadefObject,
    MetadefResourceType,
    MetadefTag,
)


def _times(row: Any) -> dict[str, Any]:
    return {
        "created_at": isotime(row.created_at, micros=False),
        "updated_at": isotime(row.updated_at, micros=False),
    }


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def namespace_href(name: str) -> str:
    return f"/v2/metadefs/namespaces/{quote(name, safe=':')}"


def association(assoc: dict[str, Any]) -> dict[str, Any]:
    times = {k: isotime(assoc[k], micros=False) for k in ("created_at", "updated_at")}
    return _drop_none({**assoc, **times})


def prefixed(props: dict[str, Any], prefix: str | None) -> dict[str, Any]:
    return {f"{prefix or ''}{k}": v for k, v in props.items()}


def namespace(ns: MetadefNamespace, assocs: list[dict[str, Any]], **contents: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "namespace": ns.namespace,
        "display_name": ns.display_name,
        "description": ns.description,
        "visibility": ns.visibility,
        "protected": ns.protected,
        "owner": ns.owner,
        **_times(ns),
        "schema": "/v2/schemas/metadefs/namespace",
        "self": namespace_href(ns.namespace),
    }
    if assocs:
        body["resource_type_associations"] = [association(a) for a in assocs]
    for key, value in contents.items():
        if value:
            body[key] = value
    return _drop_none(body)


def metadef_object(obj: MetadefObject, namespace_name: str, prefix: str | None = None) -> dict[str, Any]:
    return _drop_none(
        {
            "name": obj.name,
            "description": obj.description,
            "required": [f"{prefix or ''}{r}" for r in obj.required or []],
            "properties": prefixed(obj.properties or {}, prefix),
            **_times(obj),
            "schema": "/v2/schemas/metadefs/object",
            "self": f"{namespace_href(namespace_name)}/objects/{quote(obj.name, safe='')}",
        }
    )


def metadef_property(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, **schema}


def tag(row: MetadefTag) -> dict[str, Any]:
    return {"name": row.name, **_times(row)}


def resource_type(row: MetadefResourceType) -> dict[str, Any]:
    return {"name": row.name, **_times(row)}
