"""Connections: one per cloud, exposing each service through a versioned proxy, and the
compound operations. :class:`Connection` runs calls synchronously, :class:`AsyncConnection`
on asyncio with the same names (``await``, ``async for``)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import httpx

from pocketstack.sdk.cloud.plans import CloudPlans
from pocketstack.sdk.config import CloudConfig, load
from pocketstack.sdk.image.v2.proxy import AsyncImageProxy, ImageProxy
from pocketstack.sdk.proxy import AsyncProxy, Proxy, acall, call
from pocketstack.sdk.runner import AsyncRunner, SyncRunner
from pocketstack.sdk.session import Session
from pocketstack.sdk.transport import RetryPolicy

if TYPE_CHECKING:
    from pocketstack.sdk.compute.v2_1.proxy import AsyncComputeProxy, ComputeProxy
    from pocketstack.sdk.compute.vnext.proxy import AsyncComputeVNextProxy, ComputeVNextProxy
    from pocketstack.sdk.identity.v3.proxy import AsyncIdentityProxy, IdentityProxy
    from pocketstack.sdk.network.v2.proxy import AsyncNetworkProxy, NetworkProxy
    from pocketstack.sdk.object_store.v1.proxy import AsyncObjectStoreProxy, ObjectStoreProxy


def make_session(config: CloudConfig, retry: RetryPolicy | None = None) -> Session:
    return Session(
        config.authenticator(retry),
        region=config.region_name,
        interface=config.interface,
        retry=retry,
        endpoint_overrides=config.endpoint_overrides,
        api_versions=config.api_versions,
    )


def _config(cloud: str | None, config: CloudConfig | None, auth_args: dict[str, Any]) -> CloudConfig:
    return config if config is not None else load(cloud, **auth_args)


class Connection(Proxy[CloudPlans]):
    """A cloud, by name from clouds.yaml (``cloud=``), from ``OS_*`` variables, or from explicit
    auth arguments (``auth_url=``, ``username=``, ``password=``, ``project_name=`` ...).
    ``client`` is an httpx.Client to send through (tests pass an in-process one)."""

    def __init__(
        self,
        cloud: str | None = None,
        *,
        config: CloudConfig | None = None,
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        **auth_args: Any,
    ) -> None:
        self.config = _config(cloud, config, auth_args)
        self.session = make_session(self.config, retry)
        runner = SyncRunner(client, **_client_options(self.config)) if client is None else SyncRunner(client)
        super().__init__(CloudPlans(self.session), runner)

    whoami = call(CloudPlans.whoami)
    create_server = call(CloudPlans.create_server)
    create_servers = call(CloudPlans.create_servers)
    attach_floating_ip = call(CloudPlans.attach_floating_ip)
    upload_image = call(CloudPlans.upload_image)
    delete_project_resources = call(CloudPlans.delete_project_resources)

    @property
    def current_project_id(self) -> str | None:
        """The project the token is scoped to (openstacksdk's name)."""
        return self.whoami().project_id

    @property
    def current_user_id(self) -> str:
        return self.whoami().user_id

    def close(self) -> None:
        self._runner.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @cached_property
    def image(self) -> ImageProxy:
        """Image v2 (also ``conn.image.v2``)."""
        return ImageProxy(self._plans.image, self._runner)

    @cached_property
    def compute(self) -> ComputeProxy:
        """Compute v2.1 with microversions (also ``conn.compute.v2_1``)."""
        from pocketstack.sdk.compute.v2_1.proxy import ComputeProxy

        return ComputeProxy(self._plans.compute, self._runner)

    @cached_property
    def compute_vnext(self) -> ComputeVNextProxy:
        """The vNext compute API (seed 001)."""
        from pocketstack.sdk.compute.vnext.proxy import ComputeVNextProxy

        return ComputeVNextProxy(self._plans.compute_vnext, self._runner)

    @cached_property
    def identity(self) -> IdentityProxy:
        """Identity v3 (also ``conn.identity.v3``)."""
        from pocketstack.sdk.identity.v3.proxy import IdentityProxy

        return IdentityProxy(self._plans.identity, self._runner)

    @cached_property
    def network(self) -> NetworkProxy:
        """Network v2.0 (also ``conn.network.v2``)."""
        from pocketstack.sdk.network.v2.proxy import NetworkProxy

        return NetworkProxy(self._plans.network, self._runner)

    @cached_property
    def object_store(self) -> ObjectStoreProxy:
        """Object storage v1 (also ``conn.object_store.v1``)."""
        from pocketstack.sdk.object_store.v1.proxy import ObjectStoreProxy

        return ObjectStoreProxy(self._plans.object_store, self._runner)


class AsyncConnection(AsyncProxy[CloudPlans]):
    """The async twin of :class:`Connection`: ``async with AsyncConnection(cloud=...) as conn``."""

    def __init__(
        self,
        cloud: str | None = None,
        *,
        config: CloudConfig | None = None,
        client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        **auth_args: Any,
    ) -> None:
        self.config = _config(cloud, config, auth_args)
        self.session = make_session(self.config, retry)
        runner = (
            AsyncRunner(client, **_client_options(self.config)) if client is None else AsyncRunner(client)
        )
        super().__init__(CloudPlans(self.session), runner)

    whoami = acall(CloudPlans.whoami)
    create_server = acall(CloudPlans.create_server)
    create_servers = acall(CloudPlans.create_servers)
    attach_floating_ip = acall(CloudPlans.attach_floating_ip)
    upload_image = acall(CloudPlans.upload_image)
    delete_project_resources = acall(CloudPlans.delete_project_resources)

    async def close(self) -> None:
        await self._runner.close()

    async def __aenter__(self) -> AsyncConnection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @cached_property
    def image(self) -> AsyncImageProxy:
        """Image v2 (also ``conn.image.v2``)."""
        return AsyncImageProxy(self._plans.image, self._runner)

    @cached_property
    def compute(self) -> AsyncComputeProxy:
        """Compute v2.1 with microversions (also ``conn.compute.v2_1``)."""
        from pocketstack.sdk.compute.v2_1.proxy import AsyncComputeProxy

        return AsyncComputeProxy(self._plans.compute, self._runner)

    @cached_property
    def compute_vnext(self) -> AsyncComputeVNextProxy:
        """The vNext compute API (seed 001)."""
        from pocketstack.sdk.compute.vnext.proxy import AsyncComputeVNextProxy

        return AsyncComputeVNextProxy(self._plans.compute_vnext, self._runner)

    @cached_property
    def identity(self) -> AsyncIdentityProxy:
        """Identity v3 (also ``conn.identity.v3``)."""
        from pocketstack.sdk.identity.v3.proxy import AsyncIdentityProxy

        return AsyncIdentityProxy(self._plans.identity, self._runner)

    @cached_property
    def network(self) -> AsyncNetworkProxy:
        """Network v2.0 (also ``conn.network.v2``)."""
        from pocketstack.sdk.network.v2.proxy import AsyncNetworkProxy

        return AsyncNetworkProxy(self._plans.network, self._runner)

    @cached_property
    def object_store(self) -> AsyncObjectStoreProxy:
        """Object storage v1 (also ``conn.object_store.v1``)."""
        from pocketstack.sdk.object_store.v1.proxy import AsyncObjectStoreProxy

        return AsyncObjectStoreProxy(self._plans.object_store, self._runner)


def _client_options(config: CloudConfig) -> dict[str, Any]:
    options: dict[str, Any] = {"verify": config.verify, "cert": config.cert}
    if config.timeout is not None:
        options["timeout"] = config.timeout
    return options


def connect(cloud: str | None = None, **kwargs: Any) -> Connection:
    """A :class:`Connection` (openstacksdk's ``openstack.connect``)."""
    return Connection(cloud, **kwargs)
