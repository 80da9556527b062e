"""What each section of the status page shows, read from the core (sync: run in a thread)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from pocketstack.cloud import Cloud
from pocketstack.core.operator import tasks as optasks
from pocketstack.core.placement.hosts import HostService
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import Server
from pocketstack.store.image_models import Image
from pocketstack.store.models import Project

RECENT_TASKS = 20
MAX_ROWS = 500
TASK_STATES = {tasks.RUNNING: "RUNNING", tasks.SUCCEEDED: "SUCCEEDED", tasks.FAILED: "FAILED"}


def hosts(cloud: Cloud) -> dict[str, Any]:
    rows = [
        {
            "name": r.host.name,
            "enabled": r.host.enabled,
            "vcpus_used": r.vcpus_used,
            "vcpus": r.host.vcpus,
            "memory_used": r.memory_mb_used,
            "memory": r.host.memory_mb,
            "servers": r.servers,
        }
        for r in HostService(cloud.db).list(limit=MAX_ROWS)
    ]
    return {"hosts": rows}


def servers(cloud: Cloud) -> dict[str, Any]:
    with cloud.db.read() as s:
        found = s.execute(
            select(Server, Project.name)
            .outerjoin(Project, Project.id == Server.project_id)
            .where(Server.deleted.is_(False))
            .order_by(Project.name, Server.project_id, Server.vm_state, Server.name, Server.id)
            .limit(MAX_ROWS)
        ).all()
        rows = [
            {
                "name": server.name,
                "id": server.id,
                "project": project_name or server.project_id,
                "state": server.vm_state.upper() + (f" ({server.task_state})" if server.task_state else ""),
                "host": server.host or "",
            }
            for server, project_name in found
        ]
    return {"servers": rows}


def recent_tasks(cloud: Cloud) -> dict[str, Any]:
    with cloud.db.read() as s:
        found = optasks.page(s, optasks.TaskFilter(), RECENT_TASKS)
        rows = [
            {
                "action": t.action,
                "state": TASK_STATES.get(t.status, t.status.upper()),
                "server": t.server_id or "",
                "created_at": _time(t.created_at),
                "finished_at": _time(t.finished_at),
            }
            for t in found
        ]
    return {"tasks": rows}


def images(cloud: Cloud) -> dict[str, Any]:
    with cloud.db.read() as s:
        found = s.scalars(
            select(Image)
            .where(Image.status != "deleted")
            .order_by(Image.created_at, Image.id)
            .limit(MAX_ROWS)
        ).all()
        rows = [{"name": i.name or "", "id": i.id, "status": i.status, "size": i.size} for i in found]
    return {"images": rows}


def faults(cloud: Cloud) -> dict[str, Any]:
    return {"faults": cloud.faults.get()}


def _time(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


SECTIONS: dict[str, Callable[[Cloud], dict[str, Any]]] = {
    "hosts": hosts,
    "servers": servers,
    "tasks": recent_tasks,
    "images": images,
    "faults": faults,
}
