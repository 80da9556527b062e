"""Structured logs: one key=value line per event. Bodies, headers and query strings are never
logged, so passwords, tokens and keys cannot reach a log."""

from __future__ import annotations

import logging

LOG = logging.getLogger("pocketstack")
ACCESS = logging.getLogger("pocketstack.access")


def configure(level: str = "info") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s pid=%(process)d %(message)s",
    )


def kv(**fields: object) -> str:
    return " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
