"""Scheduler cost per request at 100, 1,000 and 10,000 hosts: select (filter and weigh the
hosts, from the scheduler's host cache) plus claim (a generation-checked allocation), on
SQLite, in process, with each size's time as a ratio of the 100-host case. The cache is loaded
once per process (and again after a change made elsewhere): its load is shown apart, the
per-request figures are with it loaded.

Usage: python bench/scheduler.py [requests-per-size]
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from pathlib import Path

from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement.scheduler import RequestSpec, Resources, Scheduler
from pocketstack.store import migrate
from pocketstack.store.compute_models import Host
from pocketstack.store.db import Database, make_engine


def hosts(n: int) -> list[Host]:
    now = utcnow()
    return [
        Host(
            id=str(uuid.uuid4()),
            name=f"h{i}",
            driver="fake",
            host_ip="10.0.0.1",
            vcpus=64,
            memory_mb=262144,
            disk_gb=2048,
            generation=0,
            service_id=str(uuid.uuid4()),
            traits={},
            created_at=now,
            updated_at=now,
        )
        for i in range(n)
    ]


def measure(n: int, requests: int) -> tuple[float, float, float]:
    """(ms to load the host cache, ms per select, ms per select+claim)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade_if_needed(engine)
        db = Database(engine)
        with db.transaction() as s:
            s.add_all(hosts(n))
        scheduler = Scheduler(db)
        spec = RequestSpec(resources=Resources(1, 512, 1))
        with db.read() as s:
            began = time.perf_counter()
            scheduler.hosts(s, reload=True)
            load_ms = (time.perf_counter() - began) * 1000
            began = time.perf_counter()
            for _ in range(requests):
                scheduler.candidates(s, spec)
        select_ms = (time.perf_counter() - began) / requests * 1000
        began = time.perf_counter()
        for _ in range(requests):
            scheduler.claim(str(uuid.uuid4()), spec)
        claim_ms = (time.perf_counter() - began) / requests * 1000
        engine.dispose()
        return load_ms, select_ms, claim_ms


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    base = None
    for n in (100, 1000, 10000):
        load_ms, select_ms, claim_ms = measure(n, requests)
        base = base or (select_ms, claim_ms)
        print(
            f"{n:>6} hosts: select {select_ms:.2f} ms (x{select_ms / base[0]:.1f} of 100 hosts), "
            f"select+claim {claim_ms:.2f} ms (x{claim_ms / base[1]:.1f}) per request; "
            f"cache load {load_ms:.0f} ms"
        )


if __name__ == "__main__":
    main()
