"""Keystone v3 authentication as plans: a token for a password, a token or an application
credential, its catalog, and a cache that renews the token before it runs out.

Nothing here does I/O; :meth:`Authenticator.authenticate` and :meth:`Authenticator.state` are
plans (see :mod:`pocketstack.sdk.plan`) run by a sync or an async runner.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from pocketstack.sdk.exceptions import ConfigError, EndpointNotFound, SDKError
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

INTERFACES: Mapping[str, str] = {
    "public": "public",
    "publicurl": "public",
    "internal": "internal",
    "internalurl": "internal",
    "admin": "admin",
    "adminurl": "admin",
}
"""Accepted spellings of an endpoint interface (the v2 ``publicURL`` style too)."""


def canonical_auth_type(auth_type: str) -> str:
    """``"password"``, ``"token"`` or ``"v3applicationcredential"`` for any accepted spelling.

    Raises ConfigError for an auth type this SDK does not support."""
    try:
        return AUTH_TYPES[auth_type.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(AUTH_TYPES))
        raise ConfigError(f"unsupported auth_type {auth_type!r} (supported: {known})") from None


def canonical_interface(interface: str) -> str:
    """``"public"``, ``"internal"`` or ``"admin"`` for any accepted spelling.

    Raises ConfigError for anything else."""
    try:
        return INTERFACES[interface.strip().lower()]
    except KeyError:
        raise ConfigError(f"unknown interface {interface!r} (use public, internal or admin)") from None


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


@dataclass(frozen=True)
class AuthState:
    """A token and what Keystone said about it. ``issued_at`` (when known) lets
    :meth:`Authenticator.state` tell a short-lived token from one about to expire."""

    token: str = field(repr=False)
    expires_at: datetime
    catalog: Catalog = field(repr=False)
    user_id: str
    project_id: str | None
    domain_id: str | None
    system: bool
    roles: list[str]
    body: dict[str, Any] = field(repr=False)
    issued_at: datetime | None = None

    def seconds_left(self, now: datetime | None = None) -> float:
        """Seconds until the token expires (negative once it has)."""
        return (self.expires_at - (now or datetime.now(UTC))).total_seconds()

    def lifetime(self) -> float | None:
        """The token's whole lifetime in seconds, when its issue time is known."""
        if self.issued_at is None:
            return None
        return (self.expires_at - self.issued_at).total_seconds()


def parse_time(value: Any) -> datetime:
    """An aware UTC datetime for an ISO 8601 time (``Z``, an offset, or none meaning UTC; any
    number of fraction digits).

    Raises SDKError for a value that is not such a time."""
    if not isinstance(value, str) or not value.strip():
        raise SDKError(f"expected an ISO 8601 time, got {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise SDKError(f"expected an ISO 8601 time, got {value!r}") from None
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def auth_state(token: str, body: Mapping[str, Any]) -> AuthState:
    """The AuthState for a token and the body Keystone returned with it (``{"token": ...}``).

    Raises SDKError for a body without a token, user or expiry."""
    data = body.get("token") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping):
        raise SDKError("the identity service answered without a token body")
    user = data.get("user")
    if not isinstance(user, Mapping) or not user.get("id"):
        raise SDKError("the identity service's token body names no user")
    project = data.get("project")
    domain = data.get("domain")
    system = data.get("system")
    issued: datetime | None
    try:
        issued = parse_time(data.get("issued_at")) if data.get("issued_at") else None
    except SDKError:
        issued = None
    catalog = data.get("catalog")
    return AuthState(
        token=token,
        expires_at=parse_time(data.get("expires_at")),
        catalog=Catalog(catalog if isinstance(catalog, list) else None),
        user_id=str(user["id"]),
        project_id=str(project["id"]) if isinstance(project, Mapping) and project.get("id") else None,
        domain_id=str(domain["id"]) if isinstance(domain, Mapping) and domain.get("id") else None,
        system=isinstance(system, Mapping) and bool(system.get("all")),
        roles=[str(r["name"]) for r in data.get("roles") or () if isinstance(r, Mapping) and "name" in r],
        body=dict(body),
        issued_at=issued,
    )


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
