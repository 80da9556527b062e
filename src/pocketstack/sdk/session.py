"""A Session ties an Authenticator to the transport: it finds a service's endpoint in the catalog
(and the API version under it), adds the token, negotiates compute's microversion, and
re-authenticates once on a 401. Every method is a plan (see :mod:`pocketstack.sdk.plan`)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pocketstack.sdk.exceptions import Unauthorized, VersionNotSupported
from pocketstack.sdk.plan import Call, Content, FileSink, Request, Response
from pocketstack.sdk.transport import RetryPolicy, send

if TYPE_CHECKING:
    from pocketstack.sdk.auth import Authenticator

_VERSIONED = re.compile(r"/v\d+(\.\d+)?(/|$)")


@dataclass(frozen=True)
class ApiVersion:
    """The API version the SDK speaks to a service: ``major`` picks it from a version document,
    ``suffix`` is appended to an unversioned endpoint when the service offers no document."""

    major: str
    suffix: str
    versioned_in_catalog: bool = False


API_VERSIONS: dict[str, ApiVersion] = {
    "identity": ApiVersion("v3", "v3"),
    "compute": ApiVersion("v2.1", "v2.1"),
    "image": ApiVersion("v2", "v2"),
    "network": ApiVersion("v2", "v2.0"),
    "object-store": ApiVersion("v1", "v1", versioned_in_catalog=True),
    "compute-vnext": ApiVersion("", "", versioned_in_catalog=True),
    "operator": ApiVersion("", "", versioned_in_catalog=True),
}


@dataclass(frozen=True, order=True)
class Microversion:
    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Microversion:
        major, _, minor = text.strip().partition(".")
        try:
            return cls(int(major), int(minor or 0))
        except ValueError:
            raise VersionNotSupported(f"not a microversion: {text!r}") from None

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


COMPUTE_MIN = Microversion(2, 1)
COMPUTE_MAX = Microversion(2, 100)
"""The newest compute microversion whose bodies this SDK's resources read and write."""


