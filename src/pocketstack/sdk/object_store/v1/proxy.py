"""Object storage v1 proxies (sync and async) over :class:`ObjectStorePlans`."""

from __future__ import annotations

from pocketstack.sdk.object_store.v1.plans import ObjectStorePlans
from pocketstack.sdk.proxy import AsyncProxy, Proxy, acall, alisting, call, listing


class ObjectStoreProxy(Proxy[ObjectStorePlans]):
    get_account_metadata = call(ObjectStorePlans.get_account_metadata)
    set_account_metadata = call(ObjectStorePlans.set_account_metadata)
    delete_account_metadata = call(ObjectStorePlans.delete_account_metadata)
    containers = listing(ObjectStorePlans.containers)
    get_container_metadata = call(ObjectStorePlans.get_container_metadata)
    create_container = call(ObjectStorePlans.create_container)
    ensure_container = call(ObjectStorePlans.ensure_container)
    set_container_metadata = call(ObjectStorePlans.set_container_metadata)
    delete_container_metadata = call(ObjectStorePlans.delete_container_metadata)
    delete_container = call(ObjectStorePlans.delete_container)
    objects = listing(ObjectStorePlans.objects)
    get_object = call(ObjectStorePlans.get_object)
    get_object_metadata = call(ObjectStorePlans.get_object_metadata)
    download_object = call(ObjectStorePlans.download_object)
    create_object = call(ObjectStorePlans.create_object)
    set_object_metadata = call(ObjectStorePlans.set_object_metadata)
    delete_object_metadata = call(ObjectStorePlans.delete_object_metadata)
    delete_object = call(ObjectStorePlans.delete_object)
    upload_directory = call(ObjectStorePlans.upload_directory)
    download_directory = call(ObjectStorePlans.download_directory)

    @property
    def v1(self) -> ObjectStoreProxy:
        return self


class AsyncObjectStoreProxy(AsyncProxy[ObjectStorePlans]):
    get_account_metadata = acall(ObjectStorePlans.get_account_metadata)
    set_account_metadata = acall(ObjectStorePlans.set_account_metadata)
    delete_account_metadata = acall(ObjectStorePlans.delete_account_metadata)
    containers = alisting(ObjectStorePlans.containers)
    get_container_metadata = acall(ObjectStorePlans.get_container_metadata)
    create_container = acall(ObjectStorePlans.create_container)
    ensure_container = acall(ObjectStorePlans.ensure_container)
    set_container_metadata = acall(ObjectStorePlans.set_container_metadata)
    delete_container_metadata = acall(ObjectStorePlans.delete_container_metadata)
    delete_container = acall(ObjectStorePlans.delete_container)
    objects = alisting(ObjectStorePlans.objects)
    get_object = acall(ObjectStorePlans.get_object)
    get_object_metadata = acall(ObjectStorePlans.get_object_metadata)
    download_object = acall(ObjectStorePlans.download_object)
    create_object = acall(ObjectStorePlans.create_object)
    set_object_metadata = acall(ObjectStorePlans.set_object_metadata)
    delete_object_metadata = acall(ObjectStorePlans.delete_object_metadata)
    delete_object = acall(ObjectStorePlans.delete_object)
    upload_directory = acall(ObjectStorePlans.upload_directory)
    download_directory = acall(ObjectStorePlans.download_directory)

    @property
    def v1(self) -> AsyncObjectStoreProxy:
        return self
