"""Compute v2.1's network proxies over Neutron: ``os-networks`` (the networks the caller sees),
``os-floating-ip-pools`` (the external networks) and ``os-floating-ips`` (the project's
floating IPs, allocated from a pool named by network name or id).

As in Nova every call goes to the network services with the caller's context, and Neutron's
errors become Nova's: an exhausted pool is a 404, a full quota a 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from pocketstack.core.compute.proxy_support import is_uuid_like
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from pocketstack.core.network.base import Item
from pocketstack.core.network.listing import ListQuery
from pocketstack.core.network.services import NetworkServices


@dataclass(frozen=True)
class ProxyNetwork:
    id: str
    label: str


@dataclass(frozen=True)
class ProxyFloatingIp:
    """A floating IP as Nova shows it: its pool is its network's name (or id, unnamed), its
    instance the device of the port it points at."""

    id: str
    address: str
    fixed_address: str | None
    pool: str
    instance_id: str | None


def network_not_found() -> NotFound:
    return NotFound("network", "", code="compute.network.not_found", message="Network not found")


def floating_ip_not_found(ident: str) -> NotFound:
    return NotFound(
        "floating IP",
        ident,
        code="compute.floating_ip.not_found",
        message=f"Floating IP not found for ID {ident}",
    )


def pool_not_found() -> NotFound:
    return NotFound(
        "floating IP pool",
        "",
        code="compute.floating_ip_pool.not_found",
        message="Floating IP pool not found.",
    )


def _no_more(pool: str | None) -> NotFound:
    where = f"in pool {pool}" if pool else "available"
    return NotFound(
        "floating IP", "", code="compute.floating_ip.none_left", message=f"No more floating IPs {where}."
    )


def _over_quota(pool: str | None) -> Forbidden:
    where = f" in pool {pool}" if pool else ""
    return Forbidden(f"IP allocation over quota{where}.", code="compute.floating_ip.over_quota")


class NetworkProxy:
    def __init__(self, network: NetworkServices) -> None:
        self.networks = network.networks
        self.floating_ips = network.floating_ips

    # -- networks and pools ------------------------------------------------------------------
    def networks_list(self, ctx: RequestContext) -> list[ProxyNetwork]:
        return [ProxyNetwork(i.row.id, i.row.name) for i in self.networks.list(ctx, ListQuery())]

    def network(self, ctx: RequestContext, ident: str) -> ProxyNetwork:
        try:
            row = self.networks.get(ctx, ident).row
        except NotFound:
            raise network_not_found() from None
        return ProxyNetwork(row.id, row.name)

    def pools(self, ctx: RequestContext) -> list[str]:
        """The external networks the caller sees, by name (or id, when unnamed)."""
        external = self.networks.list(ctx, ListQuery(filters={"external": [True]}))
        return [i.row.name or i.row.id for i in external]

    def pool_id(self, ctx: RequestContext, pool: str | None) -> str:
        """The external network named or numbered ``pool``. COMPAT: without a pool Nova takes
        its ``[neutron] default_floating_pool`` option; pocketstack has none and takes the
        default external network (Neutron's ``is_default``, the ``public`` network made at the
        first start). NotFound; 409 when several networks have the name."""
        filters: dict[str, list[object]] = {"external": [True]}
        if not pool:
            filters["is_default"] = [True]
        else:
            filters["id" if is_uuid_like(pool) else "name"] = [pool]
        found = self.networks.list(ctx, ListQuery(filters=filters))
        if not found:
            raise pool_not_found()
        if len(found) > 1:
            raise Conflict(
                f"Multiple floating IP pools matches found for name '{pool}'",
                code="compute.floating_ip_pool.no_unique_match",
            )
        return found[0].row.id

    # -- floating IPs ------------------------------------------------------------------------
    def _shown(self, ctx: RequestContext, items: list[Item]) -> list[ProxyFloatingIp]:
        ids = sorted({i.row.floating_network_id for i in items})
        names = {}
        if ids:
            names = {n.row.id: n.row.name for n in self.networks.list(ctx, ListQuery(filters={"id": ids}))}
        result = []
        for item in items:
            row, details = item.row, item.extra.get("port_details") or {}
            result.append(
                ProxyFloatingIp(
                    id=row.id,
                    address=row.floating_ip_address,
                    fixed_address=row.fixed_ip_address,
                    pool=names.get(row.floating_network_id) or row.floating_network_id,
                    instance_id=details.get("device_id") or None,
                )
            )
        return result

    def floating_ips_list(self, ctx: RequestContext) -> list[ProxyFloatingIp]:
        """The floating IPs of the caller's project."""
        items = self.floating_ips.list(ctx, ListQuery(filters={"project_id": [ctx.project_id]}))
        return self._shown(ctx, items)

    def floating_ip(self, ctx: RequestContext, ident: str) -> ProxyFloatingIp:
        return self._shown(ctx, [self._get(ctx, ident)])[0]

    def _get(self, ctx: RequestContext, ident: str) -> Item:
        try:
            return self.floating_ips.get(ctx, ident)
        except NotFound:
            raise floating_ip_not_found(ident) from None

    def allocate(self, ctx: RequestContext, pool: str | None) -> ProxyFloatingIp:
        """A new floating IP of the caller's project from ``pool``. NotFound for the pool or
        when it has no address left; 403 over quota; 400 for what the network refuses."""
        network_id = self.pool_id(ctx, pool)
        try:
            item = self.floating_ips.create(ctx, {"floating_network_id": network_id})
        except Conflict as exc:
            if exc.code == "network.quota.over":
                raise _over_quota(pool) from None
            if exc.code == "network.ip.generation_failure":
                raise _no_more(pool) from None
            raise
        except BadRequest as exc:
            raise BadRequest(exc.message, code="compute.floating_ip.bad_request") from None
        return self._shown(ctx, [item])[0]

    def release(self, ctx: RequestContext, ident: str) -> None:
        """Delete a floating IP, associated or not. NotFound."""
        item = self._get(ctx, ident)
        try:
            self.floating_ips.delete(ctx, item.row.id)
        except NotFound:
            raise NotFound(
                "floating IP",
                ident,
                code="compute.floating_ip.not_found",
                message=f"Floating IP not found for address {item.row.floating_ip_address}.",
            ) from None

    def by_address(self, ctx: RequestContext, address: str) -> Item | None:
        """The floating IP of this address the caller sees (None when there is none); 409
        when there are several (Nova's FloatingIpMultipleFoundForAddress)."""
        found = self.floating_ips.list(ctx, ListQuery(filters={"floating_ip_address": [address]}))
        if len(found) > 1:
            raise Conflict(
                f"Multiple floating IPs are found for address {address}.",
                code="compute.floating_ip.ambiguous",
            )
        return found[0] if found else None
