"""Object storage v1 plans for objects: listing, reading and downloading (each checked against
its ETag, or a large object's size), metadata, and deleting (a static large object with its
segments). Uploads are in :mod:`.upload_plans`."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pocketstack.sdk.exceptions import NotFound, error_for
from pocketstack.sdk.object_store.v1._support import ObjectStoreBasePlans, _container_name, _meta_key, _text
from pocketstack.sdk.object_store.v1.resources import (
    KEPT_OBJECT_HEADERS,
    OBJECT_HEADERS,
    Container,
    Object,
    container_path,
    object_path,
    unquote_etag,
)
from pocketstack.sdk.object_store.v1.transfer import ChecksumMismatch, file_md5, md5_hex
from pocketstack.sdk.plan import Call, FileSink, Listing, Offload, Progress, Response

TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})


def _where(obj: Object | str, container: Container | str | None) -> tuple[str, str]:
    """(container, object name): an Object's own container first, else ``container``."""
    if isinstance(obj, Object):
        if obj.name is None:
            raise ValueError("this Object has no name")
        return (obj.container or _container_name(container)), obj.name
    return _container_name(container), obj


def _is_large(response: Response) -> bool:
    """The answer is a large object's (its ETag is not the md5 of its data)."""
    etag = response.header("etag") or ""
    return (
        (response.header("x-static-large-object") or "").lower() in TRUE
        or response.header("x-object-manifest") is not None
        or etag.startswith('"')
    )


def _check_data(what: str, response: Response, data: bytes) -> None:
    """The md5 of ``data`` equals the answer's ETag (large objects: its Content-Length)."""
    if _is_large(response):
        size = response.header("content-length")
        if size is not None and size.isdigit() and int(size) != len(data):
            raise ChecksumMismatch(f"{what} size", int(size), len(data))
        return
    expected = unquote_etag(response.header("etag"))
    if expected and expected != md5_hex(data):
        raise ChecksumMismatch(f"{what} md5", expected, md5_hex(data))


