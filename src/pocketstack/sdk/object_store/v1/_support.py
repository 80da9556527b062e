"""What the object storage v1 plans share: small helpers for Swift's names and header values,
and the base of the plans' mixins (one request, one listing paged by ``marker``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pocketstack.sdk.object_store.v1.resources import SERVICE, Container
from pocketstack.sdk.plan import Call, Emit, Listing, Response
from pocketstack.sdk.proxy import ServicePlans
from pocketstack.sdk.resource import value_id

R = TypeVar("R")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _meta_key(key: str, kind: str) -> str:
    prefix = f"x-{kind}-meta-"
    return key[len(prefix) :] if key.lower().startswith(prefix) else key


def _container_name(container: Container | str | None) -> str:
    if container is None:
        raise ValueError("container must be specified")
    return value_id(container)


class ObjectStoreBasePlans(ServicePlans):
    """The base of the object storage plans' mixins: a request to Swift, and a listing."""

    def _request(self, method: str, path: str, **kwargs: Any) -> Call[Response]:
        return self.session.request(SERVICE, method, path, **kwargs)

    def _listing(
        self,
        path: str,
        make: Callable[[dict[str, Any]], R],
        *,
        limit: int | None = None,
        **query: Any,
    ) -> Listing[R]:
        params: dict[str, Any] = {"format": "json"}
        params.update({k: _text(v) for k, v in query.items() if v is not None})
        if limit is not None:
            params["limit"] = limit
        while True:
            response = yield from self._request("GET", path, params=params)
            body = response.json() if response.status_code != 204 else None
            entries = [e for e in body or [] if isinstance(e, dict)]
            for entry in entries:
                yield Emit(make(entry))
            if not entries or (limit is not None and len(entries) < limit):
                return
            marker = entries[-1].get("name") or entries[-1].get("subdir")
            if not marker:
                return
            params = {**params, "marker": marker}
