"""Network v2 calls as plans. Lists take filters by openstacksdk's Python names or Neutron's
wire names (``is_shared=True`` or ``shared=True``; ``any_tags=[...]``) and page by Neutron's
``<resources>_links`` when ``limit`` is given. Updates send only the changed attributes;
``if_revision`` makes an update or delete conditional (``If-Match: revision_number=N``, 412
PreconditionFailed as an HttpError when the resource moved on)."""

from __future__ import annotations

from typing import Any, TypeVar

from pocketstack.sdk import ops
from pocketstack.sdk.exceptions import NotFound
from pocketstack.sdk.network.v2.l3 import FloatingIP, Router
from pocketstack.sdk.network.v2.resources import (
    Extension,
    Network,
    NetworkResource,
    Port,
    Quota,
    QuotaDetails,
    Subnet,
)
from pocketstack.sdk.network.v2.security import SecurityGroup, SecurityGroupRule
from pocketstack.sdk.plan import Call, Listing, filtering, first
from pocketstack.sdk.proxy import ServicePlans
from pocketstack.sdk.resource import Resource, unwrap, value_id

N = TypeVar("N", bound=NetworkResource)
R = TypeVar("R", bound=Resource)

SERVICE = "network"


def _revision(if_revision: int | None) -> dict[str, str] | None:
    return None if if_revision is None else {"If-Match": f"revision_number={if_revision}"}


