"""Compute vNext server type plans: the types themselves, whom they are shared with, and their
tags."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.compute.vnext._support import VNextPlansBase, _filters
from pocketstack.sdk.compute.vnext.resources import SERVICE_TYPE, ServerType, ServerTypeShares
from pocketstack.sdk.plan import Call, Listing
from pocketstack.sdk.resource import Resource, value_id


class ServerTypePlans(VNextPlansBase):
    # -- server types --------------------------------------------------------------------------

    def server_types(self, /, limit: int | None = None, **filters: Any) -> Listing[ServerType]:
        """The server types the caller may use, page by page (filters: ``name``, ``tag``
        (repeatable: a list must all match), ``visibility``)."""
        return ops.list_resources(self.session, ServerType, limit=limit, **_filters(filters))

    def get_server_type(self, server_type: ServerType | str) -> Call[ServerType]:
        """The server type, by id or name (raises NotFound)."""
        return ops.get_resource(self.session, ServerType, server_type)

    def find_server_type(self, name_or_id: str, ignore_missing: bool = True) -> Call[ServerType | None]:
        """The server type of this id or name."""
        return ops.find_resource(self.session, ServerType, name_or_id, ignore_missing=ignore_missing)

    def create_server_type(self, /, **attrs: Any) -> Call[ServerType]:
        """A new server type owned by the caller's project (``name``, ``vcpus``, ``ram_mb``,
        ``root_disk_gb``, optional ``ephemeral_disk_gb``, ``swap_mb``, ``description``,
        ``visibility`` PRIVATE (default) or PUBLIC (admins), ``tags``, ``shares``)."""
        return ops.create_resource(self.session, ServerType, **attrs)

    def update_server_type(self, server_type: ServerType | str, /, **attrs: Any) -> Call[ServerType]:
        """Change ``name``, ``description`` or ``visibility``; only what changed is sent."""
        return ops.update_resource(self.session, ServerType, server_type, **attrs)

    def delete_server_type(self, server_type: ServerType | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the server type."""
        return ops.delete_resource(self.session, ServerType, server_type, ignore_missing=ignore_missing)

    def server_type_shares(self, server_type: ServerType | str) -> Call[ServerTypeShares]:
        """Whom the type is shared with (the owner project and admins may ask)."""
        url = self._type_url(server_type) + "/shares"
        body = yield from self.session.json(SERVICE_TYPE, "GET", url)
        return ServerTypeShares.from_wire(body or {}, {"type_id": value_id(server_type)})

    def set_server_type_shares(
        self,
        server_type: ServerType | str,
        users: Iterable[Resource | str] = (),
        projects: Iterable[Resource | str] = (),
    ) -> Call[ServerTypeShares]:
        """Replace both sets of the type's shares (BadRequest for an unknown user or project,
        Conflict for a PUBLIC type)."""
        url = self._type_url(server_type) + "/shares"
        wanted = {"users": [value_id(u) for u in users], "projects": [value_id(p) for p in projects]}
        body = yield from self.session.json(SERVICE_TYPE, "PUT", url, json_body=wanted)
        return ServerTypeShares.from_wire(body or {}, {"type_id": value_id(server_type)})

    def clear_server_type_shares(self, server_type: ServerType | str) -> Call[None]:
        """Share the type with no one."""
        return self._empty("DELETE", self._type_url(server_type) + "/shares")

    def _share_url(
        self, server_type: ServerType | str, project: Resource | str | None, user: Resource | str | None
    ) -> str:
        if (project is None) == (user is None):
            raise TypeError("name a project or a user (one of them)")
        kind, target = ("projects", project) if project is not None else ("users", user)
        assert target is not None
        return f"{self._type_url(server_type)}/shares/{kind}/{value_id(target)}"

    def share_server_type(
        self,
        server_type: ServerType | str,
        project: Resource | str | None = None,
        user: Resource | str | None = None,
    ) -> Call[None]:
        """Share the type with one project or one user (a project share is v2.1's flavor access)."""
        return self._empty("PUT", self._share_url(server_type, project, user))

    def unshare_server_type(
        self,
        server_type: ServerType | str,
        project: Resource | str | None = None,
        user: Resource | str | None = None,
    ) -> Call[None]:
        """Stop sharing the type with one project or one user."""
        return self._empty("DELETE", self._share_url(server_type, project, user))

    def server_type_tags(self, server_type: ServerType | str) -> Call[list[str]]:
        """The type's tags."""
        return self._tags("GET", self._type_url(server_type) + "/tags")

    def set_server_type_tags(self, server_type: ServerType | str, tags: list[str]) -> Call[list[str]]:
        """Replace the type's tags; the tags it has afterwards."""
        return self._tags("PUT", self._type_url(server_type) + "/tags", tags)

    def add_server_type_tag(self, server_type: ServerType | str, tag: str) -> Call[None]:
        """Tag the type."""
        return self._empty("PUT", f"{self._type_url(server_type)}/tags/{tag}")

    def remove_server_type_tag(self, server_type: ServerType | str, tag: str) -> Call[None]:
        """Untag the type."""
        return self._empty("DELETE", f"{self._type_url(server_type)}/tags/{tag}")


__all__ = ["ServerTypePlans"]
