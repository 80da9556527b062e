"""Time from launching `pocketstack up` to its ready line, and its memory after start.

Baseline: a bare Starlette app under uvicorn, measured the same way in the same run.
Usage: python bench/startup.py [runs]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import baseline, free_port, pocketstack, rss_mib, start, stop  # noqa: E402

OPENSTACK_START_S = 21.0
OPENSTACK_RSS_MIB = 2.5 * 1024


def measure(make_cmd, ready: str, runs: int) -> tuple[list[float], list[float]]:  # noqa: ANN001
    times, rss = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            proc, seconds = start(make_cmd(Path(tmp), free_port()), ready)
            times.append(seconds)
            rss.append(rss_mib(proc.pid))
            stop(proc)
    return times, rss


def measure_restart(runs: int) -> tuple[list[float], list[float]]:
    """Restarts on one data dir: the everyday case (migrated, bootstrapped already)."""
    times, rss = [], []
    with tempfile.TemporaryDirectory() as tmp:
        proc, _ = start(pocketstack(Path(tmp), free_port()), "pocketstack ready on")
        stop(proc)
        for _ in range(runs):
            proc, seconds = start(pocketstack(Path(tmp), free_port()), "pocketstack ready on")
            times.append(seconds)
            rss.append(rss_mib(proc.pid))
            stop(proc)
    return times, rss


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    cold, cold_rss = measure(pocketstack, "pocketstack ready on", 1)
    warm, warm_rss = measure(pocketstack, "pocketstack ready on", runs)
    again, again_rss = measure_restart(runs)
    base, base_rss = measure(lambda _d, port: baseline(port), "Uvicorn running on", runs)
    med, med_base = statistics.median(warm), statistics.median(base)
    rss, rss_base = statistics.median(warm_rss), statistics.median(base_rss)
    print(
        f"pocketstack up, fresh data dir ({runs} runs): ready in median {med:.3f} s "
        f"(min {min(warm):.3f}, max {max(warm):.3f}); first run {cold[0]:.3f} s"
    )
    print(
        f"pocketstack up, existing data dir: ready in median {statistics.median(again):.3f} s, "
        f"{statistics.median(again_rss):.1f} MiB"
    )
    print(f"bare Starlette under uvicorn: ready in median {med_base:.3f} s")
    print(f"ratio start time pocketstack / bare Starlette: {med / med_base:.2f}x")
    print(
        f"resident memory after start: {rss:.1f} MiB (bare Starlette {rss_base:.1f} MiB, "
        f"ratio {rss / rss_base:.2f}x)"
    )
    print(
        f"against real OpenStack (21 s, 2.5 GiB): {OPENSTACK_START_S / med:.0f}x faster start, "
        f"{OPENSTACK_RSS_MIB / rss:.0f}x less memory"
    )


if __name__ == "__main__":
    main()
