"""What ``/healthcheck`` checks, as oslo.middleware's healthcheck answers a load balancer: the
database answers, and the data directory's disk has room. Reasons name the failing part only:
no user data, no address or password of the database."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from pocketstack.store.db import Database

MIN_FREE_BYTES = 100 * 1024 * 1024
MIN_FREE_SHARE = 0.01


def problems(db: Database, data_dir: Path) -> list[str]:
    """Why the cloud cannot serve; empty when it can."""
    found = []
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        found.append(f"database unreachable ({type(exc).__name__})")
    usage = shutil.disk_usage(data_dir)
    if usage.free < MIN_FREE_BYTES or usage.free < usage.total * MIN_FREE_SHARE:
        found.append(f"data directory disk nearly full ({usage.free // (1024 * 1024)} MiB free)")
    return found
