"""The ``web-download`` import: image data fetched from an http(s) URL, filtered as Glance's
``import_filtering_opts`` filter it. Each of schemes, hosts and ports has an allowed and a
disallowed list; when both are set only the allowed one counts. Glance's defaults: schemes
http and https, ports 80 and 443, any host. Redirects are followed only to URLs that pass the
same filter. Hosts written as encoded numbers (``2130706433``, ``0x7f000001``) are refused."""

from __future__ import annotations

import ipaddress
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from pocketstack.core.errors import BadRequest

CHUNK = 1024 * 1024
TIMEOUT = 60
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9.]+)$", re.IGNORECASE)


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip().lower() for v in value.split(",") if v.strip())


@dataclass(frozen=True)
class UriFilter:
    allowed_schemes: tuple[str, ...] = ("http", "https")
    disallowed_schemes: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    disallowed_hosts: tuple[str, ...] = ()
    allowed_ports: tuple[int, ...] = (80, 443)
    disallowed_ports: tuple[int, ...] = ()

    @classmethod
    def parse(
        cls, schemes: str, no_schemes: str, hosts: str, no_hosts: str, ports: str, no_ports: str
    ) -> UriFilter:
        """From comma-separated setting values; a bad port stops the start with its value."""
        try:
            port_lists = tuple(int(p) for p in _csv(ports)), tuple(int(p) for p in _csv(no_ports))
        except ValueError as exc:
            raise ValueError(f"image import ports must be numbers: {exc}") from None
        return cls(_csv(schemes), _csv(no_schemes), _csv(hosts), _csv(no_hosts), *port_lists)

    def allows(self, uri: str | None) -> bool:
        if not uri:
            return False
        try:
            parsed = urlparse(uri)
            port = parsed.port
        except ValueError:
            return False
        host = _normal_host(parsed.hostname)
        if not parsed.scheme or not _passes(
            parsed.scheme.lower(), self.allowed_schemes, self.disallowed_schemes
        ):
            return False
        if not host or not _passes(host, self.allowed_hosts, self.disallowed_hosts):
            return False
        return port is None or _passes(port, self.allowed_ports, self.disallowed_ports)

    def check(self, uri: Any) -> str:
        if not isinstance(uri, str) or not uri:
            raise BadRequest("A 'uri' to import from is required.")
        if not self.allows(uri):
            raise BadRequest(f"URI for web-download does not pass filtering: {uri}")
        return uri


def _passes(value: Any, allowed: tuple, disallowed: tuple) -> bool:
    if allowed:
        return value in allowed
    return value not in disallowed


def _normal_host(host: str | None) -> str | None:
    if not host:
        return None
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        return None  # an encoded address, which the resolver might still take
    return host.lower()


class _FilteredRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, uri_filter: UriFilter) -> None:
        self.uri_filter = uri_filter

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201 - urllib's
        if not self.uri_filter.allows(newurl):
            raise urllib.error.URLError(f"redirect to a disallowed URL: {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(uri: str, uri_filter: UriFilter, write: Callable[[bytes], None], limit: int) -> int:
    """Download ``uri`` into ``write``; at most ``limit`` bytes. Raises OSError (URLError) on
    network errors and ValueError when the data is larger than ``limit``."""
    opener = urllib.request.build_opener(_FilteredRedirects(uri_filter))
    total = 0
    with opener.open(uri_filter.check(uri), timeout=TIMEOUT) as response:
        while chunk := response.read(CHUNK):
            total += len(chunk)
            if total > limit:
                raise ValueError(f"the data at the URL is larger than the limit of {limit} bytes")
            write(chunk)
    return total
