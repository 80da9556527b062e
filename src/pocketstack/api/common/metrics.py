"""Prometheus metrics: the counters the API and the core move, and ``GET /metrics``.

prometheus_client takes some 60 ms to import, so nothing here imports it at module level: the
metrics are made when the first service's routes are built (``setup``), in a worker already
serving. ``pocketstack up`` points PROMETHEUS_MULTIPROC_DIR at DATA_DIR/metrics before any
import of it (``use_multiprocess_dir``), so each API process writes its counts to files of its
own there and a scrape answered by any process sums them all; with one process too. Where no
one set it (a test's in-process app), the counts live in the process's default registry.

No label holds user data: routes are templates, methods outside HTTP's usual ones are
``other``, and the service is the mount's prefix.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.api.common.logs import LOG, kv

if TYPE_CHECKING:
    from pocketstack.cloud import Cloud

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LOCK = threading.Lock()
_metrics: _Metrics | None = None


def use_multiprocess_dir(directory: Path) -> None:
    """Start ``directory`` empty and have every prometheus_client imported from now on (this
    process's, its forks') count there. Call before anything imports prometheus_client."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, mode=0o700)
    os.environ[MULTIPROC_ENV] = str(directory)


def forget_process(pid: int) -> None:
    """A worker ended: drop its live gauges' files (its counters stay: totals never go down)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


class _Metrics:
    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        from pocketstack.core.image import data
        from pocketstack.core.placement import scheduler

        self.requests = Counter(
            "pocketstack_http_requests",
            "HTTP requests answered, by service, route template, method and status.",
            ["service", "route", "method", "status"],
        )
        self.duration = Histogram(
            "pocketstack_http_request_duration_seconds",
            "Time to the response's start, by service, route template and method.",
            ["service", "route", "method"],
        )
        decisions = Counter("pocketstack_scheduler_decisions", "Scheduler decisions, by result.", ["result"])
        image_bytes = Counter(
            "pocketstack_image_bytes", "Image data bytes uploaded (in) and downloaded (out).", ["direction"]
        )
        scheduler.DECISIONS = decisions
        data.IMAGE_BYTES = image_bytes


def setup() -> _Metrics:
    """The process's metrics, made on first call."""
    global _metrics
    if _metrics is None:
        with _LOCK:
            if _metrics is None:
                _metrics = _Metrics()
    return _metrics


def _service(root_path: str) -> str:
    return root_path.strip("/") or "root"


class RouteMetrics:
    """Counts the requests one route template answers. The labelled children are kept per
    (mount, method, status), so a request costs a dict lookup, an ``inc`` and an ``observe``."""

    __slots__ = ("_children", "_metrics", "route")

    def __init__(self, route: str) -> None:
        self.route = route
        self._metrics = setup()
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def record(self, root_path: str, method: str, status: int, seconds: float) -> None:
        key = (root_path, method, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = self._make(key)
        children[0].inc()
        children[1].observe(seconds)

    def _make(self, key: tuple[str, str, int]) -> tuple[Any, Any]:
        root_path, method, status = key
        service = _service(root_path)
        method = method if method in _METHODS else "other"
        return (
            self._metrics.requests.labels(service, self.route, method, str(status)),
            self._metrics.duration.labels(service, self.route, method),
        )


class _DatabaseCollector:
    """Tasks by action and result, live servers by vm state: read from the database at scrape
    time, so every process answers the same with nothing shared but the database."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
        from sqlalchemy import func, select
        from sqlalchemy.exc import SQLAlchemyError

        from pocketstack.store.compute_models import Server, Task

        try:
            with self.cloud.db.read() as s:
                tasks = s.execute(
                    select(Task.action, Task.status, func.count()).group_by(Task.action, Task.status)
                ).all()
                servers = s.execute(
                    select(Server.vm_state, func.count())
                    .where(Server.deleted.is_(False))
                    .group_by(Server.vm_state)
                ).all()
        except SQLAlchemyError as exc:
            LOG.warning(kv(event="metrics_database_unreachable", error=type(exc).__name__))
            return
        task_family = CounterMetricFamily(
            "pocketstack_tasks", "Tasks, by action and result.", labels=["action", "result"]
        )
        for action, status, count in tasks:
            task_family.add_metric([action, status], count)
        server_family = GaugeMetricFamily(
            "pocketstack_servers", "Servers not deleted, by vm state.", labels=["vm_state"]
        )
        for vm_state, count in servers:
            server_family.add_metric([vm_state], count)
        yield task_family
        yield server_family


def scrape(cloud: Cloud) -> bytes:
    """The exposition text: this process's counts (every process's in multiprocess mode) and
    the database's figures."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, values

    setup()
    if values.ValueClass is values.MutexValue:
        counted = generate_latest(REGISTRY)
    else:
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        counted = generate_latest(registry)
    database = CollectorRegistry()
    database.register(_DatabaseCollector(cloud))
    return counted + generate_latest(database)


def _content_type() -> str:
    from prometheus_client import exposition

    # Newer prometheus_client versions made LATEST the 1.0.0 format; 0.0.4 is what every
    # Prometheus reads, and what generate_latest writes for names like ours.
    return getattr(exposition, "CONTENT_TYPE_PLAIN_0_0_4", exposition.CONTENT_TYPE_LATEST)


def _refusal(cloud: Cloud, request: Request) -> Response | None:
    """With ``metrics_require_token``: None for a system-scoped admin's token, else 401/403."""
    from sqlalchemy.exc import SQLAlchemyError

    from pocketstack.api.common.responses import json_response
    from pocketstack.api.common.routing import authenticate
    from pocketstack.core.errors import PocketstackError

    try:
        ctx = authenticate(cloud, request)
    except PocketstackError as exc:
        return json_response({"error": {"code": exc.status, "message": exc.message}}, exc.status)
    except SQLAlchemyError:
        message = "The token cannot be checked: the database does not answer."
        return json_response({"error": {"code": 503, "message": message}}, 503)
    if ctx.system_scope != "all" or "admin" not in ctx.roles:
        message = "The metrics are for a system-scoped admin."
        return json_response({"error": {"code": 403, "message": message}}, 403)
    return None


def endpoint(cloud: Cloud) -> Callable[[Request], Awaitable[Response]]:
    async def metrics(request: Request) -> Response:
        if cloud.settings.metrics_require_token:
            refused = await run_in_threadpool(_refusal, cloud, request)
            if refused is not None:
                return refused
        body = await run_in_threadpool(scrape, cloud)
        return Response(body, headers={"Content-Type": _content_type()})

    return metrics
