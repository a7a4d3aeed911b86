"""Time `escalate report` on a large log against simple baselines, in one run.

    python benchmarks/make_mixed_log.py --size 1G /tmp/mixed.log
    python benchmarks/report_throughput.py /tmp/mixed.log [--repeat 3]

Each measurement runs in its own process under GNU time: wall seconds, CPU seconds (user + system,
worker processes included) and peak RSS (for --jobs 2, of the largest process). The commands run
round-robin, --repeat rounds, medians reported; jq runs once (it is slow). The load average is
printed before and after: on a shared machine compare the CPU-time ratios. Baselines:
(a) a bare Python loop over the lines, (b) the same loop with orjson.loads on every line,
(c) jq selecting the evidence lines, (d) DuckDB grouping the records by route/status/code and
joining sends to webhook events (2 threads).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from typing import NamedTuple

_BARE = "import sys\nwith open(sys.argv[1], 'rb') as f:\n    for line in f:\n        pass\n"
_ORJSON = (
    "import sys, orjson\nwith open(sys.argv[1], 'rb') as f:\n    for line in f:\n"
    "        try:\n            orjson.loads(line)\n        except orjson.JSONDecodeError:\n"
    "            pass\n"
)
_DUCKDB = """
import sys, duckdb
con = duckdb.connect()
con.execute("SET threads TO 2")
path = sys.argv[1].replace("'", "''")
columns = ("{schema:'VARCHAR', kind:'VARCHAR', route:'VARCHAR', status:'INTEGER', "
           "error_code:'VARCHAR', event:'VARCHAR', message_id:'VARCHAR', ts:'VARCHAR', "
           "response:'JSON'}")
con.execute("CREATE TEMP TABLE r AS SELECT * FROM read_json('" + path + "', "
            "format='newline_delimited', ignore_errors=true, maximum_object_size=2000000, "
            "columns=" + columns + ") WHERE schema LIKE 'escalate.evidence/%'")
groups = con.execute("SELECT route, status, error_code, count(*) FROM r WHERE kind='call' "
                     "GROUP BY ALL").fetchall()
