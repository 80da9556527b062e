"""Fault injection for people who test their clients against the fake driver.

Per server, through metadata given at create time (the keys are taken out of the metadata):
``pocketstack:fail_build`` (any true value), ``pocketstack:build_delay`` (seconds to stay in
BUILD), ``pocketstack:fail_next_action``, ``pocketstack:crash`` (the server comes up, then its
power state is CRASHED). Globally, by an admin, through ``/os-pocketstack-faults``: counts of
builds and actions to fail, builds to crash, and a build delay for every new server.
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest
from pocketstack.store.db import Database
from pocketstack.store.models import Meta

PREFIX = "pocketstack:"
SERVER_KEYS = {"fail_build": "bool", "build_delay": "seconds", "fail_next_action": "bool", "crash": "bool"}
GLOBAL_KEYS = {
    "fail_builds": "count",
    "fail_actions": "count",
    "crash_builds": "count",
    "build_delay": "seconds",
}
_META_KEY = "compute.fault_injection"
# A day: a longer delay outlives any build timeout, and a huge one would break the sleep.
MAX_BUILD_DELAY = 86400.0
MAX_COUNT = 2**31 - 1


def _value(key: str, kind: str, raw: Any) -> Any:
    if kind == "bool":
        return str(raw).strip().lower() in ("1", "true", "yes", "on")
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"Fault injection '{key}' must be a number, got {raw!r}.") from None
    if kind == "count":
        if not (math.isfinite(number) and number == int(number) and 0 <= number <= MAX_COUNT):
            raise BadRequest(f"Fault injection '{key}' must be a whole number from 0 to {MAX_COUNT}.")
        return int(number)
    if not (math.isfinite(number) and 0 <= number <= MAX_BUILD_DELAY):
        raise BadRequest(
            f"Fault injection '{key}' must be a number of seconds from 0 to {MAX_BUILD_DELAY:g}."
        )
    return number


def split_metadata(metadata: dict[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    """(the metadata to keep, the faults it asked for); 400 for an unknown ``pocketstack:`` key."""
    kept, faults = {}, {}
    for key, value in metadata.items():
        if not key.startswith(PREFIX):
            kept[key] = value
            continue
        name = key[len(PREFIX) :]
        if name not in SERVER_KEYS:
            raise BadRequest(
                f"Unknown fault injection key {key!r}; known: {', '.join(PREFIX + k for k in SERVER_KEYS)}."
            )
        faults[name] = _value(key, SERVER_KEYS[name], value)
    return kept, faults


@cache
def _settings_stmt() -> Select[Any]:
    return select(Meta.value).where(Meta.key == _META_KEY)


class FaultInjection:
    """The global settings, kept in the ``meta`` table so every worker and restart sees them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self) -> dict[str, Any]:
        with self.db.read() as s:
            return self.load(s)

    @staticmethod
    def load(s: Session) -> dict[str, Any]:
        """The global settings, read in ``s`` (every build reads them)."""
        stored = s.connection().execute(_settings_stmt()).scalar()
        values = json.loads(stored) if stored else {}
        return {k: values.get(k, 0) for k in GLOBAL_KEYS}

    def set(self, values: dict[str, Any]) -> dict[str, Any]:
        unknown = set(values) - set(GLOBAL_KEYS)
        if unknown:
            raise BadRequest(f"Unknown fault injection settings: {', '.join(sorted(unknown))}.")
        with self.db.transaction() as s:
            current = self.load(s)
            current.update({k: _value(k, GLOBAL_KEYS[k], v) for k, v in values.items()})
            self._store(s, current)
            return current

    def take(self, s: Session, key: str) -> bool:
        """Use up one of a count (inside the caller's transaction); True when one was left."""
        current = self.load(s)
        if current.get(key, 0) <= 0:
            return False
        current[key] -= 1
        self._store(s, current)
        return True

    def build_delay(self) -> float:
        return float(self.get().get("build_delay", 0))

    @staticmethod
    def _store(s: Session, values: dict[str, Any]) -> None:
        row = s.get(Meta, _META_KEY)
        if row is None:
            s.add(Meta(key=_META_KEY, value=json.dumps(values)))
        else:
            row.value = json.dumps(values)
