"""``PUT ?extract-archive``: each regular file of the archive becomes an object below the
request's path (``/v1/AUTH_p/`` + ``[container[/prefix]/]`` + its name in the archive; at the
account's root a file's first directory is its container, and a file with none is skipped).
Containers are created on first use; every PUT is an internal request as the caller."""

from __future__ import annotations

import tarfile
import zlib
from collections.abc import AsyncIterator
from typing import IO
from urllib.parse import quote

from starlette.types import ASGIApp, Scope

from pocketstack.api.object_v1 import limits
from pocketstack.api.object_v1.middleware.bulk_delete import MAX_PATH_LENGTH
from pocketstack.api.object_v1.middleware.swift_http import SwiftPath, header_dict, status_line
from pocketstack.api.object_v1.middleware.tar_archive import ArchiveFile, archive_files
from pocketstack.api.object_v1.subrequest import subrequest

# COMPAT: Swift's [filter:bulk] defaults.
MAX_CONTAINERS = 10000
MAX_FAILED_EXTRACTIONS = 1000
READ_CHUNK = 65536
PASSED_ON = ("x-delete-at", "x-delete-after", "content-type", "x-detect-content-type")

Report = tuple[dict[str, object], list[list[str]]]


class _Stop(Exception):
    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _quoted(name: str) -> str:
    return quote(name[:MAX_PATH_LENGTH])


async def extract(
    app: ASGIApp, scope: Scope, where: SwiftPath, archive: IO[bytes], compression: str
) -> Report:
    base = "/".join(p for p in (where.container, where.obj) if p).rstrip("/")
    created = 0
    errors: list[list[str]] = []
    server_error = False
    containers_seen: set[str] = set()
    client = header_dict(scope)
    passed = {k: v for k, v in client.items() if k in PASSED_ON or k.startswith("x-object-meta-")}
    values: dict[str, object] = {
        "Response Status": status_line(201),
        "Response Body": "",
        "Number Files Created": 0,
    }
    try:
        containers_created = 0
        for item in archive_files(archive, compression):
            if len(errors) >= MAX_FAILED_EXTRACTIONS:
                break
            path = f"{base}/{item.name}" if base else item.name
            if "/" not in path:
                continue
            container = path.split("/", 1)[0]
            if item.size > limits.MAX_FILE_SIZE:
                errors.append([_quoted(path), status_line(413)])
                continue
            if container not in containers_seen:
                made = await _ensure_container(app, scope, where, container)
                if made is True:
                    containers_created += 1
                    if containers_created > MAX_CONTAINERS:
                        raise _Stop(400, f"More than {MAX_CONTAINERS} containers to create from tar.")
            status = await _put(app, scope, where, path, item, passed)
            containers_seen.add(container)
            if 200 <= status < 300:
                created += 1
                continue
            if status == 401:
                errors.append([_quoted(path), status_line(401)])
                raise _Stop(401, "")
            server_error = server_error or status >= 500
            errors.append([_quoted(path), status_line(status)])
        if errors:
            values["Response Status"] = status_line(502 if server_error else 400)
        elif not created:
            values["Response Status"] = status_line(400)
            values["Response Body"] = "Invalid Tar File: No Valid Files"
    except _Stop as stop:
        values["Response Status"] = status_line(stop.status)
        values["Response Body"] = stop.message
    except (tarfile.TarError, zlib.error, OSError, EOFError) as exc:
        values["Response Status"] = status_line(400)
        values["Response Body"] = f"Invalid Tar File: {exc}"
    values["Number Files Created"] = created
    return values, errors


async def _ensure_container(app: ASGIApp, scope: Scope, where: SwiftPath, container: str) -> bool:
    """True when it was created now; a caller who may not create it may still write to it."""
    path = f"{where.account_path}/{container}"
    if 200 <= (await subrequest(app, scope, "HEAD", path)).status < 300:
        return False
    resp = await subrequest(app, scope, "PUT", path, headers={"content-length": "0"})
    if resp.status == 401:
        raise _Stop(401, "")
    return 200 <= resp.status < 300


async def _put(
    app: ASGIApp, scope: Scope, where: SwiftPath, path: str, item: ArchiveFile, passed: dict[str, str]
) -> int:
    headers = {**passed, **item.headers, "content-length": str(item.size)}
    resp = await subrequest(
        app, scope, "PUT", f"{where.account_path}/{path}", headers=headers, body=_chunks(item)
    )
    return resp.status


async def _chunks(item: ArchiveFile) -> AsyncIterator[bytes]:
    while chunk := item.data.read(READ_CHUNK):
        yield chunk
