"""Network v2 layer-3 plans: routers (their interfaces, extra routes and gateway) and floating
IPs."""

from __future__ import annotations

from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.exceptions import NotFound
from pocketstack.sdk.network.v2._support import SERVICE, NetworkPlansBase
from pocketstack.sdk.network.v2.l3 import FloatingIP, Router
from pocketstack.sdk.plan import Call, Listing, filtering, first
from pocketstack.sdk.resource import unwrap, value_id


class L3Plans(NetworkPlansBase):
    # -- routers -----------------------------------------------------------------------------

    def routers(self, /, **query: Any) -> Listing[Router]:
        """Every router the caller sees, page by page."""
        return self._list(Router, query)

    def get_router(self, router: Router | str) -> Call[Router]:
        """The router (raises NotFound)."""
        return ops.get_resource(self.session, Router, router)

    def find_router(
        self, name_or_id: str, /, ignore_missing: bool = True, **query: Any
    ) -> Call[Router | None]:
        """The router of this id or name (MultipleMatches when the name is not unique)."""
        return self._find(Router, name_or_id, ignore_missing, query)

    def create_router(self, /, **attrs: Any) -> Call[Router]:
        """A new router (``external_gateway_info={"network_id": ...}`` gives it a gateway)."""
        return ops.create_resource(self.session, Router, **attrs)

    def update_router(
        self, router: Router | str, /, if_revision: int | None = None, **attrs: Any
    ) -> Call[Router]:
        """Change the router; only the changed attributes are sent."""
        return self._update(Router, router, if_revision, attrs)

    def delete_router(
        self, router: Router | str, ignore_missing: bool = True, if_revision: int | None = None
    ) -> Call[None]:
        """Delete the router (Conflict while it has interfaces)."""
        return self._delete(Router, router, ignore_missing, if_revision)

    def _interface(
        self, router: Router | str, action: str, subnet_id: str | None, port_id: str | None
    ) -> Call[Any]:
        body = {k: v for k, v in (("subnet_id", subnet_id), ("port_id", port_id)) if v is not None}
        url = Router.item_path(value_id(router), {}) + "/" + action
        return self.session.json(SERVICE, "PUT", url, json_body=body)

    def add_interface_to_router(
        self, router: Router | str, subnet_id: str | None = None, port_id: str | None = None
    ) -> Call[dict[str, Any]]:
        """Attach a subnet (a new port at its gateway address) or a port to the router; returns
        Neutron's answer (``port_id``, ``subnet_id``, ``subnet_ids``, ``network_id`` ...)."""
        answer = yield from self._interface(router, "add_router_interface", subnet_id, port_id)
        return dict(answer or {})

    def remove_interface_from_router(
        self, router: Router | str, subnet_id: str | None = None, port_id: str | None = None
    ) -> Call[dict[str, Any]]:
        """Detach a subnet or a port from the router (NotFound when it is not attached)."""
        answer = yield from self._interface(router, "remove_router_interface", subnet_id, port_id)
        return dict(answer or {})

    def add_extra_routes_to_router(self, router: Router | str, body: dict[str, Any]) -> Call[Router]:
        """Add routes (``{"router": {"routes": [{"destination", "nexthop"}]}}``) atomically."""
        return self._routes(router, "add_extraroutes", body)

    def remove_extra_routes_from_router(self, router: Router | str, body: dict[str, Any]) -> Call[Router]:
        """Remove routes (the same body as :meth:`add_extra_routes_to_router`) atomically."""
        return self._routes(router, "remove_extraroutes", body)

    def _routes(self, router: Router | str, action: str, body: dict[str, Any]) -> Call[Router]:
        url = Router.item_path(value_id(router), {}) + "/" + action
        answer = yield from self.session.json(SERVICE, "PUT", url, json_body=body)
        return Router.from_wire(unwrap(Router, answer))

    def add_gateway_to_router(self, router: Router | str, /, **body: Any) -> Call[Router]:
        """Set the router's external gateway (``network_id=``, ``external_fixed_ips=``,
        ``enable_snat=``). pocketstack has no ``add_gateway_router`` action, so this updates
        ``external_gateway_info``."""
        return self._update(Router, router, None, {"external_gateway_info": dict(body)})

    def remove_gateway_from_router(self, router: Router | str, /, **body: Any) -> Call[Router]:
        """Clear the router's external gateway (an update of ``external_gateway_info`` to None;
        Conflict while floating IPs use it). ``body`` is accepted as openstacksdk takes it, and
        not needed: a router has one gateway here."""
        return self._update(Router, router, None, {"external_gateway_info": None})

    # -- floating IPs ------------------------------------------------------------------------

    def ips(self, /, **query: Any) -> Listing[FloatingIP]:
        """Every floating IP the caller sees, page by page."""
        return self._list(FloatingIP, query)

    def get_ip(self, floating_ip: FloatingIP | str) -> Call[FloatingIP]:
        """The floating IP (raises NotFound)."""
        return ops.get_resource(self.session, FloatingIP, floating_ip)

    def find_ip(
        self, name_or_id: str, /, ignore_missing: bool = True, **query: Any
    ) -> Call[FloatingIP | None]:
        """The floating IP of this id or address (NotFound without ``ignore_missing``)."""
        try:
            return (yield from self.get_ip(name_or_id))
        except NotFound:
            pass
        listing = self._list(FloatingIP, {**query, "floating_ip_address": name_or_id})
        found = yield from first(listing)
        if found is None and not ignore_missing:
            raise NotFound(
                f"no floating IP with id or address {name_or_id!r}",
                status_code=404,
                method="GET",
                url="/floatingips",
            )
        return found

    def find_available_ip(self) -> Call[FloatingIP | None]:
        """The caller's first floating IP not associated with a port, or None."""
        return first(filtering(self._list(FloatingIP, {}), lambda ip: ip.port_id is None))

    def create_ip(self, /, **attrs: Any) -> Call[FloatingIP]:
        """A floating IP from ``floating_network_id`` (associated when ``port_id`` is given;
        NotFound when the port's subnet has no router to that network)."""
        return ops.create_resource(self.session, FloatingIP, **attrs)

    def update_ip(
        self, floating_ip: FloatingIP | str, /, if_revision: int | None = None, **attrs: Any
    ) -> Call[FloatingIP]:
        """Associate (``port_id=``, optionally ``fixed_ip_address=``) or disassociate
        (``port_id=None``) the floating IP, or change its description."""
        return self._update(FloatingIP, floating_ip, if_revision, attrs)

    def delete_ip(
        self, floating_ip: FloatingIP | str, ignore_missing: bool = True, if_revision: int | None = None
    ) -> Call[None]:
        """Release the floating IP."""
        return self._delete(FloatingIP, floating_ip, ignore_missing, if_revision)


__all__ = ["L3Plans"]
