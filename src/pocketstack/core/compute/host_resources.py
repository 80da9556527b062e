"""What Nova's ``os-hosts`` show reports of one compute host: its capacity, what is in use now
(with the host's reservations), the most its servers may use, and that per project."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pocketstack.core.errors import NotFound
from pocketstack.core.placement.hosts import HostService
from pocketstack.store.compute_models import Host, Server
from pocketstack.store.db import Database


@dataclass(frozen=True)
class Resources:
    """One line of the report: ``project`` is ``(total)``, ``(used_now)``, ``(used_max)`` or a
    project id."""

    project: str
    cpu: int
    memory_mb: int
    disk_gb: int


def host_report(db: Database, hosts: HostService, host_name: str) -> list[Resources]:
    """The report of the compute host named ``host_name``; NotFound (Nova's words) otherwise."""
    with db.read() as s:
        host = s.scalar(select(Host).where(Host.name == host_name))
        if host is None:
            raise NotFound("host", host_name, message=f"Compute host {host_name} could not be found.")
        flavors = s.execute(
            select(Server.project_id, Server.flavor)
            .where(Server.host == host_name, Server.deleted.is_(False))
            .order_by(Server.created_at, Server.id)
        ).all()
        host_id = host.id
    record = hosts.get(host_id)
    per_project: dict[str, list[int]] = {}
    for project_id, flavor in flavors:
        sums = per_project.setdefault(project_id or "", [0, 0, 0])
        sums[0] += int(flavor.get("vcpus", 0))
        sums[1] += int(flavor.get("ram", 0))
        sums[2] += int(flavor.get("disk", 0)) + int(flavor.get("ephemeral", 0))
    most = [sum(v[i] for v in per_project.values()) for i in range(3)]
    return [
        Resources("(total)", record.host.vcpus, record.host.memory_mb, record.host.disk_gb),
        Resources("(used_now)", record.vcpus_used, record.memory_mb_used, record.disk_gb_used),
        Resources("(used_max)", *most),
        *(Resources(project, *sums) for project, sums in per_project.items()),
    ]
