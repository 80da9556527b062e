"""Compute v2.1 server plans: the server itself, waits, metadata, tags, security groups,
interfaces and the server's action log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.compute.v2_1._support import COMPUTE, body_of, server_action
from pocketstack.sdk.compute.v2_1.server import HINTS_KEY, Server, ServerAction, ServerInterface
from pocketstack.sdk.compute.v2_1.server_actions import ServerActionPlans
from pocketstack.sdk.exceptions import NotFound
from pocketstack.sdk.plan import Call, Listing
from pocketstack.sdk.resource import R, Resource, unwrap, value_id

# servers()' openstacksdk query names -> Nova's.
_SERVER_QUERY = {
    "all_projects": "all_tenants",
    "changes_since": "changes-since",
    "changes_before": "changes-before",
    "compute_host": "host",
    "access_ipv4": "access_ip_v4",
    "access_ipv6": "access_ip_v6",
    "has_config_drive": "config_drive",
    "deleted_only": "deleted",
    "is_soft_deleted": "soft_deleted",
    "ipv4_address": "ip",
    "ipv6_address": "ip6",
    "id": "uuid",
    "any_tags": "tags-any",
    "not_tags": "not-tags",
    "not_any_tags": "not-tags-any",
}


def _server_query(query: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in query.items():
        if isinstance(value, list | tuple | set):
            value = ",".join(str(v) for v in value)
        out[_SERVER_QUERY.get(key, key)] = value
    return out


def _server_of(value: Server | str) -> Server:
    """The server given, or a bare one of the id given."""
    return value if isinstance(value, Server) else Server.from_wire({"id": value})


class ServerPlans(ServerActionPlans):
    # -- servers ----------------------------------------------------------------------------

    def servers(self, /, details: bool = True, all_projects: bool = False, **query: Any) -> Listing[Server]:
        """The servers the caller sees (every project's with ``all_projects``, admins), page by
        page; ``details=False`` gives only ids and names. Filters as openstacksdk names them."""
        if all_projects:
            query["all_projects"] = True
        list_path = None if details else Server.base_path  # /servers: ids, names and links
        return ops.list_resources(self.session, Server, list_path=list_path, **_server_query(query))

    def get_server(self, server: Server | str) -> Call[Server]:
        """The server (raises NotFound)."""
        return ops.get_resource(self.session, Server, server)

    def find_server(
        self, name_or_id: str, ignore_missing: bool = True, *, all_projects: bool = False
    ) -> Call[Server | None]:
        """The server of this id, else of exactly this name (MultipleMatches when several)."""
        query: dict[str, Any] = {"all_tenants": True} if all_projects else {}
        return ops.find_resource(self.session, Server, name_or_id, ignore_missing=ignore_missing, **query)

    def create_server(self, /, **attrs: Any) -> Call[Server]:
        """Boot a server (``name``, ``flavor_id``, ``image_id``, ``networks`` ... by Python or wire
        names; a Flavor or Image may be given as ``flavor``/``image``). The answer is brief (id,
        admin password): wait with ``wait_for_server``."""
        for short, long in (("flavor", "flavor_id"), ("image", "image_id")):
            if short in attrs and not isinstance(attrs[short], dict):
                attrs[long] = attrs.pop(short)
        for key in ("flavor_id", "image_id", "flavorRef", "imageRef"):
            if isinstance(attrs.get(key), Resource):
                attrs[key] = value_id(attrs[key])
        server = Server.new(**attrs)
        body = server.create_body()
        doc: dict[str, Any] = {"server": body}
        hints = body.pop("scheduler_hints", None)
        if hints:
            doc[HINTS_KEY] = hints
        response = yield from self.session.request(COMPUTE, "POST", "/servers", json_body=doc)
        server.remember(unwrap(Server, body_of(response)), merge=True)
        return server

    def update_server(self, server: Server | str, /, **attrs: Any) -> Call[Server]:
        """Change the server's name, description, access IPs (hostname from 2.90); only what
        changed is sent."""
        return ops.update_resource(self.session, Server, server, merge=True, **attrs)

    def delete_server(
        self, server: Server | str, ignore_missing: bool = True, force: bool = False
    ) -> Call[None]:
        """Delete the server (``force``: a soft-deleted one at once); NotFound without
        ``ignore_missing`` when there is none."""
        if not force:
            yield from ops.delete_resource(self.session, Server, server, ignore_missing=ignore_missing)
            return
        try:
            yield from server_action(self.session, server, {"forceDelete": None})
        except NotFound:
            if not ignore_missing:
                raise

    def wait_for_server(
        self,
        server: Server | str,
        status: str = "ACTIVE",
        failures: Iterable[str] | None = None,
        interval: float = 2,
        wait: float = 120,
        callback: Callable[[int], None] | None = None,
    ) -> Call[Server]:
        """Poll until the server's status is ``status``, reading it afresh first (a stale
        status never ends the wait); ResourceFailure on a failure status (ERROR by default),
        Timeout after ``wait`` seconds. ``callback`` gets the server's progress."""
        current = yield from self.get_server(server)
        return (
            yield from ops.wait_for_status(
                self.session,
                current,
                status,
                failures=tuple(failures) if failures is not None else ("ERROR",),
                interval=interval,
                wait=wait,
                callback=callback,
            )
        )

    def wait_for_status(
        self,
        res: R,
        status: str,
        failures: Iterable[str] | None = None,
        interval: float = 2,
        wait: float = 120,
        attribute: str = "status",
        callback: Callable[[int], None] | None = None,
    ) -> Call[R]:
        """Poll any compute resource until ``attribute`` is ``status`` (ResourceFailure, Timeout)."""
        return ops.wait_for_status(
            self.session,
            res,
            status,
            failures=tuple(failures or ()),
            interval=interval,
            wait=wait,
            attribute=attribute,
            callback=callback,
        )

    def wait_for_delete(
        self, res: R, interval: float = 2, wait: float = 120, callback: Callable[[int], None] | None = None
    ) -> Call[R]:
        """Poll until the resource is gone (a 404); Timeout after ``wait`` seconds."""
        done = yield from ops.wait_for_delete(self.session, res, interval=interval, wait=wait)
        if callback is not None:
            callback(100)
        return done

    # -- metadata, tags, security groups, password -----------------------------------------

    def fetch_server_metadata(self, server: Server | str) -> Call[Server]:
        """The server with its metadata read afresh (a bare Server when an id is given)."""
        body = yield from self.session.json(COMPUTE, "GET", f"/servers/{value_id(server)}/metadata")
        return _with_metadata(server, body)

    def get_server_metadata(self, server: Server | str) -> Call[Server]:
        """Same as ``fetch_server_metadata`` (openstacksdk's older name)."""
        return self.fetch_server_metadata(server)

    def set_server_metadata(self, server: Server | str, /, **metadata: str) -> Call[Server]:
        """Add or change these metadata items (others are kept); the server with all its items."""
        body = yield from self.session.json(
            COMPUTE, "POST", f"/servers/{value_id(server)}/metadata", json_body={"metadata": metadata}
        )
        return _with_metadata(server, body)

    def delete_server_metadata(self, server: Server | str, keys: Iterable[str] | None = None) -> Call[None]:
        """Delete these metadata items (all of them when ``keys`` is None)."""
        path = f"/servers/{value_id(server)}/metadata"
        if keys is None:
            yield from self.session.request(COMPUTE, "PUT", path, json_body={"metadata": {}})
            return
        for key in keys:
            yield from self.session.request(COMPUTE, "DELETE", f"{path}/{key}")

    def fetch_server_tags(self, server: Server | str) -> Call[list[str]]:
        """The server's tags (2.26+)."""
        yield from self.session.require_compute("2.26", "server tags")
        body = yield from self.session.json(COMPUTE, "GET", f"/servers/{value_id(server)}/tags")
        return [str(t) for t in (body or {}).get("tags", [])]

    def set_server_tags(self, server: Server | str, tags: Iterable[str]) -> Call[list[str]]:
        """Replace the server's tags (2.26+)."""
        yield from self.session.require_compute("2.26", "server tags")
        body = yield from self.session.json(
            COMPUTE, "PUT", f"/servers/{value_id(server)}/tags", json_body={"tags": list(tags)}
        )
        return [str(t) for t in (body or {}).get("tags", [])]

    def add_tag_to_server(self, server: Server | str, tag: str) -> Call[None]:
        """Tag the server (2.26+)."""
        yield from self.session.require_compute("2.26", "server tags")
        yield from self.session.request(COMPUTE, "PUT", f"/servers/{value_id(server)}/tags/{tag}")

    def remove_tag_from_server(self, server: Server | str, tag: str) -> Call[None]:
        """Remove a tag (2.26+; NotFound when the server does not have it)."""
        yield from self.session.require_compute("2.26", "server tags")
        yield from self.session.request(COMPUTE, "DELETE", f"/servers/{value_id(server)}/tags/{tag}")

    def remove_tags_from_server(self, server: Server | str) -> Call[None]:
        """Remove every tag (2.26+)."""
        yield from self.session.require_compute("2.26", "server tags")
        yield from self.session.request(COMPUTE, "DELETE", f"/servers/{value_id(server)}/tags")

    def fetch_server_security_groups(self, server: Server | str) -> Call[Server]:
        """The server with its security groups in full (rules included)."""
        body = yield from self.session.json(COMPUTE, "GET", f"/servers/{value_id(server)}/os-security-groups")
        found = _server_of(server)
        found.security_groups = list((body or {}).get("security_groups", []))
        return found

    def get_server_password(self, server: Server | str) -> Call[str | None]:
        """The server's encrypted admin password as the guest set it ('' or None when none)."""
        body = yield from self.session.json(COMPUTE, "GET", f"/servers/{value_id(server)}/os-server-password")
        password = (body or {}).get("password")
        return None if password is None else str(password)

    def clear_server_password(self, server: Server | str) -> Call[None]:
        """Forget the password the guest set."""
        yield from self.session.request(COMPUTE, "DELETE", f"/servers/{value_id(server)}/os-server-password")

    # -- interfaces -------------------------------------------------------------------------

    def server_interfaces(self, server: Server | str) -> Listing[ServerInterface]:
        """The ports attached to the server."""
        return ops.list_resources(self.session, ServerInterface, {"server_id": value_id(server)})

    def get_server_interface(
        self, server_interface: ServerInterface | str, server: Server | str | None = None
    ) -> Call[ServerInterface]:
        """One attached port, by port id (raises NotFound)."""
        path = {"server_id": _owner(server_interface, server)}
        return ops.get_resource(self.session, ServerInterface, server_interface, path)

    def create_server_interface(self, server: Server | str, /, **attrs: Any) -> Call[ServerInterface]:
        """Attach a port (``port_id``) or a new port on a network (``net_id``, ``fixed_ips``)."""
        return ops.create_resource(self.session, ServerInterface, {"server_id": value_id(server)}, **attrs)

    def delete_server_interface(
        self,
        server_interface: ServerInterface | str,
        server: Server | str | None = None,
        ignore_missing: bool = True,
    ) -> Call[None]:
        """Detach a port (NotFound without ``ignore_missing`` when it is not attached)."""
        path = {"server_id": _owner(server_interface, server)}
        return ops.delete_resource(
            self.session, ServerInterface, server_interface, path, ignore_missing=ignore_missing
        )

    # -- the server's action log ------------------------------------------------------------

    def server_actions(self, server: Server | str, /, **query: Any) -> Listing[ServerAction]:
        """The actions taken on the server, newest first (``limit``/``changes_since`` from 2.58)."""
        query = {k.replace("changes_", "changes-"): v for k, v in query.items()}
        return ops.list_resources(self.session, ServerAction, {"server_id": value_id(server)}, **query)

    def get_server_action(
        self, server_action: ServerAction | str, server: Server | str
    ) -> Call[ServerAction]:
        """One action, by request id, with its events (raises NotFound)."""
        return ops.get_resource(self.session, ServerAction, server_action, {"server_id": value_id(server)})


def _with_metadata(server: Server | str, body: Any) -> Server:
    found = _server_of(server)
    found.metadata = dict((body or {}).get("metadata") or {})
    return found


def _owner(item: ServerInterface | str, server: Server | str | None) -> str:
    if server is not None:
        return value_id(server)
    owner = item.server_id if isinstance(item, ServerInterface) else None
    if owner is None:
        raise ValueError("give the server of the interface")
    return owner


__all__ = ["ServerPlans"]
