"""Time `escalate bundle` and `escalate har` against `escalate report` on the same log, in one run.

    python benchmarks/make_mixed_log.py --size 256M /tmp/mixed.log
    python benchmarks/bundle_time.py /tmp/mixed.log [--repeat 5] [--jobs 2] [--compare-tree DIR]

The bundle and the HAR are made from the report's own pass (the inputs are read once), so their
cost over the report's is the candidates kept during the pass, the selection, the three report
renderings, the HAR and the secret scan of every file, and for `bundle` the SHA-256 of each
input (computed by the pass's reader thread as it reads). Each command runs in its own process
under GNU time; the commands run round-robin, `--repeat` rounds, so load drift is shared. The log
may be a folder of files (`many_files.py` writes one): then nothing is read from stdin.
Printed: the median wall and CPU seconds and peak RSS of each, and its ratio to `report` (median
of the per-round ratios, with their lowest and highest: the spread on a shared machine), in wall
time and in CPU time (on a busy machine the CPU ratio is the steadier one). `--compare-tree DIR`
also times the same commands with `PYTHONPATH=DIR` (another checkout of escalate, e.g. before
the one-pass bundle), labelled `[DIR]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from typing import IO, NamedTuple


class Run(NamedTuple):
    """One measurement: wall and CPU seconds (user + system, children included), peak RSS."""

    wall: float
    cpu: float
    mib: int


class Command(NamedTuple):
    """A command line, the file its standard input comes from (None: no input), its environment
    and the folder it runs in (not the checkout's: `python -m escalate` would import the
    checkout's package before `PYTHONPATH`'s)."""

    argv: list[str]
    cwd: str
    stdin: str | None = None
    env: dict[str, str] | None = None


def _timed(command: Command) -> Run:
    """Run a command under GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        stdin: IO[bytes] | int = subprocess.DEVNULL
        if command.stdin is not None:
            stdin = open(command.stdin, "rb")  # noqa: SIM115 (closed below)
        try:
            done = subprocess.run(
                ["/usr/bin/time", "-o", report.name, "-f", "%e %U %S %M", *command.argv],
                stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
                env=command.env, cwd=command.cwd,
            )  # fmt: skip
        finally:
            if not isinstance(stdin, int):
                stdin.close()
        if done.returncode > 1:  # 1: the report found a failing stage
            raise SystemExit(f"{command.argv} failed: {done.stderr.decode()[-500:]}")
        wall, user, system, kib = report.read().split()[-4:]
    return Run(float(wall), float(user) + float(system), int(kib) // 1024)


def commands(log: str, out: str, jobs: int, tree: str | None) -> dict[str, Command]:
    """name -> command: report, bundle, har, and (for a file) bundle and har reading it from
    stdin."""
    env = None
    label = ""
    if tree is not None:
        env = {**os.environ, "PYTHONPATH": os.path.abspath(tree)}
        label = f" [{tree}]"
    escalate = [sys.executable, "-m", "escalate"]
    more = ["--jobs", str(jobs)] if jobs > 1 else []
    log, folder = os.path.abspath(log), os.path.dirname(out)
    named = {
        "report": Command([*escalate, "report", log, "-o", os.devnull, *more], folder, env=env),
        "bundle": Command([*escalate, "bundle", log, "-o", f"{out}.zip", *more], folder, env=env),
        "har": Command([*escalate, "har", log, "-o", f"{out}.har", *more], folder, env=env),
    }
    if tree is None and os.path.isfile(log):  # an older tree may refuse stdin; a folder can't be
        named["bundle -  (stdin)"] = Command(
            [*escalate, "bundle", "-", "-o", f"{out}-stdin.zip", *more], folder, stdin=log
        )
        named["har -  (stdin)"] = Command([*escalate, "har", "-", "-o", f"{out}-stdin.har"],
                                          folder, stdin=log)  # fmt: skip
    return {name + label: command for name, command in named.items()}


def measure(named: dict[str, Command], repeat: int) -> dict[str, list[Run]]:
    """`repeat` rounds, each running every command once."""
    runs: dict[str, list[Run]] = {name: [] for name in named}
    for _ in range(repeat):
        for name, command in named.items():
            runs[name].append(_timed(command))
    return runs


def table(runs: dict[str, list[Run]], baseline: str) -> list[str]:
    """One line per command: medians, and the ratio of its wall time to the baseline's."""
    lines = [f"{'command':<28} {'wall s':>7} {'cpu s':>7} {'MiB':>5}  {'wall ratio':<17} "
             f"cpu ratio (to {baseline}: median of rounds, low-high)"]  # fmt: skip
    base = runs[baseline]
    for name, found in runs.items():
        wall = statistics.median(run.wall for run in found)
        cpu = statistics.median(run.cpu for run in found)
        mib = max(run.mib for run in found)
        walls = _ratios([run.wall for run in found], [ref.wall for ref in base])
        cpus = _ratios([run.cpu for run in found], [ref.cpu for ref in base])
        lines.append(f"{name:<28} {wall:7.2f} {cpu:7.2f} {mib:5d}  {walls:<17} {cpus}")
    return lines


def _ratios(values: list[float], references: list[float]) -> str:
    """`median (low-high)` of the per-round ratios."""
    ratios = [value / reference for value, reference in zip(values, references, strict=True)]
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=1, help="passed to every command")
    parser.add_argument("--compare-tree", help="also time another checkout (PYTHONPATH=DIR)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        named = commands(args.log, os.path.join(folder, "out"), args.jobs, None)
        if args.compare_tree:
            named.update(commands(args.log, os.path.join(folder, "old"), args.jobs,
                                  args.compare_tree))  # fmt: skip
        runs = measure(named, args.repeat)
    print(f"load average after: {os.getloadavg()}")
    size = f" ({os.path.getsize(args.log):,} bytes)" if os.path.isfile(args.log) else ""
    print(f"{args.repeat} rounds, {args.log}{size}")
    print("\n".join(table(runs, "report")))


if __name__ == "__main__":
    main()
