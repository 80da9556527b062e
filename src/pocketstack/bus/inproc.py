"""The all-in-one bus: tasks run on a pool of worker threads in this process, and periodic
jobs (build timeouts, reclaiming soft-deleted servers) on one timer thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

LOG = logging.getLogger("pocketstack.bus")


class InProcessBus:
    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="task")
        self._handler: Callable[[str], None] | None = None
        self._stop = threading.Event()
        self._timers: list[threading.Thread] = []

    def subscribe(self, handler: Callable[[str], None]) -> None:
        self._handler = handler

    def publish(self, task_id: str) -> None:
        if self._handler is None:
            raise RuntimeError("no task handler subscribed")
        self._pool.submit(self._run, self._handler, task_id)

    @staticmethod
    def _run(handler: Callable[[str], None], task_id: str) -> None:
        try:
            handler(task_id)
        except Exception:
            LOG.exception("event=task_crashed task_id=%s", task_id)

    def every(self, seconds: float, job: Callable[[], None]) -> None:
        """Run ``job`` every ``seconds`` on a daemon thread until close()."""

        def loop() -> None:
            while not self._stop.wait(seconds):
                try:
                    job()
                except Exception:
                    LOG.exception("event=periodic_job_failed job=%s", getattr(job, "__name__", job))

        timer = threading.Thread(target=loop, name="periodic", daemon=True)
        timer.start()
        self._timers.append(timer)

    def close(self) -> None:
        """Stop the periodic jobs and the workers, waiting for what runs now to finish."""
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        for timer in self._timers:
            timer.join()
