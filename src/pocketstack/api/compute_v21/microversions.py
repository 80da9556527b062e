"""Compute microversions: which one a request asks for, and the headers that answer it.

Parsing follows Nova (nova/api/openstack/wsgi.py with the microversion-parse library) so that
clients tuned against Nova get the same answer here, odd corners included (marked COMPAT).
The legacy ``/compute/v2`` mode does not negotiate at all: it ignores both request headers and
sends none back, so its caller skips ``negotiate`` and ``response_headers(LEGACY_VERSION)`` is
empty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from pocketstack.core.errors import BadRequest, NotAcceptable


class Version(NamedTuple):
    """A compute API version; tuple order makes ``MIN_VERSION <= v <= MAX_VERSION`` work."""

    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


MIN_VERSION = Version(2, 1)
# Announce honestly: clients gate behaviour on this (see docs/compute-microversions.md).
MAX_VERSION = Version(2, 104)
# What the relaxed /compute/v2 mode runs as; it is never negotiated or announced in headers.
LEGACY_VERSION = Version(2, 0)

SERVICE_TYPE = "compute"
HEADER = "OpenStack-API-Version"
LEGACY_HEADER = "X-OpenStack-Nova-API-Version"
VARY = f"{HEADER}, {LEGACY_HEADER}"
LATEST = "latest"

# COMPAT: Nova's grammar: no leading "v", no leading zeros, a minor of exactly "0" is allowed
# (so "2.0" is well formed and answered 406, not 400). ASCII digits only.
_VERSION_RE = re.compile(r"([1-9][0-9]*)\.([1-9][0-9]*|0)")


def negotiate(headers: Mapping[str, str]) -> Version:
    """The version a request asks for.

    ``OpenStack-API-Version: compute X.Y`` wins over ``X-OpenStack-Nova-API-Version: X.Y``;
    neither gives MIN_VERSION and ``latest`` gives MAX_VERSION.

    Raises BadRequest when the requested value is not ``latest`` or ``X.Y``, and NotAcceptable
    when it is well formed but outside [MIN_VERSION, MAX_VERSION].
    """
    requested = _requested(headers)
    if requested is None:
        return MIN_VERSION
    # COMPAT: "latest" is matched exactly, as Nova does; "Latest" is a malformed version.
    if requested == LATEST:
        return MAX_VERSION
    version = parse(requested)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise NotAcceptable(
            f"Version {version} is not supported by the API. "
            f"Minimum is {MIN_VERSION} and maximum is {MAX_VERSION}."
        )
    return version


def parse(value: str) -> Version:
    """``"2.79"`` -> Version(2, 79); BadRequest naming the value when it is not ``X.Y``."""
    match = _VERSION_RE.fullmatch(value)
    if match is None:
        raise BadRequest(
            f"Invalid compute API version {value!r}: expected 'latest' or MAJOR.MINOR, such as '2.79'."
        )
    return Version(int(match.group(1)), int(match.group(2)))


def response_headers(version: Version) -> dict[str, str]:
    """The headers that tell the client which version answered, for caches too (``Vary``).

    COMPAT: Nova adds ``Vary`` twice, once per header name; one comma-joined value means the
    same in HTTP and fits a dict. Legacy v2 responses carry none of these, as in Nova.
    """
    if version == LEGACY_VERSION:
        return {}
    return {HEADER: f"{SERVICE_TYPE} {version}", LEGACY_HEADER: str(version), "Vary": VARY}


def _requested(headers: Mapping[str, str]) -> str | None:
    """The raw version string asked for, or None when the request names none."""
    standard = _header(headers, HEADER)
    if standard is not None:
        found = _compute_entry(standard)
        if found is not None:
            return found
    legacy = _header(headers, LEGACY_HEADER)
    if legacy is None:
        return None
    # COMPAT: the last comma-separated value counts, and an empty header is a malformed
    # version (400), both as in Nova.
    return legacy.split(",")[-1].strip()


def _compute_entry(value: str) -> str | None:
    """The version of the ``compute`` entry in an ``OpenStack-API-Version`` value.

    COMPAT: as in Nova, entries are read from the last one back, the service name is matched
    without regard to case, and an entry without a space (``2.5``, ``compute``) is skipped
    rather than refused, so it falls through to the legacy header or the default.
    """
    for entry in reversed(value.split(",")):
        parts = entry.strip().split(None, 1)
        if len(parts) == 2 and parts[0].lower() == SERVICE_TYPE:
            return parts[1].strip()
    return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, repeated lines folded with commas as a WSGI server would.

    Starlette's Headers look names up without regard to case and keep repeated lines; a plain
    dict (as in tests) is searched by lower-cased name.
    """
    getlist = getattr(headers, "getlist", None)
    if callable(getlist):
        values = getlist(name)
        return ",".join(values) if values else None
    wanted = name.lower()
    values = [value for key, value in headers.items() if key.lower() == wanted]
    return ",".join(values) if values else None
