"""Image v2 calls as plans."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.image.v2.resources import Image, Member
from pocketstack.sdk.plan import Call, Digests, FileBody, FileSink, Listing
from pocketstack.sdk.proxy import ServicePlans
from pocketstack.sdk.resource import value_id

OCTET = {"Content-Type": "application/octet-stream"}


class ImagePlans(ServicePlans):
    def images(self, /, **query: Any) -> Listing[Image]:
        """Every image the caller sees, page by page (filters as Glance takes them)."""
        return ops.list_resources(self.session, Image, **query)

    def get_image(self, image: Image | str) -> Call[Image]:
        """The image (raises NotFound)."""
        return ops.get_resource(self.session, Image, image)

    def find_image(self, name_or_id: str, ignore_missing: bool = True) -> Call[Image | None]:
        """The image of this id or name (MultipleMatches when the name is not unique)."""
        return ops.find_resource(self.session, Image, name_or_id, ignore_missing=ignore_missing)

    def create_image(self, /, **attrs: Any) -> Call[Image]:
        """A new image record (queued, no data yet); extra keyword arguments become properties."""
        return ops.create_resource(self.session, Image, **attrs)

    def update_image(self, image: Image | str, /, **attrs: Any) -> Call[Image]:
        """Change the image; only what changed is sent, as a JSON patch."""
        return ops.update_resource(self.session, Image, image, **attrs)

    def delete_image(self, image: Image | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the image (NotFound without ``ignore_missing`` when there is none)."""
        return ops.delete_resource(self.session, Image, image, ignore_missing=ignore_missing)

    def upload_data(
        self,
        image: Image | str,
        path: Path,
        progress: Callable[[int], None] | None = None,
        digests: Digests | None = None,
    ) -> Call[Image]:
        """PUT the file as the image's data (the image goes active), then read the image back;
        ``digests`` (if given) hashes what was sent."""
        url = Image.item_path(value_id(image), {}) + "/file"
        body = FileBody(Path(path), progress=progress, digests=digests)
        yield from self.session.request("image", "PUT", url, content=body, headers=OCTET)
        return (yield from self.get_image(image))

    def download_image(
        self, image: Image | str, path: Path, progress: Callable[[int], None] | None = None
    ) -> Call[Path]:
        """Write the image's data to ``path`` (whole, or not at all)."""
        url = Image.item_path(value_id(image), {}) + "/file"
        yield from self.session.request("image", "GET", url, sink=FileSink(Path(path), progress))
        return Path(path)

    def wait_for_image(self, image: Image, status: str = "active", wait: float = 120.0) -> Call[Image]:
        """Poll until the image has ``status`` (ResourceFailure on killed, Timeout after ``wait``)."""
        return ops.wait_for_status(self.session, image, status, failures=("killed",), wait=wait)

    def members(self, image: Image | str) -> Listing[Member]:
        """The projects the image is shared with."""
        return ops.list_resources(self.session, Member, {"image_id": value_id(image)})

    def add_member(self, image: Image | str, member: str) -> Call[Member]:
        """Share the image with a project."""
        return ops.create_resource(self.session, Member, {"image_id": value_id(image)}, member=member)

    def remove_member(self, image: Image | str, member: str, ignore_missing: bool = True) -> Call[None]:
        """Stop sharing the image with a project."""
        return ops.delete_resource(
            self.session, Member, member, {"image_id": value_id(image)}, ignore_missing=ignore_missing
        )
