"""Structured logs: one key=value line per event. Bodies, headers and query strings are never
logged, so passwords, tokens and keys cannot reach a log."""

from __future__ import annotations

import logging
import time

LOG = logging.getLogger("pocketstack")
ACCESS = logging.getLogger("pocketstack.access")
FORMAT = "%(asctime)s %(levelname)s %(name)s pid=%(process)d %(message)s"


class _Formatter(logging.Formatter):
    """The standard format, its date and time text made once a second rather than on every
    line: there is an access line for every request."""

    _last: tuple[int, str] = (-1, "")  # one attribute, so that threads never see a torn pair

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        second = int(record.created)
        last = self._last
        if last[0] != second:
            last = self._last = (second, time.strftime(self.default_time_format, self.converter(second)))
        return self.default_msec_format % (last[1], record.msecs)


def configure(level: str = "info") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(_Formatter(FORMAT))
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), handlers=[handler])
    # The format shows none of a record's thread, multiprocessing name or source line: not
    # gathering them halves the cost of a record (the logging HOWTO's "Optimization").
    logging.logThreads = False
    logging.logMultiprocessing = False
    logging._srcfile = None


def kv(**fields: object) -> str:
    return " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)


def log_access(
    request_id: str, method: str, path: str, status: int, elapsed: float, user: str | None
) -> None:
    """The access line of one answered request (every front end's router writes the same)."""
    ACCESS.info(
        kv(
            request_id=request_id,
            method=method,
            path=path,
            status=status,
            ms=f"{elapsed * 1000:.1f}",
            user=user,
        )
    )
