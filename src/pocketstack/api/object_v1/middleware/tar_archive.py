"""Reading an uploaded tar (plain, gzip or bzip2) for extract-archive: its regular files in
order, each with the headers its pax attributes give (``user.mime_type`` -> Content-Type,
``user.meta.<name>`` -> X-Object-Meta-<name>, as GNU and BSD tar store them)."""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

COMPRESSIONS = {"tar": "", "tar.gz": "gz", "tar.bz2": "bz2"}
PAX_META_PREFIXES = ("SCHILY.xattr.user.meta.", "LIBARCHIVE.xattr.user.meta.")
PAX_MIME_TYPES = ("SCHILY.xattr.user.mime_type", "LIBARCHIVE.xattr.user.mime_type")


@dataclass
class ArchiveFile:
    name: str  # as in the archive, without a leading "./" or "/"
    size: int
    headers: dict[str, str]
    data: IO[bytes]  # read it before asking for the next file


def compression_of(kind: str) -> str | None:
    """ "" / "gz" / "bz2" for ``?extract-archive=<kind>``; None when unsupported."""
    return COMPRESSIONS.get(kind.lower().strip("."))


def headers_from_pax(pax: dict[str, str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in pax.items():
        if key in PAX_MIME_TYPES:
            headers["Content-Type"] = value
            continue
        for prefix in PAX_META_PREFIXES:
            if key.startswith(prefix):
                headers["X-Object-Meta-" + key[len(prefix) :]] = value
    return headers


def archive_files(source: IO[bytes], compression: str) -> Iterator[ArchiveFile]:
    """The regular files of the archive (directories, links and devices are skipped).
    Raises tarfile.TarError (and zlib/bz2 errors as OSError or EOFError) on a bad archive."""
    with tarfile.open(mode="r|" + compression, fileobj=source) as archive:
        for member in archive:
            if not member.isfile():
                continue
            name = member.name
            name = name.removeprefix("./").lstrip("/")
            data = archive.extractfile(member)
            if data is None:
                continue
            yield ArchiveFile(name, member.size, headers_from_pax(dict(member.pax_headers)), data)
