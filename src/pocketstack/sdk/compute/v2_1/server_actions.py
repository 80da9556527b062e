"""Compute v2.1 server actions (``POST /servers/{id}/action``) as plans. Each raises Conflict
(409) when the server's state does not allow the action, NotFound when there is no server."""

from __future__ import annotations

from typing import Any

from pocketstack.sdk.compute.v2_1._support import at_least, body_of, server_action
from pocketstack.sdk.compute.v2_1.server import Server
from pocketstack.sdk.image.v2.plans import ImagePlans
from pocketstack.sdk.image.v2.resources import Image
from pocketstack.sdk.plan import Call
from pocketstack.sdk.proxy import ServicePlans
from pocketstack.sdk.resource import Resource, value_id

# rebuild_server's keyword arguments (Python names) -> the rebuild body's names.
_REBUILD_NAMES = {
    "admin_password": "adminPass",
    "access_ipv4": "accessIPv4",
    "access_ipv6": "accessIPv6",
    "disk_config": "OS-DCF:diskConfig",
    "image_id": "imageRef",
}


class ServerActionPlans(ServicePlans):
    def _act(self, server: Server | str, action: str, value: Any = None) -> Call[None]:
        yield from server_action(self.session, server, {action: value})

    def reboot_server(self, server: Server | str, reboot_type: str = "SOFT") -> Call[None]:
        """Reboot the server (``SOFT`` or ``HARD``)."""
        return self._act(server, "reboot", {"type": reboot_type.upper()})

    def start_server(self, server: Server | str) -> Call[None]:
        """Power the (SHUTOFF) server on."""
        return self._act(server, "os-start")

    def stop_server(self, server: Server | str) -> Call[None]:
        """Power the server off (it goes SHUTOFF)."""
        return self._act(server, "os-stop")

    def pause_server(self, server: Server | str) -> Call[None]:
        """Pause the server (PAUSED)."""
        return self._act(server, "pause")

    def unpause_server(self, server: Server | str) -> Call[None]:
        """Unpause the server."""
        return self._act(server, "unpause")

    def suspend_server(self, server: Server | str) -> Call[None]:
        """Suspend the server (SUSPENDED)."""
        return self._act(server, "suspend")

    def resume_server(self, server: Server | str) -> Call[None]:
        """Resume the suspended server."""
        return self._act(server, "resume")

    def lock_server(self, server: Server | str, locked_reason: str | None = None) -> Call[None]:
        """Lock the server against changes by non-admins (a reason from 2.73)."""
        value = None
        if locked_reason is not None and (yield from at_least(self.session, "2.73")):
            value = {"locked_reason": locked_reason}
        yield from self._act(server, "lock", value)

    def unlock_server(self, server: Server | str) -> Call[None]:
        """Unlock the server."""
        return self._act(server, "unlock")

    def rescue_server(
        self, server: Server | str, admin_pass: str | None = None, image: Image | str | None = None
    ) -> Call[str | None]:
        """Boot the server from a rescue image (RESCUE); returns the rescue admin password."""
        value: dict[str, Any] = {}
        if admin_pass is not None:
            value["adminPass"] = admin_pass
        if image is not None:
            value["rescue_image_ref"] = value_id(image)
        response = yield from server_action(self.session, server, {"rescue": value or None})
        password = body_of(response).get("adminPass")
        return None if password is None else str(password)

    def unrescue_server(self, server: Server | str) -> Call[None]:
        """Leave rescue mode."""
        return self._act(server, "unrescue")

    def shelve_server(self, server: Server | str) -> Call[None]:
        """Shelve the server (SHELVED, then SHELVED_OFFLOADED)."""
        return self._act(server, "shelve")

    def shelve_offload_server(self, server: Server | str) -> Call[None]:
        """Offload a shelved server from its host."""
        return self._act(server, "shelveOffload")

    def unshelve_server(
        self, server: Server | str, *, host: str | None = None, availability_zone: str | None = None
    ) -> Call[None]:
        """Unshelve the server (``availability_zone`` from 2.77, ``host`` from 2.91)."""
        value = {k: v for k, v in (("availability_zone", availability_zone), ("host", host)) if v}
        return self._act(server, "unshelve", value or None)

    def resize_server(self, server: Server | str, flavor: Resource | str) -> Call[None]:
        """Resize to ``flavor`` (the server goes VERIFY_RESIZE: confirm or revert it)."""
        return self._act(server, "resize", {"flavorRef": value_id(flavor)})

    def confirm_server_resize(self, server: Server | str) -> Call[None]:
        """Keep the new flavor of a resized server."""
        return self._act(server, "confirmResize")

    def revert_server_resize(self, server: Server | str) -> Call[None]:
        """Go back to the flavor from before the resize."""
        return self._act(server, "revertResize")

    def rebuild_server(self, server: Server | str, image: Image | str, /, **attrs: Any) -> Call[Server]:
        """Rebuild the server from ``image``; keyword arguments (``name``, ``admin_password``,
        ``metadata``, ``description``, ``key_name``, ``user_data``, ``access_ipv4`` ...) change it too."""
        value = {"imageRef": value_id(image)}
        value.update({_REBUILD_NAMES.get(k, k): v for k, v in attrs.items()})
        response = yield from server_action(self.session, server, {"rebuild": value})
        body = body_of(response)
        return Server.from_wire(body.get("server") or {"id": value_id(server)})

    def create_server_image(
        self,
        server: Server | str,
        name: str,
        metadata: dict[str, str] | None = None,
        wait: bool = False,
        timeout: float = 120,
    ) -> Call[Image]:
        """Snapshot the server as an image (its id from the answer's body from 2.45, else from
        its Location header); with ``wait``, until the image is active."""
        value: dict[str, Any] = {"name": name}
        if metadata is not None:
            value["metadata"] = metadata
        response = yield from server_action(self.session, server, {"createImage": value})
        image_id = body_of(response).get("image_id") or _last_segment(response.header("location"))
        if not image_id:
            raise ValueError("the snapshot's answer names no image")
        images = ImagePlans(self.session)
        image = yield from images.get_image(str(image_id))
        if wait:
            image = yield from images.wait_for_image(image, wait=timeout)
        return image

    def backup_server(
        self, server: Server | str, name: str, backup_type: str, rotation: int
    ) -> Call[str | None]:
        """Snapshot the server as a backup, keeping the newest ``rotation``; returns the image id."""
        value = {"name": name, "backup_type": backup_type, "rotation": rotation}
        response = yield from server_action(self.session, server, {"createBackup": value})
        found = body_of(response).get("image_id") or _last_segment(response.header("location"))
        return str(found) if found else None

    def add_security_group_to_server(self, server: Server | str, security_group: Any) -> Call[None]:
        """Add a security group (by name, id or a resource with a ``name``) to the server's ports."""
        return self._act(server, "addSecurityGroup", {"name": _group_name(security_group)})

    def remove_security_group_from_server(self, server: Server | str, security_group: Any) -> Call[None]:
        """Remove a security group from the server's ports."""
        return self._act(server, "removeSecurityGroup", {"name": _group_name(security_group)})

    def get_server_console_output(
        self, server: Server | str, length: int | None = None
    ) -> Call[dict[str, Any]]:
        """The server's console log (``{"output": ...}``), its last ``length`` lines when given."""
        value = {} if length is None else {"length": length}
        response = yield from server_action(self.session, server, {"os-getConsoleOutput": value})
        return body_of(response)

    def change_server_password(self, server: Server | str, new_password: str) -> Call[None]:
        """Set the server's admin password."""
        return self._act(server, "changePassword", {"adminPass": new_password})

    def reset_server_state(self, server: Server | str, state: str) -> Call[None]:
        """Set the server's vm state (``active`` or ``error``; admins)."""
        return self._act(server, "os-resetState", {"state": state})

    def restore_server(self, server: Server | str) -> Call[None]:
        """Restore a soft-deleted server."""
        return self._act(server, "restore")

    def migrate_server(self, server: Server | str, host: str | None = None) -> Call[None]:
        """Cold-migrate the server (admins; ``host`` from 2.56); confirm it like a resize."""
        return self._act(server, "migrate", {"host": host} if host else None)

    def trigger_server_crash_dump(self, server: Server | str) -> Call[None]:
        """Ask the guest for a crash dump (an NMI)."""
        return self._act(server, "trigger_crash_dump")


def _last_segment(location: str | None) -> str | None:
    return location.rstrip("/").rsplit("/", 1)[-1] if location else None


def _group_name(group: Any) -> str:
    if isinstance(group, str):
        return group
    return str(getattr(group, "name", None) or value_id(group))
