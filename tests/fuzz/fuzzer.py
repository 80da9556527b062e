"""The fuzz test's engine: each request sent with a time bound and checked, and the world
restored when a fuzzed admin call broke a persona."""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from pocketstack.core.compute.faults import GLOBAL_KEYS
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.fuzz.cases import Request
from tests.fuzz.checks import problems
from tests.fuzz.known import known
from tests.fuzz.world import READER_PASSWORD, Seed, World, build_world, restore, snapshot

REQUEST_TIMEOUT = 10.0  # seconds one request may take before the test calls it a hang
IDLE_TIMEOUT = 5.0  # seconds to wait for the bus's tasks to finish before a digest
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Answer = tuple[httpx.Response | None, BaseException | None]
PERSONA_ROLES = {"reader": "reader", "member": "member", "admin": "admin", "system_admin": "admin"}


class ErrorLog(logging.Handler):
    """Keeps the server's error records (with their tracebacks) of the request under way."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        """Each record with the pocketstack frames of its exception chain (pytest's captured
        log has the full tracebacks)."""
        out = []
        for record in self.records:
            out.append(record.getMessage())
            if record.exc_info and record.exc_info[1] is not None:
                out += _our_frames(record.exc_info[1])
        return "\n".join(out)


def _our_frames(exc: BaseException) -> list[str]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 5:
        chain.append(current)
        current = current.__cause__ or current.__context__
    out = []
    for error in reversed(chain):
        for frame in traceback.extract_tb(error.__traceback__):
            if "/pocketstack/" in frame.filename:
                out.append(
                    f"  {frame.filename.split('/pocketstack/')[-1]}:{frame.lineno} {frame.name}: {frame.line}"
                )
        out.append(f"  {type(error).__name__}: {error}"[:600])
    return out


@dataclass
class Fuzzer:
    root: Path
    world: World
    base: Seed  # the world's seed as the snapshot has it
    requests_sent: int = 0
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    rebuilds: int = 0
    known_met: Counter[str] = field(default_factory=Counter)
    hangs: list[str] = field(default_factory=list)
    log: ErrorLog = field(default_factory=ErrorLog)
    _watch: sqlite3.Connection | None = None
    _digest: tuple[int, dict[str, str]] | None = None
    _sender: Sender | None = None
    _busy: bool = False

    # -- the database as a denied call must leave it --------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        if self._watch is None:
            uri = f"file:{self.world.db_path}?mode=ro"
            self._watch = sqlite3.connect(uri, uri=True, isolation_level=None)
        return self._watch

    def _version(self) -> int:
        """SQLite's data_version: it moves whenever another connection commits."""
        return self._conn().execute("PRAGMA data_version").fetchone()[0]

    def _tables(self) -> dict[str, str]:
        conn = self._conn()
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = {}
        for name in sorted(names):
            rows = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{name}"'))
            out[name] = "\n".join(rows)
        return out

    def _baseline(self) -> tuple[int, dict[str, str]]:
        version = self._version()
        if self._digest is None or self._digest[0] != version:
            self._digest = (version, self._tables())
        return self._digest

    # -- one request ----------------------------------------------------------------------------
    def send(self, req: Request) -> Answer:
        """The answer (or what the client raised); (None, None) when none came in time."""
        if self._sender is None:
            self._sender = Sender(self.world.client)
        answer = self._sender.send(req)
        if answer is None:  # hung: leave that thread and world behind, take a new one
            self._abandon_world()
            return None, None
        return answer

    def check(self, req: Request) -> None:
        """Send ``req`` and fail, with a report that makes it again, on what is wrong with the
        answer (unless known.py lists it as an open finding)."""
        world = self.world
        # Tasks still running (a build told to take its time) would change the tables under
        # the check: wait for them, but only once while they go on.
        idle = world.pool.wait_idle(0 if self._busy else IDLE_TIMEOUT)
        self._busy = not idle
        version, before = self._baseline() if idle else (-1, {})
        submitted = world.pool.submitted
        self.log.records.clear()
        resp, exc = self.send(req)
        self.requests_sent += 1
        found: list[str] = []
        if exc is not None:
            found.append(f"the request raised {type(exc).__name__}: {exc}")
        elif resp is None:
            found.append(f"no answer within {REQUEST_TIMEOUT} s (a hang)")
            self.hangs.append(req.describe(self.world.tokens))
        else:
            self.statuses[(req.service, resp.status_code)] += 1
            found += problems(req.service, req.method, resp)
            if resp.status_code in (401, 403) and idle:
                found += self._unchanged(version, before, submitted)
        if found:
            report = self._report(req, resp, found)
            entry = known(req.route, report)
            if entry is None:
                raise AssertionError(report)
            self.known_met[entry.finding] += 1
        self._repair(req)

    def _unchanged(self, version: int, before: dict[str, str], submitted: int) -> list[str]:
        world = self.world
        found = []
        if world.pool.submitted != submitted:
            found.append(f"a denied call started {world.pool.submitted - submitted} task(s)")
        world.pool.wait_idle(IDLE_TIMEOUT)
        if self._version() != version:
            after = self._tables()
            # The periodic jobs renew their leases on their own clock, whatever the requests do.
            changed = sorted(t for t in after if after[t] != before.get(t) and t != "leases")
            if changed:
                found.append(f"a denied call changed the tables {changed}")
        return found

    def _report(self, req: Request, resp: httpx.Response | None, found: list[str]) -> str:
        lines = ["; ".join(found), req.describe(self.world.tokens)]
        if resp is not None:
            lines.append(f"answer: {resp.status_code} {resp.content[:1000]!r}")
        if self.log.records:
            lines.append("server log:\n" + self.log.text())
        return "\n".join(lines)

    # -- keeping the personas usable -------------------------------------------------------------
    def _repair(self, req: Request) -> None:
        world = self.world
        if "/os-pocketstack-faults" in req.path and req.method in MUTATING:
            world.cloud.faults.set(dict.fromkeys(GLOBAL_KEYS, 0))  # no fuzzed delay outlives its example
        broken = [p for p in PERSONA_ROLES if not self._works(p)]
        if not broken:
            return
        try:
            for persona in broken:
                world.tokens[persona] = self._reissue(persona)
            if all(self._works(p) for p in broken):
                return
        except AssertionError:
            pass
        self.rebuild()

    def _works(self, persona: str) -> bool:
        try:
            ctx = self.world.cloud.auth.validate(self.world.tokens[persona]).context("fuzz")
        except Exception:
            return False
        return PERSONA_ROLES[persona] in ctx.roles

    def _reissue(self, persona: str) -> str:
        w = self.world
        if persona == "reader":
            return w.issue("fuzz-reader", READER_PASSWORD, "demo")
        if persona == "member":
            return w.issue("demo", DEMO_PASSWORD, "demo")
        return w.issue(
            "admin", ADMIN_PASSWORD, "admin" if persona == "admin" else None, persona == "system_admin"
        )

    def rebuild(self) -> None:
        """A world restored from the snapshot, in place of this one."""
        self.close_world()
        self._new_world()

    def _abandon_world(self) -> None:
        """After a hang the old world's client may never return: drop it unclosed."""
        self._forget_world()
        self._new_world()

    def _new_world(self) -> None:
        self.rebuilds += 1
        self.world = restore(self.root / "snapshot", self.root / f"world-{self.rebuilds}", self.base)

    def _forget_world(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        if self._sender is not None:
            self._sender.stop()  # once it is done with the request it is on, if any
            self._sender = None
        self._digest = None
        self._busy = False

    def close_world(self) -> None:
        self._forget_world()
        self.world.close()


def start(root: Path) -> Fuzzer:
    """A fuzzer over a freshly built world, snapshotted for quick restores."""
    world = build_world(root / "world-0")
    try:
        snapshot(world, root / "snapshot")
    except BaseException:
        world.close()
        raise
    return Fuzzer(root, world, Seed(dict(world.seed.tokens), world.seed.ids, world.seed.owned))


class Sender:
    """Sends requests from a thread of its own, so that the caller can stop waiting for one
    that hangs and go on with a new world."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.jobs: queue.Queue[tuple[Request, queue.Queue[Answer]] | None] = queue.Queue()
        threading.Thread(target=self._run, name="fuzz-sender", daemon=True).start()

    def stop(self) -> None:
        self.jobs.put(None)

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            req, reply = job
            headers = {k: v.encode("latin-1") for k, v in req.headers.items()}
            try:
                resp = self.client.request(req.method, req.path, headers=headers, content=req.body)
                reply.put((resp, None))
            except BaseException as exc:  # noqa: BLE001 - what the client raised is the finding
                reply.put((None, exc))

    def send(self, req: Request) -> Answer | None:
        reply: queue.Queue[Answer] = queue.Queue()
        self.jobs.put((req, reply))
        try:
            return reply.get(timeout=REQUEST_TIMEOUT)
        except queue.Empty:
            return None


@contextmanager
def capturing(log: ErrorLog) -> Iterator[None]:
    logger = logging.getLogger("pocketstack")
    logger.addHandler(log)
    try:
        yield
    finally:
        logger.removeHandler(log)
