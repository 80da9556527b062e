"""Reading single settings of a cloud entry: key and service-type spellings, booleans, TLS
verification and client certificate, region and timeout."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pocketstack.sdk.exceptions import ConfigError


def service_type_key(name: str) -> str:
    """A service type as the catalog spells it: ``object_store`` gives ``object-store``."""
    return name.strip().lower().replace("_", "-")


def setting_key(name: Any) -> str:
    """A setting's name as ``clouds.yaml`` keys spell it: ``region-name`` gives ``region_name``."""
    return str(name).strip().replace("-", "_")


def parse_bool(value: Any, what: str) -> bool:
    """``value`` as a boolean (``yes``/``no``, ``1``/``0``, ...); raises ConfigError naming ``what``."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{what} should be true or false, not {value!r}")


def verify_setting(entry: Mapping[str, Any], label: str) -> bool | str:
    """Whether to verify TLS, or the CA bundle to verify with (``verify``, ``insecure``, ``cacert``)."""
    verify: bool | str = True
    raw = entry.get("verify")
    if isinstance(raw, str) and raw.strip().lower() not in {
        "1",
        "true",
        "yes",
        "on",
        "0",
        "false",
        "no",
        "off",
    }:
        verify = raw  # a CA bundle
    elif raw is not None:
        verify = parse_bool(raw, f"{label}: verify")
    if entry.get("insecure") is not None and parse_bool(entry["insecure"], f"{label}: insecure"):
        return False
    if verify is True and entry.get("cacert"):
        return str(entry["cacert"])
    return verify


def cert_setting(entry: Mapping[str, Any]) -> str | tuple[str, str] | None:
    """The client certificate: one file, or a (certificate, key) pair (``cert``, ``key``)."""
    cert = entry.get("cert")
    key = entry.get("key")
    if isinstance(cert, list | tuple) and len(cert) == 2:
        return (str(cert[0]), str(cert[1]))
    if cert and key:
        return (str(cert), str(key))
    return str(cert) if cert else None


def region_setting(entry: Mapping[str, Any]) -> str | None:
    """``region_name``, else the first of ``regions`` (a name or a mapping with one)."""
    if entry.get("region_name"):
        return str(entry["region_name"])
    regions = entry.get("regions")
    if isinstance(regions, list) and regions:
        first = regions[0]
        if isinstance(first, Mapping):
            return str(first["name"]) if first.get("name") else None
        return str(first)
    return None


def timeout_setting(entry: Mapping[str, Any], label: str) -> float | None:
    """``api_timeout`` (else ``timeout``) in seconds; raises ConfigError for a non-number."""
    raw = entry.get("api_timeout", entry.get("timeout"))
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{label}: timeout should be a number of seconds, not {raw!r}") from None
