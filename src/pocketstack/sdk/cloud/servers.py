"""'Give me a server': every call a working server needs, undone if one fails."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pocketstack.sdk.cloud.undo import Undo
from pocketstack.sdk.exceptions import MultipleMatches, NotFound, SDKError, Timeout
from pocketstack.sdk.plan import Call, Parallel, Sleep, collect

if TYPE_CHECKING:
    from pocketstack.sdk.cloud.plans import ServicesPlans
    from pocketstack.sdk.compute.v2_1.resources import Server
    from pocketstack.sdk.network.v2.l3 import FloatingIP
    from pocketstack.sdk.network.v2.resources import Network

AUTO_CIDR = "10.0.0.0/24"


class BulkFailure(SDKError):
    """Some servers of a bulk create failed; ``servers`` holds those made, ``errors`` the rest."""

    def __init__(self, servers: list[Server], errors: list[BaseException]) -> None:
        super().__init__(f"{len(errors)} of {len(servers) + len(errors)} servers failed; first: {errors[0]}")
        self.servers = servers
        self.errors = errors


def _not_found(what: str, name: str) -> NotFound:
    return NotFound(f"no {what} named or with id {name!r}", status_code=404, method="GET", url=what)


def _no_floating_ip(what: str) -> NotFound:
    return NotFound(f"no {what} for a floating IP", status_code=404, method="GET", url="network")


def _external(s: ServicesPlans) -> Call[Network]:
    externals = yield from collect(s.network.networks(is_router_external=True))
    if not externals:
        raise _not_found("external network", "router:external")
    return externals[0]


def _auto_network(s: ServicesPlans, name: str, undo: Undo) -> Call[Network]:
    """The project's one network of its own, or a new one routed to the external network."""
    state = yield from s.session.authenticator.state()
    own = [
        n
        for n in (yield from collect(s.network.networks(project_id=state.project_id)))
        if not n.is_router_external and not n.is_shared
    ]
    if len(own) > 1:
        names = ", ".join(str(n.name) for n in own)
        raise MultipleMatches(f"the project has {len(own)} networks ({names}): name one with network=")
    if own:
        return own[0]
    public = yield from _external(s)
    net = yield from s.network.create_network(name=f"{name}-net")
    undo.push(f"network {net.id}", lambda: s.network.delete_network(net))
    subnet = yield from s.network.create_subnet(
        name=f"{name}-subnet", network_id=net.id, ip_version=4, cidr=AUTO_CIDR
    )
    router = yield from s.network.create_router(
        name=f"{name}-router", external_gateway_info={"network_id": public.id}
    )
    undo.push(f"router {router.id}", lambda: s.network.delete_router(router))
    yield from s.network.add_interface_to_router(router, subnet_id=subnet.id)
    undo.push(
        f"router interface {subnet.id}",
        lambda: s.network.remove_interface_from_router(router, subnet_id=subnet.id),
    )
    return net


def _network(s: ServicesPlans, choice: str, name: str, undo: Undo) -> Call[Network]:
    if choice == "auto":
        return (yield from _auto_network(s, name, undo))
    found = yield from s.network.find_network(choice)
    if found is None:
        raise _not_found("network", choice)
    return found


def attach_floating_ip(s: ServicesPlans, server_id: str, undo: Undo | None = None) -> Call[FloatingIP]:
    """A new floating IP on the external network, on the first port of the server ``server_id``
    (a Compute v2.1 or vNext server); ``undo``, when given, learns to release it again.

    Raises NotFound when the server has no port or the cloud no external network."""
    ports = yield from collect(s.network.ports(device_id=server_id))
    if not ports:
        raise _no_floating_ip("port of the server")
    externals = yield from collect(s.network.networks(is_router_external=True))
    if not externals:
        raise _no_floating_ip("external network")
    ip = yield from s.network.create_ip(floating_network_id=externals[0].id, port_id=ports[0].id)
    if undo is not None:
        undo.push(f"floating IP {ip.floating_ip_address}", lambda: s.network.delete_ip(ip))
    return ip


def _until_address(s: ServicesPlans, server: Server, address: str, timeout: float) -> Call[Server]:
    """The server, read again until its addresses show ``address`` (Timeout after ``timeout``)."""
    waited = 0.0
    while True:
        fresh = yield from s.compute.get_server(server)
        shown = {a.get("addr") for net in (fresh.addresses or {}).values() for a in net}
        if address in shown:
            return fresh
        if waited >= timeout:
            raise Timeout(f"server {server.id} does not show {address} after {timeout} s")
        yield Sleep(0.5)
        waited += 0.5


def create_server(
    s: ServicesPlans,
    /,
    name: str,
    image: str,
    flavor: str,
    *,
    network: str | None = "auto",
    floating_ip: bool = True,
    security_groups: Sequence[str] = (),
    key: str | None = None,
    wait: bool = True,
    timeout: float = 300.0,
    **attrs: Any,
) -> Call[Server]:
    """A server built from an image and flavor (names or ids) on a network (a name or id;
    ``"auto"``: the project's own network, made and routed to the external network if it has
    none; None: no network), with a floating IP on the external network shown in its addresses,
    the security groups and keypair named. With ``wait`` (implied by ``floating_ip``) it returns
    once ACTIVE.

    If any step fails, everything this call made (server, floating IP, network, subnet, router)
    is removed before the error is raised again: NotFound for a missing image, flavor or network;
    OverLimit when a quota is reached; ResourceFailure when the server goes to ERROR; Timeout."""
    undo = Undo()
    try:
        found_image = yield from s.image.find_image(image)
        if found_image is None:
            raise _not_found("image", image)
        found_flavor = yield from s.compute.find_flavor(flavor)
        if found_flavor is None:
            raise _not_found("flavor", flavor)
        networks: Any = "none"
        if network is not None:
            net = yield from _network(s, network, name, undo)
            networks = [{"uuid": net.id}]
        spec: dict[str, Any] = {
            "name": name,
            "image_id": found_image.id,
            "flavor_id": found_flavor.id,
            "networks": networks,
            **attrs,
        }
        if key is not None:
            spec["key_name"] = key
        if security_groups:
            spec["security_groups"] = [{"name": g} for g in security_groups]
        server = yield from s.compute.create_server(**spec)
        undo.push(f"server {server.id}", lambda: _delete_server(s, server, timeout))
        if wait or floating_ip:
            server = yield from s.compute.wait_for_server(server, wait=timeout)
        if floating_ip and network is not None:
            ip = yield from attach_floating_ip(s, str(server.id), undo)
            address = str(ip.floating_ip_address)
            server = yield from _until_address(s, server, address, timeout)
    except BaseException:
        yield from undo.run()
        raise
    return server


def _delete_server(s: ServicesPlans, server: Server, timeout: float) -> Call[None]:
    yield from s.compute.delete_server(server)
    yield from s.compute.wait_for_delete(server, wait=timeout)


def create_servers(
    s: ServicesPlans, requests: Sequence[dict[str, Any]], concurrency: int = 8
) -> Call[list[Server]]:
    """Several servers at once, at most ``concurrency`` at a time; each request holds
    :func:`create_server`'s arguments. Raises BulkFailure (holding the servers made) if any
    failed; each failure has already cleaned up after itself."""
    results = yield Parallel([create_server(s, **r) for r in requests], limit=concurrency)
    servers = [r for r in results if not isinstance(r, BaseException)]
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise BulkFailure(servers, errors)
    return servers
