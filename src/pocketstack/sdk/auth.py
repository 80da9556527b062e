"""Keystone v3 authentication as plans: a token for a password, a token or an application
credential, its catalog, and a cache that renews the token before it runs out.

Nothing here does I/O; :meth:`Authenticator.authenticate` and :meth:`Authenticator.state` are
plans (see :mod:`pocketstack.sdk.plan`) run by a sync or an async runner.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pocketstack.sdk.auth_state import AuthState, auth_state, parse_time
from pocketstack.sdk.catalog import INTERFACES, Catalog, Endpoint, canonical_interface
from pocketstack.sdk.exceptions import ConfigError, SDKError
from pocketstack.sdk.plan import Call, Request
from pocketstack.sdk.transport import RetryPolicy, send

PASSWORD = "password"
TOKEN = "token"
APPLICATION_CREDENTIAL = "v3applicationcredential"

AUTH_TYPES: Mapping[str, str] = {
    "password": PASSWORD,
    "v3password": PASSWORD,
    "token": TOKEN,
    "v3token": TOKEN,
    "v3applicationcredential": APPLICATION_CREDENTIAL,
    "applicationcredential": APPLICATION_CREDENTIAL,
    "application_credential": APPLICATION_CREDENTIAL,
}
"""Accepted spellings of an auth type, and the canonical name of each."""


def canonical_auth_type(auth_type: str) -> str:
    """``"password"``, ``"token"`` or ``"v3applicationcredential"`` for any accepted spelling.

    Raises ConfigError for an auth type this SDK does not support."""
    try:
        return AUTH_TYPES[auth_type.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(AUTH_TYPES))
        raise ConfigError(f"unsupported auth_type {auth_type!r} (supported: {known})") from None


def normalise_auth_url(auth_url: str) -> str:
    """The identity v3 root for ``auth_url``: ``.../identity``, ``.../identity/v3`` and
    ``.../v3/`` all give ``.../identity/v3`` (a ``/v2.0`` ending is replaced).

    Raises ConfigError for an empty or non-HTTP URL."""
    url = auth_url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"auth_url {auth_url!r} is not an http(s) URL")
    if url.endswith("/v2.0"):
        url = url[: -len("/v2.0")]
    if not url.endswith("/v3"):
        url += "/v3"
    return url


def _present(auth: Mapping[str, Any], key: str) -> bool:
    value = auth.get(key)
    return value is not None and value != ""


def infer_auth_type(auth: Mapping[str, Any]) -> str:
    """The auth type the fields of ``auth`` imply: an application credential's id or name makes
    ``v3applicationcredential``; a token without a password makes ``token``; else ``password``."""
    if _present(auth, "application_credential_id") or _present(auth, "application_credential_name"):
        return APPLICATION_CREDENTIAL
    if _present(auth, "token") and not _present(auth, "password"):
        return TOKEN
    return PASSWORD


AUTH_ALIASES: Mapping[str, str] = {
    "user_name": "username",
    "tenant_name": "project_name",
    "tenant_id": "project_id",
    "tenant_domain_name": "project_domain_name",
    "tenant_domain_id": "project_domain_id",
}
"""Old or alternative names of auth fields, and the names used here."""


def normalise_auth(auth: Mapping[str, Any]) -> dict[str, Any]:
    """``auth`` with empty values dropped, old names (``tenant_*``, ``user_name``) renamed, a
    ``domain_*`` given with a project taken as the user's and project's domain instead of a
    scope, and the ``Default`` domain assumed for a user or project named without one."""
    given = {key: value for key, value in auth.items() if value is not None and value != ""}
    out = {key: value for key, value in given.items() if key not in AUTH_ALIASES}
    for alias, key in AUTH_ALIASES.items():
        if alias in given:
            out.setdefault(key, given[alias])
    if "project_id" in out or "project_name" in out:
        for suffix in ("id", "name"):
            value = out.pop(f"domain_{suffix}", None)
            if value is None:
                continue
            if "user_domain_id" not in out and "user_domain_name" not in out:
                out[f"user_domain_{suffix}"] = value
            if "project_domain_id" not in out and "project_domain_name" not in out:
                out[f"project_domain_{suffix}"] = value
    named_user = "username" in out and "user_id" not in out
    if named_user and "user_domain_id" not in out and "user_domain_name" not in out:
        out["user_domain_name"] = "Default"
    named_project = "project_name" in out and "project_id" not in out
    if named_project and "project_domain_id" not in out and "project_domain_name" not in out:
        out["project_domain_name"] = "Default"
    return out


def _domain(auth: Mapping[str, Any], prefix: str) -> dict[str, str]:
    if _present(auth, f"{prefix}_id"):
        return {"id": str(auth[f"{prefix}_id"])}
    return {"name": str(auth.get(f"{prefix}_name") or "Default")}


def _user(auth: Mapping[str, Any], what: str) -> dict[str, Any]:
    if _present(auth, "user_id"):
        return {"id": str(auth["user_id"])}
    if _present(auth, "username"):
        return {"name": str(auth["username"]), "domain": _domain(auth, "user_domain")}
    raise ConfigError(f"{what} needs a username or a user_id")


def _identity(auth_type: str, auth: Mapping[str, Any]) -> dict[str, Any]:
    if auth_type == PASSWORD:
        if not _present(auth, "password"):
            raise ConfigError("password auth needs a password")
        user = _user(auth, "password auth")
        user["password"] = str(auth["password"])
        return {"methods": ["password"], "password": {"user": user}}
    if auth_type == TOKEN:
        if not _present(auth, "token"):
            raise ConfigError("token auth needs a token")
        return {"methods": ["token"], "token": {"id": str(auth["token"])}}
    if not _present(auth, "application_credential_secret"):
        raise ConfigError("application credential auth needs application_credential_secret")
    cred: dict[str, Any]
    if _present(auth, "application_credential_id"):
        cred = {"id": str(auth["application_credential_id"])}
    elif _present(auth, "application_credential_name"):
        user = _user(auth, "an application credential given by name")
        cred = {"name": str(auth["application_credential_name"]), "user": user}
    else:
        raise ConfigError("application credential auth needs application_credential_id or _name")
    cred["secret"] = str(auth["application_credential_secret"])
    return {"methods": ["application_credential"], "application_credential": cred}


def _scope(auth: Mapping[str, Any]) -> dict[str, Any] | None:
    scopes: list[dict[str, Any]] = []
    if _present(auth, "project_id"):
        scopes.append({"project": {"id": str(auth["project_id"])}})
    elif _present(auth, "project_name"):
        project = {"name": str(auth["project_name"]), "domain": _domain(auth, "project_domain")}
        scopes.append({"project": project})
    if _present(auth, "domain_id"):
        scopes.append({"domain": {"id": str(auth["domain_id"])}})
    elif _present(auth, "domain_name"):
        scopes.append({"domain": {"name": str(auth["domain_name"])}})
    if _present(auth, "system_scope"):
        if str(auth["system_scope"]).lower() != "all":
            raise ConfigError(f"system_scope must be 'all', not {auth['system_scope']!r}")
        scopes.append({"system": {"all": True}})
    if len(scopes) > 1:
        kinds = " and ".join(next(iter(s)) for s in scopes)
        raise ConfigError(f"auth asks for more than one scope ({kinds}); give only one")
    return scopes[0] if scopes else None


class Authenticator:
    """Gets and keeps a Keystone v3 token for one set of credentials.

    ``auth`` holds the credential and scope fields (``username``/``user_id``, ``password``,
    ``token``, ``application_credential_*``, ``project_*``, ``domain_*``, ``system_scope``,
    ``user_domain_*``); ``auth_url`` may name the identity root or its ``/v3``."""

    def __init__(
        self,
        auth_url: str,
        *,
        auth_type: str,
        auth: Mapping[str, Any],
        retry: RetryPolicy | None = None,
    ) -> None:
        """Raises ConfigError for an unusable URL, an unsupported auth type, or missing
        credentials (never quoting a secret)."""
        self._auth_url = normalise_auth_url(auth_url)
        self._auth_type = canonical_auth_type(auth_type)
        self._auth = normalise_auth(auth)
        self._retry = retry if retry is not None else RetryPolicy()
        self._state: AuthState | None = None
        self._lock = threading.Lock()
        self._body()  # fail now, not at the first request

    def __repr__(self) -> str:
        return f"Authenticator({self._auth_url!r}, auth_type={self._auth_type!r})"

    @property
    def auth_url(self) -> str:
        """The identity v3 root, e.g. ``https://cloud.example/identity/v3``."""
        return self._auth_url

    @property
    def auth_type(self) -> str:
        """``"password"``, ``"token"`` or ``"v3applicationcredential"``."""
        return self._auth_type

    @property
    def cached(self) -> AuthState | None:
        """The AuthState held now, fresh or not (no I/O)."""
        return self._state

    def adopt(self, state: AuthState) -> None:
        """Hold ``state`` as the current token (e.g. one obtained elsewhere)."""
        self._state = state

    def _body(self) -> dict[str, Any]:
        auth: dict[str, Any] = {"identity": _identity(self._auth_type, self._auth)}
        if self._auth_type != APPLICATION_CREDENTIAL:  # it carries its own scope
            scope = _scope(self._auth)
            if scope is not None:
                auth["scope"] = scope
        return {"auth": auth}

    def authenticate(self) -> Call[AuthState]:
        """Get a new token (a plan) and hold it as the current state.

        Raises Unauthorized (401: wrong credentials, or an expired token for token auth) and
        the other HttpErrors of the identity service, ConnectionFailure, and SDKError for an
        answer that is not a token. No message quotes a password, secret or token."""
        request = Request(
            "POST",
            f"{self._auth_url}/auth/tokens",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            content=json.dumps(self._body()).encode(),
        )
        response = yield from send(request, self._retry)
        token = response.header("x-subject-token")
        if not token:
            raise SDKError(f"the identity service at {self._auth_url} answered without X-Subject-Token")
        try:
            body = response.json()
        except ValueError:
            raise SDKError(
                f"the identity service at {self._auth_url} answered with a non-JSON body"
            ) from None
        state = auth_state(token, body if isinstance(body, dict) else {})
        if state.issued_at is None:
            state = replace(state, issued_at=datetime.now(UTC))
        self._state = state
        return state

    def state(self, margin: float = 60.0) -> Call[AuthState]:
        """The current AuthState (a plan), authenticating first when there is none, it was
        invalidated, or it expires within ``margin`` seconds. A token whose whole lifetime is
        shorter than ``2 * margin`` is renewed once less than a quarter of it remains instead.

        Raises what :meth:`authenticate` raises."""
        state = self._state
        if state is not None and self.fresh(state, margin):
            return state
        return (yield from self.authenticate())

    @staticmethod
    def fresh(state: AuthState, margin: float = 60.0, now: datetime | None = None) -> bool:
        """Whether ``state`` is still good enough to use (see :meth:`state`)."""
        left = state.seconds_left(now)
        lifetime = state.lifetime()
        if lifetime is not None and lifetime < 2 * margin:
            return left > lifetime / 4
        return left > margin

    def invalidate(self, token: str | None = None) -> None:
        """Forget the current token, so the next :meth:`state` authenticates again; with
        ``token``, only if the current state still holds that token."""
        with self._lock:
            state = self._state
            if token is None or (state is not None and state.token == token):
                self._state = None


__all__ = [
    "APPLICATION_CREDENTIAL",
    "AUTH_ALIASES",
    "AUTH_TYPES",
    "INTERFACES",
    "PASSWORD",
    "TOKEN",
    "AuthState",
    "Authenticator",
    "Catalog",
    "Endpoint",
    "auth_state",
    "canonical_auth_type",
    "canonical_interface",
    "infer_auth_type",
    "normalise_auth",
    "normalise_auth_url",
    "parse_time",
]
