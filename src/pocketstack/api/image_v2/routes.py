"""The Image v2 route table: handler modules keep their rows in ``ROUTES``; this module puts
them together."""

from __future__ import annotations

from pocketstack.api.common.routing import Endpoint
from pocketstack.api.image_v2 import versions
from pocketstack.api.image_v2.handlers import (
    data,
    images,
    imports,
    info,
    members,
    metadef_contents,
    metadef_namespaces,
    metadef_schemas,
    schemas,
    stores,
    tags,
    tasks,
)

ROUTES: list[Endpoint] = [
    Endpoint("GET", "/", versions.list_versions, None, authenticated=False),
    Endpoint("GET", "/versions", versions.show_versions, None, authenticated=False),
    *images.ROUTES,
    *members.ROUTES,
    *tags.ROUTES,
    *data.ROUTES,
    *imports.ROUTES,
    *schemas.ROUTES,
    *info.ROUTES,
    *metadef_namespaces.ROUTES,
    *metadef_contents.ROUTES,
    *metadef_schemas.ROUTES,
    *tasks.ROUTES,
    *stores.ROUTES,
]
