"""Throughput of `escalate report --engine dask` with 1 and 2 workers beside `--jobs 1` and 2.

    python benchmarks/make_mixed_log.py --size 256M /tmp/mixed.log
    python benchmarks/dask_throughput.py /tmp/mixed.log [--repeat 3]

The Dask workers are single-threaded processes of a `distributed.LocalCluster` started by this
script before the timings (a cluster is already running when a user sends it a report); each
report is its own `escalate` process connecting to it with `--scheduler`. The commands run
round-robin, --repeat rounds, medians of the wall time reported, and each rate is also given as
a ratio to the one-process run measured in the same round. Before timing, every command's JSON
report is checked to be byte-identical to the one-process report.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile

from distributed import LocalCluster
from report_throughput import Run, _escalate, _load, _timed

SINGLE = "escalate report (1 process)"
JOBS = "escalate report --jobs 2"


def _dask_name(workers: int) -> str:
    return f"--engine dask, {workers} worker{'s' if workers > 1 else ''}"


def commands(log: str, schedulers: dict[int, str]) -> dict[str, list[str]]:
    """Every measurement: name -> command line."""
    named = {SINGLE: [*_escalate(), log], JOBS: [*_escalate(), "--jobs", "2", log]}
    for workers, address in schedulers.items():
        named[_dask_name(workers)] = [*_escalate(), "--engine", "dask", "--scheduler", address, log]
    return named


def check_identical(named: dict[str, list[str]]) -> None:
    """Every command writes the one-process JSON report, byte for byte (or the script stops)."""
    outputs = {}
    with tempfile.TemporaryDirectory() as directory:
        for index, (name, command) in enumerate(named.items()):
            path = os.path.join(directory, f"{index}.json")
            words = [path if word == os.devnull else word for word in command]
            subprocess.run(words, stdout=subprocess.DEVNULL, check=False)
            with open(path, "rb") as handle:
                outputs[name] = handle.read()
    different = [name for name, text in outputs.items() if text != outputs[SINGLE]]
    if different:
        raise SystemExit(f"not the one-process report: {', '.join(different)}")


def measure(named: dict[str, list[str]], repeat: int) -> dict[str, float]:
    """Median wall seconds of each command over `repeat` round-robin rounds."""
    walls: dict[str, list[float]] = {name: [] for name in named}
    for _ in range(repeat):
        for name, command in named.items():
            run: Run = _timed(command)
            walls[name].append(run.wall)
    return {name: statistics.median(found) for name, found in walls.items()}


def main(argv: list[str] | None = None) -> int:
    """Start the clusters, check the reports agree, print the table."""
    parser = argparse.ArgumentParser(description="escalate report --engine dask throughput")
    parser.add_argument("log")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    size = os.path.getsize(args.log)
    print(f"log: {args.log}, {size / (1 << 20):,.0f} MiB, median of {args.repeat}, "
          f"{os.cpu_count()} CPUs; load average before: {_load()}")  # fmt: skip
    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # no chatter while closing
    clusters = [LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                             dashboard_address=":0", silence_logs=logging.ERROR)
                for n in (1, 2)]  # fmt: skip
    try:
        named = commands(args.log, {1: clusters[0].scheduler_address,
                                    2: clusters[1].scheduler_address})  # fmt: skip
        check_identical(named)
        walls = measure(named, args.repeat)
    finally:
        for cluster in clusters:
            cluster.close()
    print(f"  {'':<32} {'wall':>7}   {'rate':>10}   {'vs 1 process':>12}")
    for name, wall in walls.items():
        rate = size / (1 << 20) / wall if wall else 0.0
        print(f"  {name:<32} {wall:6.2f}s   {rate:5.0f} MiB/s   {walls[SINGLE] / wall:11.2f}x")
    print(f"load average after: {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