pending = con.execute(\'\'\'
  WITH sent AS (SELECT json_extract_string(response, '$.results[0].messageId') AS mid, ts
                FROM r WHERE kind='call' AND route='/api/core/messages/send' AND status=202),
       hooks AS (SELECT DISTINCT message_id FROM r WHERE kind='webhook'
                 AND event IN ('message.sent','message.delivery','message.failed'))
  SELECT count(*) FROM sent LEFT JOIN hooks ON sent.mid = hooks.message_id
  WHERE hooks.message_id IS NULL\'\'\').fetchone()
print(len(groups), pending)
"""


class Run(NamedTuple):
    """One measurement: wall and CPU seconds (user + system, children included), peak RSS."""

    wall: float
    cpu: float
    mib: int


def _timed(command: list[str]) -> Run:
    """Run a command under GNU time; its peak RSS is that of its largest process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        subprocess.run(
            ["/usr/bin/time", "-o", report.name, "-f", "%e %U %S %M", *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        wall, user, system, kib = report.read().split()[-4:]
    return Run(float(wall), float(user) + float(system), int(kib) // 1024)


def _median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        max(r.mib for r in runs),
    )


def _escalate() -> list[str]:
    found = shutil.which("escalate", path=os.path.dirname(sys.executable)) or shutil.which(
        "escalate"
    )
    if found is None:
        raise SystemExit("escalate is not installed in this environment")
    return [
        found,
        "report",
        "--format",
        "json",
        "-o",
        os.devnull,
        "--no-progress",
        "--delivery-grace",
        "5m",
    ]


SINGLE = "escalate report (1 process)"
JOBS = "escalate report --jobs 2"
BARE = "(a) python: for line in f"
ORJSON = "(b) python: + orjson.loads every line"
JQ = "(c) jq: select evidence lines"
DUCKDB = "(d) duckdb: group + join, 2 threads"


def commands(log: str) -> dict[str, list[str]]:
    """Every measurement but jq: name -> command line."""
    python = sys.executable
    named = {
        SINGLE: [*_escalate(), log],
        JOBS: [*_escalate(), "--jobs", "2", log],
        BARE: [python, "-c", _BARE, log],
        ORJSON: [python, "-c", _ORJSON, log],
    }
    try:
        import duckdb  # noqa: F401

        named[DUCKDB] = [python, "-c", _DUCKDB, log]
    except ImportError:
        pass
    return named


def measure(log: str, repeat: int) -> dict[str, Run]:
    """Medians of `repeat` rounds; each round runs every command once, so load drift is shared."""
    named = commands(log)
    runs: dict[str, list[Run]] = {name: [] for name in named}
    for _ in range(repeat):
        for name, command in named.items():
            runs[name].append(_timed(command))
    results = {name: _median(found) for name, found in runs.items()}
    jq = shutil.which("jq")
    if jq:  # once: it is slow
        program = 'fromjson? | select(.schema? == "escalate.evidence/1")'
        results[JQ] = _timed([jq, "-R", "-c", program, log])
    return results


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _ratio(label: str, slow: Run, fast: Run, target: str) -> str:
    return (
        f"  {label:<24} wall {slow.wall / fast.wall:5.1f}x   cpu {slow.cpu / fast.cpu:5.1f}x"
        f"   (target {target})"
    )


def report(results: dict[str, Run], size: int) -> list[str]:
    """The table and the ratios against the targets."""
    lines = [f"  {'':<42} {'wall':>7}   {'cpu':>7}   {'peak':>8}   {'wall rate':>11}"]
    for name, run in results.items():
        rate = size / (1 << 20) / run.wall if run.wall else 0.0
        lines.append(
            f"  {name:<42} {run.wall:6.2f}s   {run.cpu:6.2f}s   {run.mib:4d} MiB   "
            f"{rate:6.0f} MiB/s"
        )
    single, jobs, parsing = results[SINGLE], results[JOBS], results[ORJSON]
    lines.append(_ratio("(b) / single process:", parsing, single, ">= 2x"))
    lines.append(_ratio("(b) / --jobs 2:", parsing, jobs, ">= 3x"))
    if JQ in results:
        lines.append(_ratio("jq / single process:", results[JQ], single, ">= 10x"))
    if DUCKDB in results:
        lines.append(_ratio("duckdb / --jobs 2:", results[DUCKDB], jobs, ">= 1x"))
    lines.append(
        f"  --jobs 2 cpu / wall: {jobs.cpu / jobs.wall:.2f} (2.0 = both cores busy throughout)"
    )
    peak = max(single.mib, jobs.mib)
    lines.append(f"  escalate peak memory: {peak} MiB (target < 200 MiB)")
    return lines


def _compile_escalate() -> None:
    """Write escalate's bytecode first: with PYTHONDONTWRITEBYTECODE set (or a read-only
    checkout), every run would otherwise compile the package again, which is not the report's
    cost (an installed wheel is compiled by pip)."""
    import compileall

    import escalate

    compileall.compile_dir(os.path.dirname(escalate.__file__), quiet=1)


def main(argv: list[str] | None = None) -> int:
    """Print the table of measurements and the ratios against the targets."""
    parser = argparse.ArgumentParser(description="escalate report throughput")
    parser.add_argument("log")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    size = os.path.getsize(args.log)
    cpus = os.cpu_count()
    print(f"log: {args.log}, {size / (1 << 20):,.0f} MiB, median of {args.repeat}, {cpus} CPUs")
    print(f"load average before: {_load()}")
    _compile_escalate()
    results = measure(args.log, args.repeat)
    print("\n".join(report(results, size)))
    print(f"load average after: {_load()} (a busy machine inflates wall times: compare cpu)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
