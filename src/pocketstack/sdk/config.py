"""Which cloud to talk to, found where the OpenStack tools look: ``clouds.yaml`` (with secrets
from ``secure.yaml``), the ``OS_*`` environment variables, and explicit arguments.

:func:`load` picks the cloud: the ``cloud`` argument, else ``OS_CLOUD``, else the environment
alone when ``OS_AUTH_URL`` is set (the cloud is then called ``envvars``), else the arguments
alone when they include an ``auth_url``, else the only cloud of ``clouds.yaml``. Explicit
arguments win over everything.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pocketstack.sdk.auth import (
    AUTH_ALIASES,
    Authenticator,
    canonical_auth_type,
    canonical_interface,
    infer_auth_type,
    normalise_auth,
)
from pocketstack.sdk.config_sources import (
    config_file_candidates,
    env_entry,
    read_clouds,
    secure_file_candidates,
)
from pocketstack.sdk.config_values import (
    cert_setting,
    region_setting,
    service_type_key,
    setting_key,
    timeout_setting,
    verify_setting,
)
from pocketstack.sdk.exceptions import ConfigError
from pocketstack.sdk.transport import RetryPolicy

AUTH_KEYS = frozenset(
    {
        "auth_url",
        "username",
        "user_id",
        "password",
        "user_domain_name",
        "user_domain_id",
        "project_name",
        "project_id",
        "project_domain_name",
        "project_domain_id",
        "domain_name",
        "domain_id",
        "system_scope",
        "token",
        "application_credential_id",
        "application_credential_name",
        "application_credential_secret",
    }
)
"""The fields of ``auth``."""

SECRET_KEYS = frozenset({"password", "token", "application_credential_secret"})

_SETTINGS = frozenset(
    {
        "auth_type",
        "region_name",
        "interface",
        "verify",
        "insecure",
        "cacert",
        "cert",
        "key",
        "timeout",
        "api_timeout",
    }
)
_API_VERSION = re.compile(r"(?P<service>[a-z0-9_]+)_api_version")
_ENDPOINT_OVERRIDE = re.compile(r"(?P<service>[a-z0-9_]+)_endpoint_override")

ENV_CLOUD = "envvars"
"""The name of the cloud made of ``OS_*`` variables."""


@dataclass(frozen=True, repr=False)
class CloudConfig:
    """One cloud: how to authenticate and which endpoints to use.

    ``api_versions`` and ``endpoint_overrides`` are keyed by service type (``compute``,
    ``object-store``); :meth:`api_version` and :meth:`endpoint_override` also take the
    underscore spelling used in ``clouds.yaml`` keys."""

    name: str | None
    auth_type: str
    auth: dict[str, Any]
    region_name: str | None = None
    interface: str = "public"
    verify: bool | str = True
    cert: str | tuple[str, str] | None = None
    api_versions: dict[str, str] = field(default_factory=dict)
    endpoint_overrides: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None

    def __repr__(self) -> str:
        auth = {k: ("***" if k in SECRET_KEYS else v) for k, v in self.auth.items()}
        return (
            f"CloudConfig(name={self.name!r}, auth_type={self.auth_type!r}, auth={auth!r}, "
            f"region_name={self.region_name!r}, interface={self.interface!r}, verify={self.verify!r}, "
            f"cert={self.cert!r}, api_versions={self.api_versions!r}, "
            f"endpoint_overrides={self.endpoint_overrides!r}, timeout={self.timeout!r})"
        )

    @property
    def auth_url(self) -> str:
        """The configured identity URL, as given."""
        return str(self.auth["auth_url"])

    def api_version(self, service_type: str) -> str | None:
        """The API (micro)version asked for ``service_type``, if any."""
        return self.api_versions.get(service_type_key(service_type))

    def endpoint_override(self, service_type: str) -> str | None:
        """The endpoint URL to use for ``service_type`` instead of the catalog's, if any."""
        return self.endpoint_overrides.get(service_type_key(service_type))

    def authenticator(self, retry: RetryPolicy | None = None) -> Authenticator:
        """An Authenticator for this cloud's credentials.

        Raises ConfigError when the credentials are incomplete."""
        return Authenticator(self.auth_url, auth_type=self.auth_type, auth=self.auth, retry=retry)


def _build(name: str | None, entry: Mapping[str, Any], source: str) -> CloudConfig:
    label = f"cloud {name!r} ({source})" if name else f"cloud configuration ({source})"
    flat = {setting_key(k): v for k, v in entry.items()}
    raw_auth = flat.get("auth") or {}
    if not isinstance(raw_auth, Mapping):
        raise ConfigError(f"{label}: 'auth' should be a mapping")
    auth = {setting_key(k): v for k, v in raw_auth.items()}
    for key, value in flat.items():
        if key in AUTH_KEYS or key in AUTH_ALIASES:
            auth.setdefault(key, value)
    auth = {
        k: (str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v) for k, v in auth.items()
    }
    auth = normalise_auth(auth)
    if not auth.get("auth_url"):
        raise ConfigError(f"{label}: no auth_url")
    auth_type = (
        canonical_auth_type(str(flat["auth_type"])) if flat.get("auth_type") else infer_auth_type(auth)
    )
    api_versions: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for key, value in flat.items():
        if value is None or value == "":
            continue
        if match := _API_VERSION.fullmatch(key):
            api_versions[service_type_key(match["service"])] = str(value)
        elif match := _ENDPOINT_OVERRIDE.fullmatch(key):
            overrides[service_type_key(match["service"])] = str(value)
    config = CloudConfig(
        name=name,
        auth_type=auth_type,
        auth=auth,
        region_name=region_setting(flat),
        interface=canonical_interface(str(flat.get("interface") or "public")),
        verify=verify_setting(flat, label),
        cert=cert_setting(flat),
        api_versions=api_versions,
        endpoint_overrides=overrides,
        timeout=timeout_setting(flat, label),
    )
    try:
        config.authenticator()
    except ConfigError as exc:
        raise ConfigError(f"{label}: {exc}") from None
    return config


