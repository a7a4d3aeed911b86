"""`escalate report` on a gzip and a zstd copy of a log against the plain log, in one run.

    python benchmarks/make_mixed_log.py --size 256M /tmp/mixed.log
    python benchmarks/compressed_input.py /tmp/mixed.log [--repeat 3] [--compare OTHER_PYTHON]

The copies are written once (gzip level 6, zstd level 3, beside the log unless they exist). Each
report runs in its own process (`python -m escalate report --format json`); the rounds alternate,
medians of wall and CPU seconds (user + system) are printed with the ratio to the plain log. The
reader thread decompresses while the scanner scans, so on a free core the wall ratio tends to the
larger of 1 and decompression time / scanning time. `--compare` runs the same commands with another
interpreter (another checkout's environment) in the same rounds: a before / after in one run.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import sys

from _timing import time_report


def compressed_copies(log: str) -> dict[str, str]:
    """The plain log and its .gz and .zst copies (written when missing)."""
    import zstandard

    copies = {"plain": log, "gzip": f"{log}.gz", "zstd": f"{log}.zst"}
    if not os.path.exists(copies["gzip"]):
        with open(log, "rb") as source, gzip.open(copies["gzip"], "wb", compresslevel=6) as out:
            shutil.copyfileobj(source, out, 16 * 1024 * 1024)
    if not os.path.exists(copies["zstd"]):
        with open(log, "rb") as source, open(copies["zstd"], "wb") as out:
            zstandard.ZstdCompressor(level=3).copy_stream(source, out)
    return copies


def main(argv: list[str] | None = None) -> int:
    """Print medians and the ratio of each compressed copy to the plain log, per interpreter."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", help="another Python with escalate installed (a baseline)")
    args = parser.parse_args(argv)
    pythons = {"this checkout": sys.executable}
    if args.compare:
        pythons["compared"] = args.compare
    copies = compressed_copies(args.log)
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(args.repeat):
        for label, python in pythons.items():
            for kind, path in copies.items():
                times.setdefault((label, kind), []).append(time_report(python, path))
    size = os.path.getsize(args.log) / (1 << 20)
    print(f"{args.log}: {size:,.0f} MiB; median of {args.repeat}, "
          f"load {os.getloadavg()[0]:.2f}")  # fmt: skip
    for label in pythons:
        plain = times[(label, "plain")]
        for kind in copies:
            runs = times[(label, kind)]
            wall = statistics.median(run[0] for run in runs)
            cpu = statistics.median(run[1] for run in runs)
            ratio = wall / statistics.median(run[0] for run in plain)
            spread = ", ".join(f"{run[0]:.2f}" for run in runs)
            print(f"  {label:<14} {kind:<6} wall {wall:6.2f}s ({spread})  cpu {cpu:6.2f}s   "
                  f"wall / plain {ratio:5.2f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
