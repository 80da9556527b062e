"""What a compound operation made, undone in reverse order when a later step fails."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pocketstack.sdk.plan import Call

log = logging.getLogger("pocketstack.sdk.cloud")


class Undo:
    def __init__(self) -> None:
        self._steps: list[tuple[str, Callable[[], Call[Any]]]] = []

    def push(self, what: str, step: Callable[[], Call[Any]]) -> None:
        """Remember how to remove ``what`` (a plan factory, called only on failure)."""
        self._steps.append((what, step))

    def run(self) -> Call[list[str]]:
        """Remove everything remembered, newest first; a removal that fails is logged and the
        rest still run. Returns what could not be removed."""
        left: list[str] = []
        while self._steps:
            what, step = self._steps.pop()
            try:
                yield from step()
            except Exception as exc:  # noqa: BLE001 - cleaning up after another failure
                log.warning("could not remove %s: %s", what, exc)
                left.append(what)
        return left
