"""Object storage v1 (Swift) calls as plans.

Swift carries metadata in headers and answers most writes with no body, so these plans are
written with ``session.request`` directly rather than the JSON plans of :mod:`ops`. Listings
ask for ``format=json`` and page by ``marker`` (the last name, or ``subdir`` of a delimiter
listing) until a page comes back empty or shorter than ``limit``.

Names of openstacksdk's object_store proxy are kept; where a call takes an object it takes an
:class:`Object` (which knows its container) or a name with ``container=``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pocketstack.sdk.exceptions import HttpError, NotFound, error_for
from pocketstack.sdk.object_store.v1 import transfer
from pocketstack.sdk.object_store.v1.resources import (
    CONTAINER_HEADERS,
    KEPT_OBJECT_HEADERS,
    OBJECT_HEADERS,
    SERVICE,
    Account,
    Container,
    Object,
    container_path,
    object_path,
    unquote_etag,
)
from pocketstack.sdk.object_store.v1.transfer import (
    DEFAULT_CONCURRENCY,
    DEFAULT_SEGMENT_SIZE,
    ChecksumMismatch,
    all_of,
    file_md5,
    md5_hex,
    slo_etag,
)
from pocketstack.sdk.plan import (
    Call,
    Emit,
    FileBody,
    FileSink,
    Listing,
    Offload,
    Parallel,
    Progress,
    Response,
)
from pocketstack.sdk.proxy import ServicePlans
from pocketstack.sdk.resource import value_id

R = TypeVar("R")

SEGMENTS_SUFFIX = "_segments"
"""Segments of ``<container>/<name>`` go to ``<container>_segments`` (python-swiftclient's
convention), named ``<name>/slo/<mtime>/<size>/<segment size>/<index:08d>``. openstacksdk puts
them beside the object as ``<name>/<index:06d>``, which makes the object's name a folder of its
own segments: a directory upload could not be downloaded back."""

TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _meta_key(key: str, kind: str) -> str:
    prefix = f"x-{kind}-meta-"
    return key[len(prefix) :] if key.lower().startswith(prefix) else key


def _container_headers(attrs: Mapping[str, Any], *, loose: bool) -> dict[str, str]:
    """Headers for a container's settings by openstacksdk's names (``read_ACL``,
    ``versions_location`` ...), ``metadata={...}``, or whole header names (``X-...``). With
    ``loose`` any other key is a metadata item (as openstacksdk's set_container_metadata);
    otherwise it is a TypeError."""
    headers: dict[str, str] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if key == "metadata":
            for name, item in dict(value).items():
                headers[f"X-Container-Meta-{_meta_key(name, 'container')}"] = _text(item)
        elif key in CONTAINER_HEADERS:
            headers[CONTAINER_HEADERS[key]] = _text(value)
        elif key.lower().startswith("x-"):
            headers[key] = _text(value)
        elif loose:
            headers[f"X-Container-Meta-{key}"] = _text(value)
        else:
            raise TypeError(f"unknown container attribute {key!r} (use metadata={{...}} for metadata)")
    return headers


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


def _container_name(container: Container | str | None) -> str:
    if container is None:
        raise ValueError("container must be specified")
    return value_id(container)


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


class ObjectStorePlans(ServicePlans):
    def _request(self, method: str, path: str, **kwargs: Any) -> Call[Response]:
        return self.session.request(SERVICE, method, path, **kwargs)

    def _listing(
        self,
        path: str,
        make: Callable[[dict[str, Any]], R],
        *,
        limit: int | None = None,
        **query: Any,
    ) -> Listing[R]:
        params: dict[str, Any] = {"format": "json"}
        params.update({k: _text(v) for k, v in query.items() if v is not None})
        if limit is not None:
            params["limit"] = limit
        while True:
            response = yield from self._request("GET", path, params=params)
            body = response.json() if response.status_code != 204 else None
            entries = [e for e in body or [] if isinstance(e, dict)]
            for entry in entries:
                yield Emit(make(entry))
            if not entries or (limit is not None and len(entries) < limit):
                return
            marker = entries[-1].get("name") or entries[-1].get("subdir")
            if not marker:
                return
            params = {**params, "marker": marker}

    # -- account --------------------------------------------------------------------------------

    def get_account_metadata(self) -> Call[Account]:
        """The account's usage and metadata (a HEAD)."""
        response = yield from self._request("HEAD", "")
        return Account.from_headers(response.headers)

    def set_account_metadata(self, /, **metadata: Any) -> Call[Account]:
        """Set account metadata items (``X-Account-Meta-*``; an empty value removes one), then
        read the account back."""
        headers = {f"X-Account-Meta-{_meta_key(k, 'account')}": _text(v) for k, v in metadata.items()}
        for attr, key in (("meta_temp_url_key", "Temp-URL-Key"), ("meta_temp_url_key_2", "Temp-URL-Key-2")):
            if f"X-Account-Meta-{attr}" in headers:
                headers[f"X-Account-Meta-{key}"] = headers.pop(f"X-Account-Meta-{attr}")
        yield from self._request("POST", "", headers=headers)
        return (yield from self.get_account_metadata())

    def delete_account_metadata(self, keys: Iterable[str]) -> Call[None]:
        """Remove account metadata items by key."""
        headers = {f"X-Remove-Account-Meta-{_meta_key(k, 'account')}": "x" for k in keys}
        yield from self._request("POST", "", headers=headers)

    # -- containers -----------------------------------------------------------------------------

    def containers(self, /, prefix: str | None = None, **query: Any) -> Listing[Container]:
        """Every container of the account, page by page (``limit`` is the page size; also
        ``marker``, ``end_marker``, ``reverse``)."""
        return self._listing("", Container.from_wire, prefix=prefix, **query)

    def get_container_metadata(self, container: Container | str) -> Call[Container]:
        """The container's counts, settings and metadata (a HEAD; NotFound when missing)."""
        name = _container_name(container)
        response = yield from self._request("HEAD", container_path(name))
        return Container.from_headers(name, response.headers)

    def create_container(self, /, name: str, **attrs: Any) -> Call[Container]:
        """Create the container (a PUT; one that exists keeps its objects and takes the settings
        given): ``metadata={...}``, ``read_ACL``, ``write_ACL``, ``versions_location``,
        ``history_location``, ``storage_policy`` ...; then read it back."""
        headers = _container_headers(attrs, loose=False)
        yield from self._request("PUT", container_path(name), headers=headers)
        return (yield from self.get_container_metadata(name))

    def ensure_container(self, name: str) -> Call[Container]:
        """The container, created (without settings) when it does not exist."""
        try:
            return (yield from self.get_container_metadata(name))
        except NotFound:
            return (yield from self.create_container(name))

    def set_container_metadata(
        self, container: Container | str, /, refresh: bool = True, **metadata: Any
    ) -> Call[Container]:
        """Set metadata items and settings (``read_ACL``, ``write_ACL``, ``versions_location``
        ... by name; any other key is an ``X-Container-Meta-*`` item; an empty value removes
        one); the container read back unless ``refresh`` is False."""
        name = _container_name(container)
        yield from self._request(
            "POST", container_path(name), headers=_container_headers(metadata, loose=True)
        )
        if not refresh and isinstance(container, Container):
            return container
        return (yield from self.get_container_metadata(name))

    def delete_container_metadata(self, container: Container | str, keys: Iterable[str]) -> Call[None]:
        """Remove metadata items (or settings by name, such as ``read_ACL``) from the container."""
        headers: dict[str, str] = {}
        for key in keys:
            if key in CONTAINER_HEADERS:
                headers["X-Remove-" + CONTAINER_HEADERS[key].removeprefix("x-")] = "x"
            else:
                headers[f"X-Remove-Container-Meta-{_meta_key(key, 'container')}"] = "x"
        yield from self._request("POST", container_path(_container_name(container)), headers=headers)

    def delete_container(self, container: Container | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the (empty) container; Conflict while it holds objects, NotFound without
        ``ignore_missing`` when there is none."""
        try:
            yield from self._request("DELETE", container_path(_container_name(container)))
        except NotFound:
            if not ignore_missing:
                raise

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

    # -- directories (written in transfer.py) -------------------------------------------------

    upload_directory = transfer.upload_directory
    download_directory = transfer.download_directory


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