class ObjectPlans(ObjectStoreBasePlans):
    # -- objects --------------------------------------------------------------------------------

    def objects(
        self,
        container: Container | str,
        /,
        prefix: str | None = None,
        delimiter: str | None = None,
        **query: Any,
    ) -> Listing[Object]:
        """The container's objects, page by page (``limit`` is the page size; also ``marker``,
        ``end_marker``, ``reverse``); with ``delimiter`` the names rolled up are Objects whose
        ``subdir`` is set. NotFound when the container is missing."""
        name = _container_name(container)

        def make(entry: dict[str, Any]) -> Object:
            return Object.from_listing(name, entry)

        return self._listing(container_path(name), make, prefix=prefix, delimiter=delimiter, **query)

    def get_object_metadata(
        self, obj: Object | str, container: Container | str | None = None
    ) -> Call[Object]:
        """The object's size, ETag, content type and metadata (a HEAD; NotFound when missing)."""
        cname, name = _where(obj, container)
        response = yield from self._request("HEAD", object_path(cname, name))
        return Object.from_headers(cname, name, response.headers)

    def get_object(
        self, obj: Object | str, container: Container | str | None = None, remember_content: bool = False
    ) -> Call[Object]:
        """The object as a GET reads it, its data checked against its ETag (ChecksumMismatch;
        NotFound when missing); the data is kept as ``data`` with ``remember_content``, as in
        openstacksdk (``download_object`` answers the data itself)."""
        cname, name = _where(obj, container)
        response = yield from self._get_data(cname, name)
        found = Object.from_headers(cname, name, response.headers)
        if remember_content:
            found.data = response.content
        return found

    def _get_data(self, cname: str, name: str) -> Call[Response]:
        response = yield from self._request("GET", object_path(cname, name))
        _check_data(f"{cname}/{name}", response, response.content)
        return response

    def download_object(
        self,
        obj: Object | str,
        container: Container | str | None = None,
        path: Path | str | None = None,
        progress: Progress | None = None,
    ) -> Call[bytes | Path]:
        """The object's data (bytes), or with ``path`` written to that file (whole or not at
        all; ``progress(n)`` per chunk) and the Path returned; checked as ``get_object``."""
        cname, name = _where(obj, container)
        if path is None:
            return (yield from self._get_data(cname, name)).content
        known = obj if isinstance(obj, Object) else Object.from_wire({"name": name, "container": cname})
        return (yield from self._fetch_to_file(cname, known, Path(path), progress))

    def _fetch_to_file(
        self, container: str, obj: Object, path: Path, progress: Progress | None = None
    ) -> Call[Path]:
        """GET the object into ``path`` and check it: md5 against the answer's ETag (else
        ``obj.etag``, as listed); for a large object the size against ``obj.content_length`` (or
        the answer's Content-Length). A file that fails the check is removed (ChecksumMismatch)."""
        name = obj.name or ""
        path.parent.mkdir(parents=True, exist_ok=True)
        response = yield from self._request(
            "GET", object_path(container, name), sink=FileSink(path, progress)
        )
        what = f"{container}/{name}"
        try:
            if _is_large(response):
                size = path.stat().st_size
                header = response.header("content-length")
                expected = obj.content_length
                if expected is None and header is not None and header.isdigit():
                    expected = int(header)
                if expected is not None and size != expected:
                    raise ChecksumMismatch(f"{what} size", expected, size)
            else:
                wanted = unquote_etag(response.header("etag")) or obj.etag
                actual = yield Offload(lambda: file_md5(path))
                if wanted and wanted != actual:
                    raise ChecksumMismatch(f"{what} md5", wanted, actual)
        except ChecksumMismatch:
            path.unlink(missing_ok=True)
            raise
        return path

    def set_object_metadata(
        self, obj: Object | str, /, container: Container | str | None = None, **metadata: Any
    ) -> Call[Object]:
        """Set metadata items (any key) and headers by name (``content_type``,
        ``content_disposition``, ``delete_at``, ``delete_after`` ...). Swift's POST replaces all
        of an object's metadata, so the object is read first and what it had is sent again;
        the object is read back after."""
        current = yield from self.get_object_metadata(obj, container)
        cname, name = current.container or "", current.name or ""
        headers = _kept_headers(current)
        meta = dict(current.metadata)
        for key, value in metadata.items():
            if key in OBJECT_HEADERS and key != "etag":
                if key == "delete_after":
                    headers.pop("x-delete-at", None)
                headers[OBJECT_HEADERS[key]] = _text(value)
            else:
                meta[_meta_key(key, "object").lower()] = _text(value)
        headers.update({f"X-Object-Meta-{k}": v for k, v in meta.items()})
        yield from self._request("POST", object_path(cname, name), headers=headers)
        return (yield from self.get_object_metadata(name, cname))

    def delete_object_metadata(
        self, obj: Object | str, container: Container | str | None = None, keys: Iterable[str] | None = None
    ) -> Call[None]:
        """Remove metadata items (or headers by name, such as ``delete_at``) from the object; what
        it keeps is sent again (Swift's POST replaces everything)."""
        if keys is None:
            return
        current = yield from self.get_object_metadata(obj, container)
        drop = {k for k in keys}
        headers = {
            header: value
            for header, value in _kept_headers(current).items()
            if not any(OBJECT_HEADERS.get(k) == header for k in drop)
        }
        for key, value in current.metadata.items():
            if key not in {_meta_key(k, "object").lower() for k in drop}:
                headers[f"X-Object-Meta-{key}"] = value
        yield from self._request(
            "POST", object_path(current.container or "", current.name or ""), headers=headers
        )

    def delete_object(
        self, obj: Object | str, container: Container | str | None = None, ignore_missing: bool = True
    ) -> Call[None]:
        """Delete the object; a static large object with its segments. NotFound without
        ``ignore_missing`` when there is none."""
        cname, name = _where(obj, container)
        try:
            slo = obj.is_static_large_object if isinstance(obj, Object) else None
            if slo is None:
                slo = (yield from self.get_object_metadata(name, cname)).is_static_large_object
            if not slo:
                yield from self._request("DELETE", object_path(cname, name))
                return
            response = yield from self._request(
                "DELETE", object_path(cname, name), params={"multipart-manifest": "delete"}
            )
        except NotFound:
            if not ignore_missing:
                raise
            return
        _check_bulk_report(response, ignore_missing)


def _kept_headers(current: Object) -> dict[str, str]:
    """The headers a POST must send again for the object to keep them."""
    headers: dict[str, str] = {}
    for attr in KEPT_OBJECT_HEADERS:
        value = getattr(current, attr)
        if value is not None:
            headers[OBJECT_HEADERS[attr]] = _text(value)
    if current.is_static_large_object:
        headers.pop("x-object-manifest", None)
    if current.delete_at is not None and current.delete_at <= time.time():
        headers.pop("x-delete-at", None)
    return headers


def _check_bulk_report(response: Response, ignore_missing: bool) -> None:
    """A ``multipart-manifest=delete`` answers 200 with a bulk report; raise its failure."""
    try:
        report = response.json()
    except ValueError:
        return
    if not isinstance(report, dict):
        return
    status = str(report.get("Response Status", "200"))
    errors = report.get("Errors") or []
    code = int(status.split()[0]) if status.split() and status.split()[0].isdigit() else 200
    if code == 404 or (report.get("Number Not Found") and not report.get("Number Deleted")):
        if ignore_missing:
            return
        code = 404
    if code >= 400 or errors:
        raise error_for(
            code if code >= 400 else 409,
            f"{status}: {errors}".encode(),
            method=response.method,
            url=response.url,
            request_id=response.request_id,
        )
