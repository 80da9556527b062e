"""Every benchmark in one go, each against its baseline measured in the same run: the request
path (bench/request_path.py, bare Starlette + uvicorn answering the same bodies), start-up and
memory (bench/startup.py), then compute, scheduler, network and image figures (each script
prints its own baseline). Prints the README's performance table first, then each script's
own output.

Usage: python bench/compare.py [--quick]
  --quick   short runs (a CI step can print the table in a few minutes; figures are rougher)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import request_path  # noqa: E402
import startup  # noqa: E402
from common import baseline, pocketstack  # noqa: E402

# Other scripts, with (full, quick) arguments.
SCRIPTS = {
    "compute.py": ([], ["200", "2"]),
    "scheduler.py": ([], []),
    "network.py": ([], []),
    # Medians of 3: a single raw copy on this VM's disk ranged from 380 to 1,325 MiB/s.
    "image_throughput.py": (["--runs", "3"], []),
}


def start_figures(runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as cache:
        env = startup.bytecode_cache(cache)
        fresh, fresh_rss = startup.measure(pocketstack, startup.READY, runs, env)
        again, again_rss = startup.measure_restart(runs, env)
        base, base_rss = startup.measure(lambda _d, port: baseline(port), "Uvicorn running on", runs, env)
    return {
        "fresh": statistics.median(fresh),
        "existing": statistics.median(again),
        "rss": statistics.median(again_rss),
        "base": statistics.median(base),
        "base_rss": statistics.median(base_rss),
    }


def table(start: dict[str, float], reads: dict[str, dict[str, float]]) -> str:
    rows = [
        "| what | pocketstack | bare Starlette (same run) | ratio |",
        "|---|---|---|---|",
        f"| start to ready, fresh data dir | {start['fresh']:.2f} s | {start['base']:.2f} s | "
        f"{start['fresh'] / start['base']:.1f}x |",
        f"| start to ready, existing data dir | {start['existing']:.2f} s | {start['base']:.2f} s | "
        f"{start['existing'] / start['base']:.1f}x |",
        f"| resident memory after start, per process | {start['rss']:.0f} MiB "
        f"| {start['base_rss']:.0f} MiB | "
        f"{start['rss'] / start['base_rss']:.1f}x |",
    ]
    for name, f in reads.items():
        rows.append(
            f"| {name}, 1 connection | {f['ours_1']:,.0f} req/s | {f['bare_1']:,.0f} req/s | "
            f"{f['bare_1'] / f['ours_1']:.1f}x slower |"
        )
    for name, f in reads.items():
        rows.append(
            f"| {name}, 8 connections | {f['ours_8']:,.0f} req/s ({f['ours_8'] / f['ours_1']:.2f}x of 1) | "
            f"{f['bare_8']:,.0f} req/s | {f['bare_8'] / f['ours_8']:.1f}x slower |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    began = time.perf_counter()
    start = start_figures(2 if args.quick else 5)
    reads = request_path.measure(1.0 if args.quick else 3.0, 1 if args.quick else 3, None)
    print(table(start, reads), flush=True)
    for script, (full, quick) in SCRIPTS.items():
        print(f"\n## {script}", flush=True)
        cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        subprocess.run(cmd, check=True)
    print(f"\n(all benchmarks in {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
