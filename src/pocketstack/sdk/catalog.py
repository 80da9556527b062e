"""The service catalog of a Keystone v3 token: which URL serves each service type, by
interface and region, and the accepted spellings of an interface."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pocketstack.sdk.exceptions import ConfigError, EndpointNotFound

INTERFACES: Mapping[str, str] = {
    "public": "public",
    "publicurl": "public",
    "internal": "internal",
    "internalurl": "internal",
    "admin": "admin",
    "adminurl": "admin",
}
"""Accepted spellings of an endpoint interface (the v2 ``publicURL`` style too)."""


def canonical_interface(interface: str) -> str:
    """``"public"``, ``"internal"`` or ``"admin"`` for any accepted spelling.

    Raises ConfigError for anything else."""
    try:
        return INTERFACES[interface.strip().lower()]
    except KeyError:
        raise ConfigError(f"unknown interface {interface!r} (use public, internal or admin)") from None


@dataclass(frozen=True)
class Endpoint:
    """One catalog endpoint; ``region`` is the region id (or name, for old catalogs)."""

    service_type: str
    interface: str
    region: str | None
    url: str


class Catalog:
    """The service catalog of a token: where each service type is, by interface and region."""

    def __init__(self, entries: Sequence[Mapping[str, Any]] | None = None) -> None:
        """``entries`` is the token body's ``catalog`` list. Malformed entries are skipped."""
        endpoints: list[Endpoint] = []
        for service in entries or ():
            if not isinstance(service, Mapping):
                continue
            service_type = service.get("type")
            if not isinstance(service_type, str):
                continue
            for ep in service.get("endpoints") or ():
                if not isinstance(ep, Mapping) or not isinstance(ep.get("url"), str):
                    continue
                region = ep.get("region_id") or ep.get("region")
                interface = str(ep.get("interface") or "public")
                endpoints.append(
                    Endpoint(
                        service_type=service_type,
                        interface=INTERFACES.get(interface.lower(), interface),
                        region=str(region) if region is not None else None,
                        url=ep["url"],
                    )
                )
        self._endpoints: tuple[Endpoint, ...] = tuple(endpoints)

    def __repr__(self) -> str:
        return f"Catalog({self.service_types()!r})"

    def __len__(self) -> int:
        return len(self._endpoints)

    def endpoints(self, service_type: str | None = None) -> list[Endpoint]:
        """Every endpoint, or those of one service type, in catalog order."""
        return [e for e in self._endpoints if service_type is None or e.service_type == service_type]

    def service_types(self) -> list[str]:
        """The service types in the catalog, in catalog order, each once."""
        return list(dict.fromkeys(e.service_type for e in self._endpoints))

    def regions(self) -> list[str]:
        """The regions named by the catalog's endpoints, each once."""
        return list(dict.fromkeys(e.region for e in self._endpoints if e.region is not None))

    def url(self, service_type: str, interface: str = "public", region: str | None = None) -> str:
        """The URL (without a trailing ``/``) of ``service_type`` at ``interface`` in ``region``;
        with no region, the first such endpoint in the catalog. ``interface`` may also be spelled
        ``publicURL``, ``internalURL`` or ``adminURL``.

        Raises EndpointNotFound, naming what was asked and what the catalog has; ConfigError for
        an unknown interface."""
        wanted = canonical_interface(interface)
        of_type = self.endpoints(service_type)
        for e in of_type:
            if e.interface == wanted and (region is None or e.region == region):
                return e.url.rstrip("/")
        where = f" in region {region!r}" if region is not None else ""
        if of_type:
            have = ", ".join(sorted({f"{e.interface} in {e.region or 'no region'}" for e in of_type}))
            detail = f"it has {service_type!r} endpoints for: {have}"
        else:
            detail = f"service types in the catalog: {', '.join(self.service_types()) or 'none'}"
        raise EndpointNotFound(f"no {wanted} endpoint for service type {service_type!r}{where}; {detail}")