class Session:
    def __init__(
        self,
        authenticator: Authenticator,
        *,
        region: str | None = None,
        interface: str = "public",
        retry: RetryPolicy | None = None,
        endpoint_overrides: Mapping[str, str] | None = None,
        api_versions: Mapping[str, str] | None = None,
    ) -> None:
        self.authenticator = authenticator
        self.region = region
        self.interface = interface
        self.retry = retry or RetryPolicy()
        self.endpoint_overrides = dict(endpoint_overrides or {})
        self.api_versions = dict(api_versions or {})
        self._endpoints: dict[str, str] = {}
        self._microversions: dict[str, Microversion] = {}
        self._lock = threading.Lock()

    # -- endpoints -------------------------------------------------------------------------

    def endpoint(self, service_type: str) -> Call[str]:
        """The versioned base URL of a service (no trailing slash); raises EndpointNotFound."""
        known = self._endpoints.get(service_type)
        if known is not None:
            return known
        override = self.endpoint_overrides.get(service_type) or self.endpoint_overrides.get(
            service_type.replace("-", "_")
        )
        if override is not None:
            url = override.rstrip("/")
        else:
            state = yield from self.authenticator.state()
            url = state.catalog.url(service_type, self.interface, self.region).rstrip("/")
        url = yield from self._versioned(service_type, url)
        with self._lock:
            self._endpoints[service_type] = url
        return url

    def _versioned(self, service_type: str, url: str) -> Call[str]:
        wanted = API_VERSIONS.get(service_type)
        if wanted is None or wanted.versioned_in_catalog or _VERSIONED.search(url + "/"):
            return url
        response = yield from send(
            Request("GET", url + "/", headers={"Accept": "application/json"}), check=False
        )
        found = _version_link(response, wanted.major) if response.status_code in (200, 300) else None
        return (found or f"{url}/{wanted.suffix}").rstrip("/")

    # -- requests --------------------------------------------------------------------------

    def request(
        self,
        service_type: str,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: Content = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        sink: FileSink | None = None,
        microversion: str | None = None,
        check: bool = True,
    ) -> Call[Response]:
        """``method`` on ``path`` (relative to the service's versioned endpoint, or a whole URL
        such as a ``next`` link) with the token; raises the HttpError of an error answer."""
        url = (
            path
            if path.startswith(("http://", "https://"))
            else (yield from self.endpoint(service_type)) + path
        )
        extra: dict[str, str] = {"Accept": "application/json"}
        if json_body is not None:
            content = json.dumps(json_body).encode()
            extra["Content-Type"] = "application/json"
        if service_type == "compute":
            version = microversion or str((yield from self.compute_microversion()))
            extra["OpenStack-API-Version"] = f"compute {version}"
            extra["X-OpenStack-Nova-API-Version"] = version
        extra.update(headers or {})
        for attempt in (1, 2):
            state = yield from self.authenticator.state()
            request = Request(
                method,
                url,
                headers={**extra, "X-Auth-Token": state.token},
                params=params,
                content=content,
                sink=sink,
            )
            try:
                return (yield from send(request, self.retry, check=check))
            except Unauthorized:
                if attempt == 2:
                    raise
                self.authenticator.invalidate(state.token)
        raise AssertionError("unreachable")

    def json(self, service_type: str, method: str, path: str, **kwargs: Any) -> Call[Any]:
        """The parsed JSON body of a request's answer (None when it has none)."""
        response = yield from self.request(service_type, method, path, **kwargs)
        return response.json()

    # -- compute microversions -------------------------------------------------------------

    def compute_microversion(self) -> Call[Microversion]:
        """The microversion used for compute calls: the configured one, or the newest both this
        SDK and the server support. Raises VersionNotSupported when the ranges do not meet."""
        known = self._microversions.get("compute")
        if known is not None:
            return known
        low, high = yield from self._compute_range()
        asked = self.api_versions.get("compute")
        if asked:
            chosen = Microversion.parse(asked)
            if not low <= chosen <= high:
                raise VersionNotSupported(f"compute {chosen} is outside the server's range {low}-{high}")
        else:
            chosen = min(high, COMPUTE_MAX)
            if chosen < max(low, COMPUTE_MIN):
                raise VersionNotSupported(
                    f"compute: the server offers {low}-{high}, this SDK {COMPUTE_MIN}-{COMPUTE_MAX}"
                )
        with self._lock:
            self._microversions["compute"] = chosen
        return chosen

    def require_compute(self, needed: str, what: str) -> Call[None]:
        """Raise VersionNotSupported unless the negotiated compute microversion is at least
        ``needed`` (``what`` names the feature in the message)."""
        current = yield from self.compute_microversion()
        if current < Microversion.parse(needed):
            raise VersionNotSupported(
                f"{what} needs compute microversion {needed}; this session uses {current}"
            )

    def _compute_range(self) -> Call[tuple[Microversion, Microversion]]:
        base = yield from self.endpoint("compute")
        state = yield from self.authenticator.state()
        response = yield from send(
            Request("GET", base + "/", headers={"Accept": "application/json", "X-Auth-Token": state.token}),
            self.retry,
        )
        doc = (response.json() or {}).get("version") or {}
        if not doc.get("version"):
            return COMPUTE_MIN, COMPUTE_MIN
        return Microversion.parse(doc.get("min_version") or "2.1"), Microversion.parse(doc["version"])


def _version_link(response: Response, major: str) -> str | None:
    try:
        doc = response.json()
    except ValueError:
        return None
    versions = doc.get("versions") if isinstance(doc, dict) else None
    if isinstance(versions, dict):
        versions = versions.get("values")
    if not isinstance(versions, list):
        return None
    ranked = sorted(
        (v for v in versions if isinstance(v, dict) and str(v.get("id", "")).startswith(major)),
        key=lambda v: (v.get("status") in ("CURRENT", "stable"), str(v.get("id"))),
        reverse=True,
    )
    for version in ranked:
        for link in version.get("links", []):
            if link.get("rel") == "self" and link.get("href"):
                return str(link["href"])
    return None


__all__ = ["API_VERSIONS", "COMPUTE_MAX", "Microversion", "Session"]
