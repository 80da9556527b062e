"""Object storage v1 plans for uploads: ``create_object``, each body sent with its md5 for the
server to check, and a file above the segment size as a static large object (its segments
uploaded in parallel, each checked, then the manifest)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pocketstack.sdk.exceptions import HttpError
from pocketstack.sdk.object_store.v1._support import _container_name, _meta_key, _text
from pocketstack.sdk.object_store.v1.container_plans import ContainerPlans
from pocketstack.sdk.object_store.v1.object_plans import ObjectPlans
from pocketstack.sdk.object_store.v1.resources import (
    OBJECT_HEADERS,
    Container,
    Object,
    object_path,
    unquote_etag,
)
from pocketstack.sdk.object_store.v1.transfer import (
    DEFAULT_CONCURRENCY,
    DEFAULT_SEGMENT_SIZE,
    ChecksumMismatch,
    file_md5,
    md5_hex,
    slo_etag,
)
from pocketstack.sdk.plan import Call, FileBody, Offload, Parallel, Progress, Response, all_of

SEGMENTS_SUFFIX = "_segments"
"""Segments of ``<container>/<name>`` go to ``<container>_segments`` (python-swiftclient's
convention), named ``<name>/slo/<mtime>/<size>/<segment size>/<index:08d>``. openstacksdk puts
them beside the object as ``<name>/<index:06d>``, which makes the object's name a folder of its
own segments: a directory upload could not be downloaded back."""


def _object_headers(headers: Mapping[str, Any], metadata: Mapping[str, Any] | None) -> dict[str, str]:
    """Request headers from openstacksdk's names (``content_type``, ``delete_after`` ...),
    whole header names, and ``metadata`` items."""
    out: dict[str, str] = {}
    for key, value in headers.items():
        if value is None:
            continue
        out[OBJECT_HEADERS.get(key, key)] = _text(value)
    for key, value in (metadata or {}).items():
        out[f"X-Object-Meta-{_meta_key(key, 'object')}"] = _text(value)
    return out


def _has(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


class ObjectUploadPlans(ContainerPlans, ObjectPlans):
    """Uploads, on the container plans (a large object's segments container is ensured) and
    the object plans (a failed large upload deletes its segments)."""

    # -- uploads --------------------------------------------------------------------------------

    def create_object(
        self,
        /,
        container: Container | str,
        name: str,
        data: bytes | str | None = None,
        filename: Path | str | None = None,
        segment_size: int | None = None,
        progress: Progress | None = None,
        metadata: Mapping[str, Any] | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        **headers: Any,
    ) -> Call[Object]:
        """Upload ``data``, or the file ``filename`` (the object's ``name`` when neither is
        given, as openstacksdk), with its md5 as ETag so the server checks it (BadRequest 422 on
        a mismatch, ChecksumMismatch when the ETag answered differs). A file larger than
        ``segment_size`` (1 GiB) becomes a static large object: segments in
        ``<container>_segments``, ``concurrency`` at a time, each checked, then the manifest.
        ``headers``: ``content_type``, ``delete_after`` ... by name, or whole header names;
        ``metadata``: ``X-Object-Meta-*`` items. ``progress(n)`` is called per chunk sent."""
        cname = _container_name(container)
        if data is not None and filename is not None:
            raise ValueError("give data or filename, not both")
        sent = _object_headers(headers, metadata)
        if data is not None:
            body = data.encode() if isinstance(data, str) else data
            return (yield from self._put_object(cname, name, body, len(body), md5_hex(body), sent, progress))
        local = Path(filename if filename is not None else name)
        size = local.stat().st_size
        limit = segment_size or DEFAULT_SEGMENT_SIZE
        if size <= limit:
            content = FileBody(local, progress=progress)
            md5 = yield Offload(lambda: file_md5(local))
            return (yield from self._put_object(cname, name, content, size, md5, sent, progress))
        return (
            yield from self._put_large_object(cname, name, local, size, limit, sent, progress, concurrency)
        )

    def _put_object(
        self,
        container: str,
        name: str,
        content: bytes | FileBody,
        size: int,
        md5: str,
        headers: dict[str, str],
        progress: Progress | None,
    ) -> Call[Object]:
        given = _has(headers, "etag")
        expected = unquote_etag(given) or md5
        if given is None:
            headers = {**headers, "ETag": md5}
        response = yield from self._request(
            "PUT", object_path(container, name), content=content, headers=headers
        )
        if isinstance(content, bytes) and progress is not None:
            progress(len(content))
        answered = unquote_etag(response.header("etag"))
        if answered and answered != expected:
            raise ChecksumMismatch(f"{container}/{name} ETag", expected, answered)
        return self._made(container, name, size, answered or expected, headers, response)

    def _made(
        self, container: str, name: str, size: int, etag: str, headers: Mapping[str, str], response: Response
    ) -> Object:
        body: dict[str, Any] = {
            "name": name,
            "container": container,
            "bytes": size,
            "hash": etag,
            "last_modified": response.header("last-modified"),
            "content_type": _has(headers, "content-type"),
            "metadata": {
                k.lower().removeprefix("x-object-meta-"): v
                for k, v in headers.items()
                if k.lower().startswith("x-object-meta-")
            },
        }
        return Object.from_wire({k: v for k, v in body.items() if v is not None}, {"container": container})

    def _put_segment(
        self, container: str, name: str, local: Path, offset: int, length: int, progress: Progress | None
    ) -> Call[str]:
        md5: str = yield Offload(lambda: file_md5(local, offset, length))
        content = FileBody(local, offset=offset, length=length, progress=progress)
        response = yield from self._request(
            "PUT",
            object_path(container, name),
            content=content,
            headers={"ETag": md5, "Content-Type": "application/octet-stream"},
        )
        answered = unquote_etag(response.header("etag"))
        if answered != md5:
            raise ChecksumMismatch(f"segment {container}/{name} ETag", md5, answered)
        return md5

    def _put_large_object(
        self,
        container: str,
        name: str,
        local: Path,
        size: int,
        segment_size: int,
        headers: dict[str, str],
        progress: Progress | None,
        concurrency: int,
    ) -> Call[Object]:
        segments = container + SEGMENTS_SUFFIX
        yield from self.ensure_container(segments)
        stem = f"{name}/slo/{local.stat().st_mtime:f}/{size}/{segment_size}"
        pieces = [
            (f"{stem}/{index:08d}", offset, min(segment_size, size - offset))
            for index, offset in enumerate(range(0, size, segment_size))
        ]
        plans = [self._put_segment(segments, seg, local, off, n, progress) for seg, off, n in pieces]
        try:
            md5s = [str(r) for r in (yield from all_of(plans, concurrency))]
        except Exception:
            yield from self._remove_segments(segments, [seg for seg, _, _ in pieces])
            raise
        manifest = [
            {"path": f"/{segments}/{seg}", "etag": md5, "size_bytes": n}
            for (seg, _, n), md5 in zip(pieces, md5s, strict=True)
        ]
        given = _has(headers, "etag")
        expected = unquote_etag(given) or slo_etag(md5s)
        sent = dict(headers) if given is not None else {**headers, "ETag": expected}
        try:
            response = yield from self._request(
                "PUT",
                object_path(container, name),
                params={"multipart-manifest": "put"},
                content=json.dumps(manifest).encode(),
                headers=sent,
            )
        except HttpError:
            yield from self._remove_segments(segments, [seg for seg, _, _ in pieces])
            raise
        answered = unquote_etag(response.header("etag"))
        if answered and answered != expected:
            raise ChecksumMismatch(f"{container}/{name} manifest ETag", expected, answered)
        made = self._made(container, name, size, answered or expected, sent, response)
        made.is_static_large_object = True
        return made

    def _remove_segments(self, container: str, names: list[str]) -> Call[None]:
        """Best effort: delete uploaded segments after a failed large upload."""
        plain = [
            Object.from_wire({"name": n, "container": container, "is_static_large_object": False})
            for n in names
        ]
        yield Parallel([self.delete_object(o) for o in plain], limit=DEFAULT_CONCURRENCY)
