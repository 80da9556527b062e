"""Bodies of /servers/{id}/metadata and /servers/{id}/tags, as Nova's schemas
server_metadata.py and server_tags.py: metadata keys of 1-255 of ``[a-zA-Z0-9-_:. ]`` with
string values of up to 255 characters, exactly one item under ``meta``, at most 50 tags."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.schemas.parameters import Metadata, Tag, check_metadata, fail
from pocketstack.api.compute_v21.schemas.servers import MAX_TAGS


def _one_item(value: Any) -> dict[str, str]:
    items = check_metadata(value)
    if len(items) != 1:
        fail(f"{value!r} should have exactly one property")
    return items


class MetadataBody(Wire):
    """PUT (replace) and POST (merge) /servers/{id}/metadata."""

    metadata: Metadata


class MetaItem(Wire):
    """PUT /servers/{id}/metadata/{key}."""

    meta: Annotated[dict[str, str], BeforeValidator(_one_item)]


class ReplaceTags(Wire):
    """PUT /servers/{id}/tags."""

    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)]