class NetworkPlans(ServicePlans):
    # -- shared ------------------------------------------------------------------------------

    def _list(self, cls: type[N], query: dict[str, Any]) -> Listing[N]:
        return ops.list_resources(self.session, cls, **cls.query(query))

    def _find(
        self, cls: type[N], name_or_id: str, ignore_missing: bool, query: dict[str, Any]
    ) -> Call[N | None]:
        return ops.find_resource(
            self.session, cls, name_or_id, ignore_missing=ignore_missing, **cls.query(query)
        )

    def _update(
        self, cls: type[N], value: N | str, if_revision: int | None, attrs: dict[str, Any]
    ) -> Call[N]:
        return ops.update_resource(self.session, cls, value, headers=_revision(if_revision), **attrs)

    def _delete(
        self, cls: type[N], value: N | str, ignore_missing: bool, if_revision: int | None = None
    ) -> Call[None]:
        return ops.delete_resource(
            self.session, cls, value, ignore_missing=ignore_missing, headers=_revision(if_revision)
        )

    # -- networks ----------------------------------------------------------------------------

    def networks(self, /, **query: Any) -> Listing[Network]:
        """Every network the caller sees, page by page (``limit`` is the page size)."""
        return self._list(Network, query)

    def get_network(self, network: Network | str) -> Call[Network]:
        """The network (raises NotFound)."""
        return ops.get_resource(self.session, Network, network)

    def find_network(
        self, name_or_id: str, /, ignore_missing: bool = True, **query: Any
    ) -> Call[Network | None]:
        """The network of this id or name (MultipleMatches when the name is not unique)."""
        return self._find(Network, name_or_id, ignore_missing, query)

    def create_network(self, /, **attrs: Any) -> Call[Network]:
        """A new network."""
        return ops.create_resource(self.session, Network, **attrs)

    def update_network(
        self, network: Network | str, /, if_revision: int | None = None, **attrs: Any
    ) -> Call[Network]:
        """Change the network; only the changed attributes are sent."""
        return self._update(Network, network, if_revision, attrs)

    def delete_network(
        self, network: Network | str, ignore_missing: bool = True, if_revision: int | None = None
    ) -> Call[None]:
        """Delete the network (Conflict while ports are in use on it)."""
        return self._delete(Network, network, ignore_missing, if_revision)

    # -- subnets -----------------------------------------------------------------------------

    def subnets(self, /, **query: Any) -> Listing[Subnet]:
        """Every subnet the caller sees, page by page."""
        return self._list(Subnet, query)

    def get_subnet(self, subnet: Subnet | str) -> Call[Subnet]:
        """The subnet (raises NotFound)."""
        return ops.get_resource(self.session, Subnet, subnet)

    def find_subnet(
        self, name_or_id: str, /, ignore_missing: bool = True, **query: Any
    ) -> Call[Subnet | None]:
        """The subnet of this id or name (MultipleMatches when the name is not unique)."""
        return self._find(Subnet, name_or_id, ignore_missing, query)

    def create_subnet(self, /, **attrs: Any) -> Call[Subnet]:
        """A new subnet (BadRequest or Conflict when its CIDR is invalid or overlaps)."""
        return ops.create_resource(self.session, Subnet, **attrs)

    def update_subnet(
        self, subnet: Subnet | str, /, if_revision: int | None = None, **attrs: Any
    ) -> Call[Subnet]:
        """Change the subnet; only the changed attributes are sent."""
        return self._update(Subnet, subnet, if_revision, attrs)

    def delete_subnet(
        self, subnet: Subnet | str, ignore_missing: bool = True, if_revision: int | None = None
    ) -> Call[None]:
        """Delete the subnet (Conflict while addresses of it are in use)."""
        return self._delete(Subnet, subnet, ignore_missing, if_revision)

    # -- ports -------------------------------------------------------------------------------

    def ports(self, /, **query: Any) -> Listing[Port]:
        """Every port the caller sees, page by page."""
        return self._list(Port, query)

    def get_port(self, port: Port | str) -> Call[Port]:
        """The port (raises NotFound)."""
        return ops.get_resource(self.session, Port, port)

    def find_port(self, name_or_id: str, /, ignore_missing: bool = True, **query: Any) -> Call[Port | None]:
        """The port of this id or name (MultipleMatches when the name is not unique)."""
        return self._find(Port, name_or_id, ignore_missing, query)

    def create_port(self, /, **attrs: Any) -> Call[Port]:
        """A new port on ``network_id``."""
        return ops.create_resource(self.session, Port, **attrs)

    def create_ports(self, data: list[dict[str, Any]]) -> Call[list[Port]]:
        """Several ports in one request: all are made, or none."""
        return self._bulk(Port, data)

    def update_port(self, port: Port | str, /, if_revision: int | None = None, **attrs: Any) -> Call[Port]:
        """Change the port; only the changed attributes are sent."""
        return self._update(Port, port, if_revision, attrs)

    def delete_port(
        self, port: Port | str, ignore_missing: bool = True, if_revision: int | None = None
    ) -> Call[None]:
        """Delete the port (Conflict for a router's interface port)."""
        return self._delete(Port, port, ignore_missing, if_revision)

    def _bulk(self, cls: type[N], data: list[dict[str, Any]]) -> Call[list[N]]:
        documents = [cls.new(**attrs).create_body() for attrs in data]
        body = yield from self.session.json(
            SERVICE, "POST", cls.collection_path({}), json_body={cls.resources_key: documents}
        )
        items = body.get(cls.resources_key) or [] if isinstance(body, dict) else []
        return [cls.from_wire(item) for item in items if isinstance(item, dict)]

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

    # -- security groups ---------------------------------------------------------------------

    def security_groups(self, /, **query: Any) -> Listing[SecurityGroup]:
        """Every security group the caller sees, page by page."""
        return self._list(SecurityGroup, query)

    def get_security_group(self, security_group: SecurityGroup | str) -> Call[SecurityGroup]:
        """The security group with its rules (raises NotFound)."""
        return ops.get_resource(self.session, SecurityGroup, security_group)

    def find_security_group(
        self, name_or_id: str, /, ignore_missing: bool = True, **query: Any
    ) -> Call[SecurityGroup | None]:
        """The security group of this id or name (MultipleMatches when the name is not unique;
        each project has its own ``default``)."""
        return self._find(SecurityGroup, name_or_id, ignore_missing, query)

    def create_security_group(self, /, **attrs: Any) -> Call[SecurityGroup]:
        """A new security group (Neutron gives it two egress rules)."""
        return ops.create_resource(self.session, SecurityGroup, **attrs)

    def update_security_group(
        self, security_group: SecurityGroup | str, /, if_revision: int | None = None, **attrs: Any
    ) -> Call[SecurityGroup]:
        """Change the security group's name, description or statefulness."""
        return self._update(SecurityGroup, security_group, if_revision, attrs)

    def delete_security_group(
        self, security_group: SecurityGroup | str, ignore_missing: bool = True, if_revision: int | None = None
    ) -> Call[None]:
        """Delete the security group (Conflict while ports use it)."""
        return self._delete(SecurityGroup, security_group, ignore_missing, if_revision)

    def security_group_rules(self, /, **query: Any) -> Listing[SecurityGroupRule]:
        """Every security group rule the caller sees, page by page."""
        return self._list(SecurityGroupRule, query)

    def get_security_group_rule(self, rule: SecurityGroupRule | str) -> Call[SecurityGroupRule]:
        """The rule (raises NotFound)."""
        return ops.get_resource(self.session, SecurityGroupRule, rule)

    def find_security_group_rule(
        self, name_or_id: str, /, ignore_missing: bool = True, **query: Any
    ) -> Call[SecurityGroupRule | None]:
        """The rule of this id (rules have no names)."""
        return self._find(SecurityGroupRule, name_or_id, ignore_missing, query)

    def create_security_group_rule(self, /, **attrs: Any) -> Call[SecurityGroupRule]:
        """A new rule (``security_group_id``, ``direction``, ``ethertype``, ``protocol``,
        ``port_range_min``/``max``, ``remote_ip_prefix`` or ``remote_group_id``); Conflict when
        the same rule exists."""
        return ops.create_resource(self.session, SecurityGroupRule, **attrs)

    def create_security_group_rules(self, data: list[dict[str, Any]]) -> Call[list[SecurityGroupRule]]:
        """Several rules in one request: all are made, or none."""
        return self._bulk(SecurityGroupRule, data)

    def delete_security_group_rule(
        self, rule: SecurityGroupRule | str, ignore_missing: bool = True, if_revision: int | None = None
    ) -> Call[None]:
        """Delete the rule."""
        return self._delete(SecurityGroupRule, rule, ignore_missing, if_revision)

    # -- tags --------------------------------------------------------------------------------

    def set_tags(self, resource: N, tags: list[str]) -> Call[N]:
        """Replace the resource's tags; returns it with the new ones."""
        url = type(resource).item_path(value_id(resource), {}) + "/tags"
        body = yield from self.session.json(SERVICE, "PUT", url, json_body={"tags": list(tags)})
        resource.tags = list((body or {}).get("tags", tags))
        resource._wire["tags"] = list(resource.tags)
        return resource

    def add_tag(self, resource: NetworkResource, tag: str) -> Call[None]:
        """Add one tag to the resource."""
        url = type(resource).item_path(value_id(resource), {}) + f"/tags/{tag}"
        yield from self.session.request(SERVICE, "PUT", url)

    def remove_tag(self, resource: NetworkResource, tag: str) -> Call[None]:
        """Remove one tag from the resource (NotFound when it has no such tag)."""
        url = type(resource).item_path(value_id(resource), {}) + f"/tags/{tag}"
        yield from self.session.request(SERVICE, "DELETE", url)

    # -- quotas ------------------------------------------------------------------------------

    def quotas(self, /, **query: Any) -> Listing[Quota]:
        """The projects with limits of their own, and all their limits (administrators)."""
        return ops.list_resources(self.session, Quota, **query)

    def get_quota(self, project: Resource | str) -> Call[Quota]:
        """The project's limits."""
        return self._quota(Quota, project, "")

    def get_quota_details(self, project: Resource | str) -> Call[QuotaDetails]:
        """The project's limits with their use (``{"limit", "used", "reserved"}`` each)."""
        return self._quota(QuotaDetails, project, "/details")

    def get_quota_default(self, project: Resource | str) -> Call[Quota]:
        """The limits a project gets by default."""
        return self._quota(Quota, project, "/default")

    def _quota(self, cls: type[R], project: Resource | str, suffix: str) -> Call[R]:
        project_id = value_id(project)
        body = yield from self.session.json(SERVICE, "GET", f"/quotas/{project_id}{suffix}")
        return cls.from_wire({**unwrap(cls, body), "project_id": project_id})

    def update_quota(self, quota: Quota | Resource | str, /, **attrs: Any) -> Call[Quota]:
        """Set some of the project's limits (by Python or wire names: ``networks=`` or
        ``network=``); administrators only. ``check_limit=True`` refuses a limit below use."""
        project_id = value_id(quota)
        wanted = Quota.new(**attrs).create_body()
        body = yield from self.session.json(
            SERVICE, "PUT", f"/quotas/{project_id}", json_body={"quota": wanted}
        )
        return Quota.from_wire({**unwrap(Quota, body), "project_id": project_id})

    def delete_quota(self, quota: Quota | Resource | str, ignore_missing: bool = True) -> Call[None]:
        """Reset the project's limits to the defaults."""
        try:
            yield from self.session.request(SERVICE, "DELETE", f"/quotas/{value_id(quota)}")
        except NotFound:
            if not ignore_missing:
                raise

    # -- extensions --------------------------------------------------------------------------

    def extensions(self) -> Listing[Extension]:
        """The API extensions the server offers."""
        return ops.list_resources(self.session, Extension)

    def get_extension(self, extension: Extension | str) -> Call[Extension]:
        """The extension of this alias (raises NotFound)."""
        return ops.get_resource(self.session, Extension, extension)

    def find_extension(self, name_or_id: str, ignore_missing: bool = True) -> Call[Extension | None]:
        """The extension of this alias or name."""
        return ops.find_resource(self.session, Extension, name_or_id, ignore_missing=ignore_missing)

    # -- waits -------------------------------------------------------------------------------

    def wait_for_status(
        self,
        res: N,
        status: str,
        failures: list[str] | None = None,
        interval: float = 2.0,
        wait: float | None = None,
        attribute: str = "status",
    ) -> Call[N]:
        """Poll until the resource's ``attribute`` is ``status`` (ResourceFailure on one of
        ``failures``, default ERROR; Timeout after ``wait`` seconds, default 120)."""
        return ops.wait_for_status(
            self.session,
            res,
            status,
            failures=tuple(failures) if failures is not None else ("ERROR",),
            interval=interval,
            wait=120.0 if wait is None else wait,
            attribute=attribute,
        )

    def wait_for_delete(self, res: N, interval: float = 2.0, wait: float = 120.0) -> Call[N]:
        """Poll until the resource is gone (Timeout after ``wait`` seconds)."""
        return ops.wait_for_delete(self.session, res, interval=interval, wait=wait)
