"""Image tasks, after Glance: the record of an asynchronous image operation, ``pending`` ->
``processing`` -> ``success`` (``result`` names the image) or ``failure`` (``message`` says
why). Two types: ``import`` (``POST /v2/tasks``, the legacy import from a URL) and
``api_image_import`` (each ``POST /v2/images/{id}/import``). A finished task expires
``TIME_TO_LIVE`` after it ended (Glance's task_time_to_live) and then no longer shows.

Separate from core/tasks (the compute task history): image tasks have Glance's own shape,
lifetime and owner rules.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import NotFound
from pocketstack.core.identity.common import utcnow
from pocketstack.store.db import Database
from pocketstack.store.image_metadef_models import ImageTask

TIME_TO_LIVE = timedelta(hours=48)
STATUSES = ("pending", "processing", "success", "failure")
TYPES = ("import",)


class ImageTaskService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self, ctx: RequestContext, task_type: str, task_input: dict[str, Any], image_id: str | None
    ) -> str:
        now = utcnow()
        task_id = str(uuid.uuid4())
        with self.db.transaction() as s:
            s.add(
                ImageTask(
                    id=task_id,
                    type=task_type,
                    status="pending",
                    owner=ctx.project_id or "",
                    image_id=image_id,
                    request_id=ctx.request_id,
                    user_id=ctx.user_id,
                    input=task_input,
                    result=None,
                    message="",
                    expires_at=None,
                    created_at=now,
                    updated_at=now,
                )
            )
        return task_id

    def start(self, task_id: str, image_id: str | None = None, message: str = "") -> None:
        values: dict[str, Any] = {"status": "processing", "message": message, "updated_at": utcnow()}
        if image_id is not None:
            values["image_id"] = image_id
        with self.db.transaction() as s:
            s.execute(update(ImageTask).where(ImageTask.id == task_id).values(**values))

    def finish(self, task_id: str, ok: bool, message: str = "", result: dict[str, Any] | None = None) -> None:
        now = utcnow()
        with self.db.transaction() as s:
            s.execute(
                update(ImageTask)
                .where(ImageTask.id == task_id)
                .values(
                    status="success" if ok else "failure",
                    message=message,
                    result=result,
                    updated_at=now,
                    expires_at=now + TIME_TO_LIVE,
                )
            )

    @staticmethod
    def _live():  # noqa: ANN205 - a SQL condition
        return or_(ImageTask.expires_at.is_(None), ImageTask.expires_at >= utcnow())

    def get(self, ctx: RequestContext, task_id: str) -> ImageTask:
        with self.db.read() as s:
            task = s.scalar(select(ImageTask).where(ImageTask.id == task_id, self._live()))
        if task is None or not (is_admin(ctx) or task.owner == ctx.project_id):
            raise NotFound("task", task_id, message=f"Task with the given id {task_id} was not found")
        return task

    def list(
        self,
        ctx: RequestContext,
        filters: dict[str, str],
        sort_key: str = "created_at",
        sort_dir: str = "desc",
        limit: int = 25,
        marker: str | None = None,
    ) -> list[ImageTask]:
        with self.db.read() as s:
            stmt = select(ImageTask).where(self._live())
            if not is_admin(ctx):
                stmt = stmt.where(ImageTask.owner == ctx.project_id)
            for key, value in filters.items():
                stmt = stmt.where(getattr(ImageTask, key) == value)
            column = getattr(ImageTask, sort_key)
            ordered = (
                (column.asc(), ImageTask.id.asc())
                if sort_dir == "asc"
                else (column.desc(), ImageTask.id.desc())
            )
            rows = list(s.scalars(stmt.order_by(*ordered)))
        if marker is not None:
            ids = [t.id for t in rows]
            if marker not in ids:
                raise NotFound("task", marker, message=f"Task with the given id {marker} was not found")
            rows = rows[ids.index(marker) + 1 :]
        return rows[:limit]

    def of_image(self, image_id: str) -> list[ImageTask]:
        """The live tasks of an image, oldest first (the caller checked it may see the image)."""
        with self.db.read() as s:
            stmt = select(ImageTask).where(ImageTask.image_id == image_id, self._live())
            return list(s.scalars(stmt.order_by(ImageTask.created_at, ImageTask.id)))
