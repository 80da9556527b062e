"""Image v2 proxies (sync and async) over :class:`ImagePlans`."""

from __future__ import annotations

from pocketstack.sdk.image.v2.plans import ImagePlans
from pocketstack.sdk.proxy import AsyncProxy, Proxy, acall, alisting, call, listing


class ImageProxy(Proxy[ImagePlans]):
    images = listing(ImagePlans.images)
    get_image = call(ImagePlans.get_image)
    find_image = call(ImagePlans.find_image)
    create_image = call(ImagePlans.create_image)
    update_image = call(ImagePlans.update_image)
    delete_image = call(ImagePlans.delete_image)
    upload_data = call(ImagePlans.upload_data)
    download_image = call(ImagePlans.download_image)
    wait_for_image = call(ImagePlans.wait_for_image)
    members = listing(ImagePlans.members)
    add_member = call(ImagePlans.add_member)
    remove_member = call(ImagePlans.remove_member)

    @property
    def v2(self) -> ImageProxy:
        return self


class AsyncImageProxy(AsyncProxy[ImagePlans]):
    images = alisting(ImagePlans.images)
    get_image = acall(ImagePlans.get_image)
    find_image = acall(ImagePlans.find_image)
    create_image = acall(ImagePlans.create_image)
    update_image = acall(ImagePlans.update_image)
    delete_image = acall(ImagePlans.delete_image)
    upload_data = acall(ImagePlans.upload_data)
    download_image = acall(ImagePlans.download_image)
    wait_for_image = acall(ImagePlans.wait_for_image)
    members = alisting(ImagePlans.members)
    add_member = acall(ImagePlans.add_member)
    remove_member = acall(ImagePlans.remove_member)

    @property
    def v2(self) -> AsyncImageProxy:
        return self
