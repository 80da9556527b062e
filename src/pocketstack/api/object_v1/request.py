"""What an object server handler sees: the request, the resolved caller and path, and the
object core; core calls run in a worker thread (they read files and wait on the database)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request

from pocketstack.api.object_v1.caller import INTERNAL_KEY, Caller
from pocketstack.api.object_v1.limits import RESELLER_PREFIX
from pocketstack.cloud import Cloud
from pocketstack.core.errors import NotFound
from pocketstack.core.objects.model import ContainerInfo
from pocketstack.core.objects.service import ObjectService

T = TypeVar("T")


@dataclass(frozen=True)
class SwiftPath:
    """``/<version>/<account>[/<container>[/<object>]]`` split as Swift splits it: an empty
    container or object segment (a trailing slash) is absent; an object name may hold slashes.
    The routes and every pipeline layer read a path with this one parser."""

    account: str
    container: str | None = None
    obj: str | None = None
    version: str = "v1"

    @property
    def project_id(self) -> str | None:
        if not self.account.startswith(RESELLER_PREFIX) or len(self.account) == len(RESELLER_PREFIX):
            return None
        return self.account[len(RESELLER_PREFIX) :]

    @property
    def account_path(self) -> str:
        return f"/{self.version}/{self.account}"

    @property
    def path(self) -> str:
        parts = [self.account_path, self.container, self.obj]
        return "/".join(p for p in parts if p is not None)

    def object_path(self, container_and_object: str) -> str:
        """``/v1/<account>/<container>/<object>`` for a ``/container/object`` reference."""
        return f"{self.account_path}/{container_and_object.lstrip('/')}"

    @classmethod
    def parse(cls, path: str) -> SwiftPath | None:
        """``path`` below the mount; None when it is not a v1 path."""
        version, _, rest = path.lstrip("/").partition("/")
        if version not in ("v1", "v1.0") or not rest:
            return None
        account, _, rest = rest.partition("/")
        container, _, obj = rest.partition("/")
        if not account:
            return None
        return cls(account, container or None, (obj or None) if container else None, version)


@dataclass
class SwiftRequest:
    request: Request
    cloud: Cloud
    caller: Caller
    path: SwiftPath
    owner: bool = False  # Swift's "swift_owner": may see and set ACLs, keys, quotas
    _containers: dict[tuple[str, str], ContainerInfo | None] = field(default_factory=dict)

    @property
    def headers(self) -> Headers:
        return self.request.headers

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def internal(self) -> bool:
        return bool(self.request.scope.get(INTERNAL_KEY))

    @property
    def objects(self) -> ObjectService:
        return self.cloud.objects

    @property
    def project_id(self) -> str:
        project_id = self.path.project_id
        assert project_id is not None  # the access check refused any other account
        return project_id

    @property
    def container(self) -> str:
        assert self.path.container is not None
        return self.path.container

    @property
    def obj(self) -> str:
        assert self.path.obj is not None
        return self.path.obj

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await run_in_threadpool(fn, *args, **kwargs)

    async def container_info(self, project_id: str, name: str) -> ContainerInfo | None:
        """The container, or None when missing; read once per request."""
        key = (project_id, name)
        if key not in self._containers:
            try:
                self._containers[key] = await self.call(self.objects.container, project_id, name)
            except NotFound:
                self._containers[key] = None
        return self._containers[key]
