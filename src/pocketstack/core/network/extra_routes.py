"""A router's extra routes (Neutron's extraroute and extraroute-atomic): each is a destination
CIDR and a nexthop, which must lie on a subnet the router is connected to and must not be one
of the router's own addresses."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from pocketstack.core.network import ipam, l3_ports
from pocketstack.core.network.errors import invalid
from pocketstack.core.network.l3_errors import invalid_routes, routes_exhausted
from pocketstack.store.network_l3_models import Router

MAX_ROUTES = 30  # Neutron's max_routes


def parse(routes: Any) -> list[dict[str, str]]:
    """Routes in canonical form (duplicates refused); null is none."""
    if routes is None:
        return []
    if not isinstance(routes, list):
        raise invalid(f"Invalid data format for hostroute: '{routes}'")
    result = ipam.check_host_routes(routes, None, limit=len(routes))
    for route in result:
        versions = {ipaddress.ip_network(route["destination"]).version}
        versions.add(ipaddress.ip_address(route["nexthop"]).version)
        if len(versions) > 1:
            raise invalid_routes(result, "the nexthop and the destination are of different IP versions")
    return result


def checked(s: Session, router: Router, routes: Any) -> list[dict[str, str]]:
    """The router's new set of routes, checked against what it is connected to."""
    result = parse(routes)
    if len(result) > MAX_ROUTES:
        raise routes_exhausted(router.id, MAX_ROUTES)
    check_connected(s, router, result)
    return result


def check_connected(s: Session, router: Router, routes: Sequence[dict[str, str]]) -> None:
    """400 InvalidRoutes when a nexthop is not on a connected subnet or is the router's own."""
    if not routes:
        return
    cidrs = [ipaddress.ip_network(subnet.cidr) for subnet in l3_ports.connected_subnets(s, router.id)]
    own = l3_ports.router_addresses(s, router.id)
    for route in routes:
        nexthop = ipaddress.ip_address(route["nexthop"])
        if not any(nexthop in cidr for cidr in cidrs):
            raise invalid_routes(routes, "the nexthop is not connected with router")
        if route["nexthop"] in own:
            raise invalid_routes(routes, "the nexthop is used by router")


def added(current: Sequence[dict[str, str]], more: Any) -> list[dict[str, str]]:
    """``current`` with the routes of ``more`` it lacks appended (add_extraroutes)."""
    return [*current, *(r for r in parse(more) if r not in current)]


def removed(current: Sequence[dict[str, str]], less: Any) -> list[dict[str, str]]:
    """``current`` without the routes of ``less`` (remove_extraroutes; absent ones are ignored)."""
    gone = parse(less)
    return [r for r in current if r not in gone]


def needs(routes: Sequence[dict[str, str]], cidr: str) -> bool:
    """Whether a route's nexthop lies in ``cidr`` (that subnet's interface cannot go)."""
    net = ipaddress.ip_network(cidr)
    return any(ipaddress.ip_address(r["nexthop"]) in net for r in routes)
