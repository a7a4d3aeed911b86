"""Peak memory and CPU of `escalate report` per send: accepted (optionally with webhooks) or failed.

    python benchmarks/report_memory.py [--sends 1000000] [--webhooks] [--failed]
                                       [--baseline OTHER_VENV/bin/python]

Writes a log of N sends (each its own operation, key, externalReference and messageId, a
millisecond apart; with --webhooks each is followed, 500 lines later, by its `message.sent` and
`message.delivery` receipts; with --failed every send is answered 403 FORBIDDEN), then runs
`escalate report` on it in its own process under GNU time. The floor is the same command on a log
of one send, measured in the same run: (peak - floor) / N is the memory a send costs, (CPU - floor)
/ N its time. With --baseline, the same logs are reported by another installation (e.g. a worktree
of main with its own venv), the rounds alternating, so both are measured under the same load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections import deque
from pathlib import Path

from make_mixed_log import _SEND, _WEBHOOK, reference  # the mixed log's records
from report_throughput import Run, _timed

_ACCEPTED = (
    '{{"results":[{{"to":"<e164>","messageId":"{mid}","status":"QUEUED"}}],'
    '"errors_count":0,"errors":[]}}'
)
_REFUSED = '{"results":[],"errors_count":0,"errors":[]}'
_START = 1_796_000_000_000  # ms since the epoch: 2026-11-29


def _ts(ms: int) -> str:
    seconds, milli = divmod(ms, 1000)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"2026-11-29T{hours % 24:02d}:{minute:02d}:{second:02d}.{milli:03d}000Z"


def _send(n: int, failed: bool) -> str:
    mid = f"msg_{n:010d}"
    status, outcome, rid, code = (
        (403, "http_error", f'"req_{n}"', '"FORBIDDEN"') if failed else (202, "ok", "null", "null")
    )
    response = _REFUSED if failed else _ACCEPTED.format(mid=mid)
    return _SEND.format(ts=_ts(n), n=n, ref=reference(n), d=35.2, status=status, outcome=outcome,
                        rid=rid, code=code, age=n % 3000, response=response)  # fmt: skip


def _webhook(n: int, event: str, at: int) -> str:
    return _WEBHOOK.format(ts=_ts(at), n=n, event=event, mid=f"msg_{n:010d}", ref=reference(n),
                           seq=1, sha="ab" * 32)  # fmt: skip


def write_log(path: Path, sends: int, webhooks: bool, failed: bool) -> None:
    """N sends, each followed 500 lines later by its receipts when `webhooks`."""
    later: deque[tuple[int, int]] = deque()
    with path.open("w", encoding="utf-8") as out:
        for n in range(sends):
            out.write(_send(n, failed) + "\n")
            if webhooks and not failed:
                later.append((n + 500, n))
            while later and later[0][0] <= n:
                sent = later.popleft()[1]
                out.write(_webhook(sent, "message.sent", n) + "\n")
                out.write(_webhook(sent, "message.delivery", n) + "\n")
        for _, sent in later:
            out.write(_webhook(sent, "message.sent", sends) + "\n")
            out.write(_webhook(sent, "message.delivery", sends) + "\n")


def report_command(python: str, log: Path) -> list[str]:
    """`escalate report` of `log` by the installation of `python`, its output discarded.

    `-P`: the working directory is not put on the path, or a checkout it holds (this one, when run
    from its root) would be imported instead of the installation of `python`.
    """
    return [python, "-P", "-m", "escalate", "report", "--format", "json", "-o", "/dev/null",
            "--no-progress", str(log)]  # fmt: skip


def measure(pythons: dict[str, str], logs: dict[str, Path], repeat: int) -> dict[str, Run]:
    """Medians of `repeat` rounds; each round runs every (installation, log) once."""
    runs: dict[str, list[Run]] = {}
    for _ in range(repeat):
        for name, python in pythons.items():
            for label, log in logs.items():
                runs.setdefault(f"{name} {label}", []).append(_timed(report_command(python, log)))
    return {key: _median(found) for key, found in runs.items()}


def _median(runs: list[Run]) -> Run:
    wall, cpu = statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs)
    return Run(wall, cpu, max(r.mib for r in runs))


def main(argv: list[str] | None = None) -> int:
    """Write the logs, measure, print peak MiB and the cost of a send."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=1_000_000)
    parser.add_argument("--webhooks", action="store_true", help="two receipts per send")
    parser.add_argument("--failed", action="store_true", help="every send answered 403")
    parser.add_argument("--baseline", help="the python of another installation to compare")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    pythons = {"this": sys.executable} | ({"baseline": args.baseline} if args.baseline else {})
    kind = "failed" if args.failed else "accepted" + (" + webhooks" if args.webhooks else "")
    with tempfile.TemporaryDirectory() as folder:
        logs = {"floor": Path(folder, "one.jsonl"), "sends": Path(folder, "sends.jsonl")}
        write_log(logs["floor"], 1, args.webhooks, args.failed)
        write_log(logs["sends"], args.sends, args.webhooks, args.failed)
        size = logs["sends"].stat().st_size
        results = measure(pythons, logs, args.repeat)
    print(f"{args.sends:,} {kind} sends, {size / (1 << 20):,.0f} MiB of log")
    for name in pythons:
        floor, full = results[f"{name} floor"], results[f"{name} sends"]
        per_send = (full.mib - floor.mib) * (1 << 20) / args.sends
        cpu_us = (full.cpu - floor.cpu) / args.sends * 1e6
        print(
            f"  {name:<9} peak {full.mib:5d} MiB (floor {floor.mib} MiB): {per_send:6.0f} B and "
            f"{cpu_us:5.1f} us CPU a send; wall {full.wall:.2f} s, cpu {full.cpu:.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
