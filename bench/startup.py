"""Time from launching `pocketstack up` to its ready line, and its memory after start.

Baseline: a bare Starlette app under uvicorn, measured the same way in the same run.

Bytecode: an installed package runs from compiled bytecode (pip compiles it at install). Where
the environment turns the bytecode cache off (PYTHONDONTWRITEBYTECODE, as this repository's
sandbox does), every start of an editable install compiles pocketstack's source again, a third
of a restart's time. So the measured processes, the baseline's too, get a bytecode cache of their
own (a temporary PYTHONPYCACHEPREFIX, filled by starts that are not counted); the figures
without one are printed as well.
Usage: python bench/startup.py [runs]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import baseline, free_port, pocketstack, rss_mib, start, stop  # noqa: E402

OPENSTACK_START_S = 21.0
OPENSTACK_RSS_MIB = 2.5 * 1024
READY = "pocketstack ready on"

Command = Callable[[Path, int], list[str]]


def measure(make_cmd: Command, ready: str, runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    times, rss = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            proc, seconds = start(make_cmd(Path(tmp), free_port()), ready, env)
            times.append(seconds)
            rss.append(rss_mib(proc.pid))
            stop(proc)
    return times, rss


def measure_restart(runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Restarts on one data dir: the everyday case (migrated, bootstrapped already)."""
    times, rss = [], []
    with tempfile.TemporaryDirectory() as tmp:
        proc, _ = start(pocketstack(Path(tmp), free_port()), READY, env)
        stop(proc)
        for _ in range(runs):
            proc, seconds = start(pocketstack(Path(tmp), free_port()), READY, env)
            times.append(seconds)
            rss.append(rss_mib(proc.pid))
            stop(proc)
    return times, rss


def bytecode_cache(directory: str) -> dict[str, str]:
    """The environment for a bytecode cache in ``directory``, filled before anything is
    measured; none when the environment caches bytecode already."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return {}
    env = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": directory}
    measure(pocketstack, READY, 1, env)
    measure_restart(1, env)
    measure(lambda _d, port: baseline(port), "Uvicorn running on", 1, env)
    return env


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as cache:
        env = bytecode_cache(cache)
        cold, cold_rss = measure(pocketstack, READY, 1, env)
        warm, warm_rss = measure(pocketstack, READY, runs, env)
        again, again_rss = measure_restart(runs, env)
        base, base_rss = measure(lambda _d, port: baseline(port), "Uvicorn running on", runs, env)
    med, med_base = statistics.median(warm), statistics.median(base)
    rss, rss_base = statistics.median(warm_rss), statistics.median(base_rss)
    if env:
        print("(bytecode cached as for an installed package; this environment sets PYTHONDONTWRITEBYTECODE)")
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
    if env:
        uncached, _ = measure(pocketstack, READY, runs, {})
        uncached_again, _ = measure_restart(runs, {})
        print(
            f"without a bytecode cache: fresh data dir median {statistics.median(uncached):.3f} s, "
            f"existing data dir median {statistics.median(uncached_again):.3f} s"
        )


if __name__ == "__main__":
    main()
