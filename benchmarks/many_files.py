"""`escalate report` on many small files against the same lines in one file, in one run.

    python benchmarks/many_files.py [--files 10000] [--lines 20] [--repeat 3]
        [--compare OTHER_PYTHON] [--bundle]

A mixed log (`make_mixed_log.py`: ~10% evidence among other JSON lines) of FILES x LINES lines is
written once whole and once cut into FILES files of LINES lines in one directory. Each report runs
in its own process (`python -m escalate report --format json`); the rounds alternate, medians of
wall and CPU seconds (user + system: on a shared machine the steadier one) are printed with the
ratio many / one (one reader for every file keeps it near 1; a thread and a state started per
file made it 13x on an idle machine). `--compare` runs the same commands with another interpreter
(another checkout's environment) in the same rounds: a before / after in one run. `--bundle` times
`escalate bundle` instead (its candidates are kept across the files a process reads, not merged
per file: merging them per file made 3,000 files of accepted sends take 10x the report), and
`escalate report` of the many files in the same rounds: the ratio bundle / report is printed too
(issue 14 bounds it at 1.3x).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _timing import time_report
from make_mixed_log import generate


def write_logs(root: Path, files: int, lines: int) -> tuple[Path, Path]:
    """The whole log and the directory of its FILES parts; about 300 bytes a line."""
    whole = root / "whole.log"
    generate(files * lines * 310, str(whole))
    every = whole.read_bytes().splitlines(keepends=True)[: files * lines]
    whole.write_bytes(b"".join(every))
    parts = root / "parts"
    parts.mkdir()
    for index in range(files):
        part = every[index * lines : (index + 1) * lines]
        (parts / f"part-{index:06d}.log").write_bytes(b"".join(part))
    return whole, parts


def main(argv: list[str] | None = None) -> int:
    """Print the medians and the ratio many files / one file, per interpreter."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", help="another Python with escalate installed (a baseline)")
    parser.add_argument("--bundle", action="store_true", help="time `escalate bundle` instead")
    args = parser.parse_args(argv)
    pythons = {"this checkout": sys.executable}
    if args.compare:
        pythons["compared"] = args.compare
    with tempfile.TemporaryDirectory(prefix="escalate-many-") as root:
        whole, parts = write_logs(Path(root), args.files, args.lines)
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.repeat):
            for label, python in pythons.items():
                for kind, path in (("one file", whole), ("many files", parts)):
                    run = time_report(python, path, bundle=args.bundle)
                    times.setdefault((label, kind), []).append(run)
                if args.bundle:
                    times.setdefault((label, "report"), []).append(time_report(python, parts))
    command = "escalate bundle" if args.bundle else "escalate report"
    print(f"{command}: {args.files:,} files of {args.lines} lines, against one file; "
          f"median of {args.repeat}, load {os.getloadavg()[0]:.2f}")  # fmt: skip
    for label in pythons:
        for index, measure in enumerate(("wall", "cpu")):
            one = statistics.median(run[index] for run in times[(label, "one file")])
            runs = [run[index] for run in times[(label, "many files")]]
            many = statistics.median(runs)
            spread = ", ".join(f"{t:.2f}" for t in runs)
            print(f"  {label:<14} {measure:<4} one file {one:6.2f}s   many files {many:6.2f}s "
                  f"({spread})   ratio {many / one:5.2f}x")  # fmt: skip
            if args.bundle:
                pairs = zip(times[(label, "many files")], times[(label, "report")], strict=True)
                ratios = [bundle[index] / report[index] for bundle, report in pairs]
                median = statistics.median(run[index] for run in times[(label, "report")])
                print(f"  {'':<14} {measure:<4} report of the many files {median:6.2f}s   "
                      f"bundle / report {statistics.median(ratios):5.2f}x "
                      f"({min(ratios):.2f}-{max(ratios):.2f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
