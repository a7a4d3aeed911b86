"""Time `escalate report` on a large log against simple baselines, in one run.

    python benchmarks/make_mixed_log.py --size 1G /tmp/mixed.log
    python benchmarks/report_throughput.py /tmp/mixed.log [--repeat 3]

Each measurement runs in its own process under GNU time (wall seconds, peak RSS; for --jobs 2 the
peak of the largest process). Medians of --repeat runs, except jq (once: it is slow). Baselines:
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


def _timed(command: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in MiB) of a command run under GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        subprocess.run(
            ["/usr/bin/time", "-o", report.name, "-f", "%e %M", *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        seconds, kib = report.read().split()[-2:]
    return float(seconds), int(kib) // 1024


def _median(command: list[str], repeat: int) -> tuple[float, int]:
    runs = [_timed(command) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


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


def measure(log: str, repeat: int) -> dict[str, tuple[float, int]]:
    """Every measurement: name -> (seconds, peak MiB)."""
    python = sys.executable
    results = {
        "escalate report (1 process)": _median([*_escalate(), log], repeat),
        "escalate report --jobs 2": _median([*_escalate(), "--jobs", "2", log], repeat),
        "(a) python: for line in f": _median([python, "-c", _BARE, log], repeat),
        "(b) python: + orjson.loads every line": _median([python, "-c", _ORJSON, log], repeat),
    }
    jq = shutil.which("jq")
    if jq:
        program = 'fromjson? | select(.schema? == "escalate.evidence/1")'
        results["(c) jq: select evidence lines"] = _timed([jq, "-R", "-c", program, log])
    try:
        import duckdb  # noqa: F401

        results["(d) duckdb: group + join, 2 threads"] = _median(
            [python, "-c", _DUCKDB, log], repeat
        )
    except ImportError:
        pass
    return results


def main(argv: list[str] | None = None) -> int:
    """Print the table of measurements and the ratios against the targets."""
    parser = argparse.ArgumentParser(description="escalate report throughput")
    parser.add_argument("log")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    size = os.path.getsize(args.log)
    print(f"log: {args.log}, {size / (1 << 20):,.0f} MiB, median of {args.repeat}")
    results = measure(args.log, args.repeat)
    for name, (seconds, mib) in results.items():
        print(
            f"  {name:<42} {seconds:7.2f} s  {mib:6d} MiB  {size / (1 << 20) / seconds:7.0f} MiB/s"
        )
    single = results["escalate report (1 process)"][0]
    jobs = results["escalate report --jobs 2"][0]
    parsing = results["(b) python: + orjson.loads every line"][0]
    print(f"  (b) / single process: {parsing / single:.1f}x (target >= 2x)")
    print(f"  (b) / --jobs 2:       {parsing / jobs:.1f}x (target >= 3x)")
    if "(c) jq: select evidence lines" in results:
        print(
            f"  jq / single process:  {results['(c) jq: select evidence lines'][0] / single:.1f}x"
            " (target >= 10x)"
        )
    if "(d) duckdb: group + join, 2 threads" in results:
        duckdb = results["(d) duckdb: group + join, 2 threads"][0]
        print(f"  duckdb / --jobs 2:    {duckdb / jobs:.1f}x")
    peak = max(results["escalate report (1 process)"][1], results["escalate report --jobs 2"][1])
    print(f"  escalate peak memory: {peak} MiB (target < 200 MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
