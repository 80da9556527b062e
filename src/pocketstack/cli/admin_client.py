"""The Operator API's client for ``pocketstack admin``: credentials from a clouds.yaml entry, a
token from Keystone, the ``operator`` endpoint from the token's catalog, calls with httpx."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

DEFAULT_CLOUD = "pocketstack-system"
TIMEOUT = 30.0


class AdminError(Exception):
    """A failure to print as one line on stderr (the command then exits 1)."""


class Unreachable(AdminError):
    """No cloud answers at the auth URL (nothing listens there)."""


@dataclass
class CloudEntry:
    name: str
    path: Path
    auth: dict[str, Any]
    region: str | None
    interface: str

    @property
    def auth_url(self) -> str:
        return str(self.auth.get("auth_url", "")).rstrip("/")


def clouds_file(data_dir: Path | None, default_dir: Path) -> Path:
    """The clouds.yaml to read: the given data dir's, else OS_CLIENT_CONFIG_FILE, else the
    default data dir's."""
    if data_dir is not None:
        return data_dir / "clouds.yaml"
    if os.environ.get("OS_CLIENT_CONFIG_FILE"):
        return Path(os.environ["OS_CLIENT_CONFIG_FILE"])
    return default_dir / "clouds.yaml"


def load_cloud(path: Path, name: str) -> CloudEntry:
    import yaml

    try:
        doc = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise AdminError(f"no clouds.yaml at {path} (has `pocketstack up` run with this data dir?)") from None
    except (OSError, yaml.YAMLError) as exc:
        raise AdminError(f"cannot read {path}: {exc}") from None
    clouds = doc.get("clouds") if isinstance(doc, dict) else None
    entry = clouds.get(name) if isinstance(clouds, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("auth"), dict):
        known = ", ".join(clouds) if isinstance(clouds, dict) else "none"
        raise AdminError(f"no cloud {name!r} in {path} (clouds there: {known})")
    return CloudEntry(name, path, entry["auth"], entry.get("region_name"), entry.get("interface") or "public")


def _auth_body(auth: dict[str, Any]) -> dict[str, Any]:
    if "application_credential_id" in auth:
        identity: dict[str, Any] = {
            "methods": ["application_credential"],
            "application_credential": {
                "id": auth["application_credential_id"],
                "secret": auth.get("application_credential_secret", ""),
            },
        }
        return {"auth": {"identity": identity}}
    if "username" not in auth and "user_id" not in auth:
        raise AdminError("the cloud's auth has no username, user_id or application credential")
    user: dict[str, Any] = {"password": auth.get("password", "")}
    if "user_id" in auth:
        user["id"] = auth["user_id"]
    else:
        user["name"] = auth["username"]
        if "user_domain_id" in auth:
            user["domain"] = {"id": auth["user_domain_id"]}
        else:
            user["domain"] = {"name": auth.get("user_domain_name", "Default")}
    body: dict[str, Any] = {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}}}
    if auth.get("system_scope"):
        body["auth"]["scope"] = {"system": {str(auth["system_scope"]): True}}
    elif "project_id" in auth:
        body["auth"]["scope"] = {"project": {"id": auth["project_id"]}}
    elif "project_name" in auth:
        domain = (
            {"id": auth["project_domain_id"]}
            if "project_domain_id" in auth
            else {"name": auth.get("project_domain_name", "Default")}
        )
        body["auth"]["scope"] = {"project": {"name": auth["project_name"], "domain": domain}}
    return body


def _error_line(resp: httpx.Response) -> str:
    """The API's error envelope as ``detail (status code)``; Keystone's own shape too."""
    try:
        doc = resp.json()
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("errors"), list) and doc["errors"]:
        first = doc["errors"][0]
        detail = first.get("detail") or first.get("title") or resp.reason_phrase
        status = " ".join(str(x) for x in (first.get("status", resp.status_code), first.get("code")) if x)
        return f"{detail} ({status})"
    if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
        err = doc["error"]
        return f"{err.get('message') or err.get('title')} ({resp.status_code} {err.get('title', '')})"
    return f"{resp.text.strip() or resp.reason_phrase} ({resp.status_code})"


class OperatorClient:
    def __init__(self, cloud: CloudEntry, timeout: float = TIMEOUT) -> None:
        self.cloud = cloud
        self.http = httpx.Client(timeout=timeout)
        self.token, self.endpoint = self._login()

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> OperatorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, url, **kwargs)
        except httpx.ConnectError:
            where = self.cloud.auth_url
            raise Unreachable(f"no cloud answers at {where} (is `pocketstack up` running?)") from None
        except httpx.TimeoutException:
            raise AdminError(f"the cloud at {self.cloud.auth_url} did not answer in {TIMEOUT:g} s") from None
        except httpx.HTTPError as exc:
            raise AdminError(f"cannot reach {url}: {exc}") from None

    def _login(self) -> tuple[str, str]:
        base = self.cloud.auth_url
        if not base:
            raise AdminError(f"cloud {self.cloud.name!r} in {self.cloud.path} has no auth_url")
        url = f"{base}/auth/tokens" if base.endswith("/v3") else f"{base}/v3/auth/tokens"
        resp = self._send("POST", url, json=_auth_body(self.cloud.auth))
        if resp.status_code != 201:
            raise AdminError(f"cannot log in as cloud {self.cloud.name!r}: {_error_line(resp)}")
        catalog = resp.json().get("token", {}).get("catalog") or []
        for service in catalog:
            if service.get("type") != "operator":
                continue
            for ep in service.get("endpoints", []):
                region_ok = self.cloud.region is None or ep.get("region") in (None, self.cloud.region)
                if ep.get("interface") == self.cloud.interface and region_ok:
                    return resp.headers["X-Subject-Token"], ep["url"].rstrip("/")
        raise AdminError(
            f"the token of cloud {self.cloud.name!r} has no {self.cloud.interface} `operator` endpoint "
            "in its catalog"
        )

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any] | None:
        """Call ``path`` (under the endpoint, or an absolute URL); the JSON answer, None for 204."""
        url = path if path.startswith(("http://", "https://")) else self.endpoint + path
        headers = {"X-Auth-Token": self.token, "Accept": "application/json"}
        resp = self._send(method, url, headers=headers, **kwargs)
        if resp.status_code >= 400:
            raise AdminError(_error_line(resp))
        if resp.status_code == 204 or not resp.content:
            return None
        return resp.json()

    def pages(self, path: str, key: str, params: list[tuple[str, str]] | None = None) -> Iterator[dict]:
        """Every item of a listing, following its ``next`` links."""
        doc = self.request("GET", path, params=params or [])
        while doc is not None:
            yield from doc.get(key, [])
            nxt = doc.get("_links", {}).get("next", {}).get("href")
            doc = self.request("GET", nxt) if nxt else None


def without_links(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_links(v) for k, v in value.items() if k != "_links"}
    if isinstance(value, list):
        return [without_links(v) for v in value]
    return value