def _check_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    given = {setting_key(k): v for k, v in overrides.items() if v is not None}
    for key in given:
        known = key in AUTH_KEYS or key in AUTH_ALIASES or key in _SETTINGS
        if not known and not _API_VERSION.fullmatch(key) and not _ENDPOINT_OVERRIDE.fullmatch(key):
            raise ConfigError(f"unknown cloud setting {key!r}")
    return given


def _apply(entry: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    out = {setting_key(k): v for k, v in entry.items()}
    auth = {setting_key(k): v for k, v in (out.get("auth") or {}).items()}
    for key in AUTH_KEYS | AUTH_ALIASES.keys():  # top-level auth fields move into auth
        if key in out:
            auth.setdefault(key, out.pop(key))
    for key, value in overrides.items():
        if key in AUTH_KEYS or key in AUTH_ALIASES:
            canonical = AUTH_ALIASES.get(key, key)
            for alias, target in AUTH_ALIASES.items():
                if target == canonical:
                    auth.pop(alias, None)
            auth[canonical] = value
        elif key == "verify":
            out.pop("insecure", None)
            out["verify"] = value
            if isinstance(value, str) and value.strip().lower() not in {"true", "false", "1", "0"}:
                out["cacert"] = value
        elif key == "cert" and isinstance(value, tuple | list):
            out.pop("key", None)
            out["cert"] = value
        elif key == "region_name":
            out.pop("regions", None)
            out["region_name"] = value
        elif key in {"timeout", "api_timeout"}:
            out.pop("timeout", None)
            out["api_timeout"] = value
        else:
            out[key] = value
    out["auth"] = auth
    return out


def load(
    cloud: str | None = None,
    *,
    config_files: list[Path] | None = None,
    env: Mapping[str, str] | None = None,
    secure_files: list[Path] | None = None,
    **overrides: Any,
) -> CloudConfig:
    """The configuration of one cloud.

    ``config_files`` replaces the ``clouds.yaml`` search list (:func:`config_file_candidates`);
    the first that exists is read. ``secure_files`` replaces the ``secure.yaml`` search list
    (by default ``secure.yaml`` beside each given config file, else
    :func:`secure_file_candidates`); the first that exists is merged into the clouds. ``env``
    stands for ``os.environ``. ``overrides`` are settings that win over everything: auth
    fields (``auth_url``, ``username`` or ``user_name``, ``password``, ``project_name``, ...),
    ``region_name``, ``interface``, ``verify``, ``cert``, ``auth_type``, ``timeout``,
    ``<service>_api_version`` and ``<service>_endpoint_override``; None values are ignored.

    Raises ConfigError when no cloud can be chosen (naming the files searched), the named
    cloud is not configured (listing those that are), a file is unreadable, a setting is
    unknown or invalid, or the credentials are incomplete. No message quotes a secret."""
    env = os.environ if env is None else env
    given = _check_overrides(overrides)
    clouds, found, secure, searched = read_clouds(env, config_files, secure_files)
    where = str(found) if found is not None else "no clouds.yaml found"
    looked = ", ".join(str(p) for p in searched) or "nowhere"

    name = cloud or env.get("OS_CLOUD") or None
    entry: Mapping[str, Any]
    if name is not None:
        if name in clouds:
            entry, source = clouds[name], str(found or secure)
        elif name == ENV_CLOUD and env.get("OS_AUTH_URL"):
            entry, source = env_entry(env), "OS_* environment variables"
        elif not clouds:
            raise ConfigError(f"cloud {name!r} asked for, but no clouds.yaml was found (looked in: {looked})")
        else:
            names = ", ".join(sorted(clouds))
            raise ConfigError(f"cloud {name!r} is not in {where}; the clouds there are: {names}")
    elif env.get("OS_AUTH_URL"):
        name, entry, source = ENV_CLOUD, env_entry(env), "OS_* environment variables"
    elif given.get("auth_url"):
        entry, source = {}, "arguments"
    elif len(clouds) == 1:
        [(name, entry)] = clouds.items()
        source = str(found or secure)
    elif clouds:
        names = ", ".join(sorted(clouds))
        raise ConfigError(f"{where} has several clouds ({names}); choose one with cloud= or OS_CLOUD")
    else:
        raise ConfigError(
            "no cloud configured: no cloud named, no OS_AUTH_URL, no auth_url argument, "
            f"and no clouds.yaml (looked in: {looked})"
        )
    if given:
        source += " and arguments" if source != "arguments" else ""
    return _build(name, _apply(entry, given), source)


__all__ = [
    "AUTH_KEYS",
    "ENV_CLOUD",
    "SECRET_KEYS",
    "CloudConfig",
    "config_file_candidates",
    "load",
    "secure_file_candidates",
]
