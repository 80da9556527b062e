"""Scheduler cost per request at 100, 1,000 and 10,000 hosts: select (filter and weigh every
host) plus claim (a generation-checked allocation), on SQLite, in process.

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


def measure(n: int, requests: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade_if_needed(engine)
        db = Database(engine)
        with db.transaction() as s:
            s.add_all(hosts(n))
        scheduler = Scheduler(db)
        spec = RequestSpec(resources=Resources(1, 512, 1))
        began = time.perf_counter()
        with db.read() as s:
            for _ in range(requests):
                scheduler.candidates(s, spec)
        select_ms = (time.perf_counter() - began) / requests * 1000
        began = time.perf_counter()
        for _ in range(requests):
            scheduler.claim(str(uuid.uuid4()), spec)
        claim_ms = (time.perf_counter() - began) / requests * 1000
        engine.dispose()
        return select_ms, claim_ms


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    previous = None
    for n in (100, 1000, 10000):
        select_ms, claim_ms = measure(n, requests)
        growth = f", x{claim_ms / previous:.1f} for 10x hosts" if previous else ""
        print(f"{n:>6} hosts: select {select_ms:.2f} ms, select+claim {claim_ms:.2f} ms per request{growth}")
        previous = claim_ms


if __name__ == "__main__":
    main()
