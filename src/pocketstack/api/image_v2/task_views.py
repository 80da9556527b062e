"""Image task bodies: Glance's task document (``/v2/tasks``), its list stub, and the database
record form ``GET /v2/images/{id}/tasks`` answers with."""

from __future__ import annotations

from typing import Any

from pocketstack.api.common.responses import isotime
from pocketstack.store.image_metadef_models import ImageTask


def task_stub(t: ImageTask) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": t.id,
        "type": t.type,
        "status": t.status,
        "owner": t.owner,
        "created_at": isotime(t.created_at, micros=False),
        "updated_at": isotime(t.updated_at, micros=False),
        "self": f"/v2/tasks/{t.id}",
        "schema": "/v2/schemas/task",
    }
    if t.expires_at:
        body["expires_at"] = isotime(t.expires_at, micros=False)
    return body


def task(t: ImageTask) -> dict[str, Any]:
    body = task_stub(t)
    body.update(input=t.input, result=t.result, message=t.message)
    for key in ("image_id", "request_id", "user_id"):
        if getattr(t, key):
            body[key] = getattr(t, key)
    return body


def _stamp(value: Any) -> str | None:
    return None if value is None else value.isoformat(timespec="microseconds")


def image_task(t: ImageTask) -> dict[str, Any]:
    return {
        "id": t.id,
        "type": t.type,
        "status": t.status,
        "owner": t.owner,
        "expires_at": _stamp(t.expires_at),
        "created_at": _stamp(t.created_at),
        "updated_at": _stamp(t.updated_at),
        "deleted_at": None,
        "deleted": False,
        "image_id": t.image_id,
        "request_id": t.request_id,
        "user_id": t.user_id,
        "input": t.input,
        "result": t.result,
        "message": t.message,
    }
