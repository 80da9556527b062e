"""'Empty this project': every resource a project owns, removed in dependency order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pocketstack.sdk.plan import Call, all_of, collect

if TYPE_CHECKING:
    from pocketstack.sdk.cloud.plans import ServicesPlans

ROUTER_INTERFACE_OWNERS = ("network:router_interface", "network:router_interface_distributed")


def delete_project_resources(
    s: ServicesPlans, project: str, dry_run: bool = False, concurrency: int = 8
) -> Call[dict[str, list[str]]]:
    """Remove the servers (and the ports Nova made for them), floating IPs, routers (their
    interfaces first), other ports, networks, security groups (but ``default``), images and,
    when the session is scoped to that project, object containers with their objects, of
    ``project`` (an id; admin credentials needed for another project). Returns the ids removed
    (with ``dry_run``: those that would be), by kind."""
    found: dict[str, list[str]] = {}
    net = s.network

    servers = yield from collect(s.compute.servers(all_projects=True, project_id=project))
    servers = [v for v in servers if v.project_id == project]
    found["servers"] = [str(v.id) for v in servers]
    if not dry_run:
        yield from all_of([_server_gone(s, v) for v in servers], concurrency)

    ips = yield from collect(net.ips(project_id=project))
    found["floating_ips"] = [str(i.id) for i in ips]
    if not dry_run:
        yield from all_of([net.delete_ip(i) for i in ips], concurrency)

    routers = yield from collect(net.routers(project_id=project))
    found["routers"] = [str(r.id) for r in routers]
    if not dry_run:
        for router in routers:
            for port in (yield from collect(net.ports(device_id=router.id))):
                if port.device_owner in ROUTER_INTERFACE_OWNERS:
                    yield from net.remove_interface_from_router(router, port_id=port.id)
            yield from net.delete_router(router)

    ports = yield from collect(net.ports(project_id=project))
    gone_with_servers = set(found["servers"])
    ports = [
        p
        for p in ports
        if not str(p.device_owner or "").startswith("network:") and p.device_id not in gone_with_servers
    ]
    found["ports"] = [str(p.id) for p in ports]
    if not dry_run:
        yield from all_of([net.delete_port(p) for p in ports], concurrency)

    networks = yield from collect(net.networks(project_id=project))
    found["networks"] = [str(n.id) for n in networks]
    if not dry_run:
        for network in networks:
            yield from net.delete_network(network)

    groups = yield from collect(net.security_groups(project_id=project))
    groups = [g for g in groups if g.name != "default"]
    found["security_groups"] = [str(g.id) for g in groups]
    if not dry_run:
        yield from all_of([net.delete_security_group(g) for g in groups], concurrency)

    images = yield from collect(s.image.images(owner=project))
    found["images"] = [str(i.id) for i in images]
    if not dry_run:
        yield from all_of([s.image.delete_image(i) for i in images], concurrency)

    state = yield from s.session.authenticator.state()
    found["containers"] = []
    if state.project_id == project:
        containers = yield from collect(s.object_store.containers())
        found["containers"] = [str(c.name) for c in containers]
        if not dry_run:
            for container in containers:
                objects = yield from collect(s.object_store.objects(container))
                yield from all_of([s.object_store.delete_object(o, container) for o in objects], concurrency)
                yield from s.object_store.delete_container(container)
    return found


def _server_gone(s: ServicesPlans, server: Any) -> Call[None]:
    yield from s.compute.delete_server(server)
    yield from s.compute.wait_for_delete(server)
