"""Peak memory of `escalate report --follow` on a growing log, against `escalate report` of it.

    python benchmarks/follow_memory.py --size 400M

Writes a mixed log (`make_mixed_log.py`) into a temporary folder, in `--piece` steps while a
follower reads it (`--interval 0.2s`), stops the follower with SIGTERM once everything was
written, then reports the whole file once. Prints each peak RSS and their ratio; the follower's
last line says how many records it read (it must be the report's).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from make_mixed_log import generate, parse_size

#: runs a command and prints its peak RSS in KiB and exit status (RUSAGE_CHILDREN of one child);
#: SIGTERM is passed on; --follow stops on it as at Ctrl-C
_PEAK = (
    "import resource, signal, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, text=True)\n"
    "signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))\n"
    "out = child.communicate()[0].splitlines()\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, child.returncode, out[-1])\n"
)

#: how long a follower may take to print its last line after SIGTERM before it counts as hung
_STOP_WITHIN_S = 60


def follow_peak(source: Path, target: Path, piece: int, pause: float) -> str:
    """Feed `source` into `target` piece by piece under a follower; its peak line."""
    target.touch()
    command = [sys.executable, "-c", _PEAK, sys.executable, "-m", "escalate", "report", "--follow",
               str(target), "--interval", "0.2s", "--follow-timeout", "3600s"]  # fmt: skip
    follower = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(2.0)
    with source.open("rb") as lines, target.open("ab") as log:
        while chunk := lines.read(piece):
            log.write(chunk)
            log.flush()
            time.sleep(pause)
    time.sleep(3.0)
    # SIGTERM, which --follow handles itself: a SIGINT ignored since start-up (a background job
    # of a non-interactive shell) is rightly ignored by the follower too
    follower.send_signal(signal.SIGTERM)
    try:
        return follower.communicate(timeout=_STOP_WITHIN_S)[0].strip()
    except subprocess.TimeoutExpired:
        os.killpg(follower.pid, signal.SIGKILL)  # the wrapper and the follower it started
        follower.communicate()
        raise SystemExit(f"follower still running {_STOP_WITHIN_S} s after SIGTERM") from None


def report_peak(source: Path) -> str:
    """The peak line of `escalate report` of the whole file."""
    command = [sys.executable, "-c", _PEAK, sys.executable, "-m", "escalate", "report",
               str(source), "--format", "text"]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100M", help="approximate log size: 100M, 1G, ...")
    parser.add_argument("--piece", default="10M", help="bytes appended per step")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between steps")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "mixed.log"
        lines = generate(parse_size(args.size), str(source))
        marked = source.read_bytes().count(b'"schema":"escalate.evidence/')
        follow = follow_peak(source, Path(folder) / "followed.log", parse_size(args.piece),
                             args.pause)  # fmt: skip
        report = report_peak(source)
    follow_kib, report_kib = int(follow.split()[0]), int(report.split()[0])
    print(f"log: {lines:,} lines ({marked:,} with the record marker), "
          f"{parse_size(args.size) / 1e6:,.0f} MB")  # fmt: skip
    print(f"follow peak RSS: {follow_kib / 1024:,.0f} MB; last line: {follow.split(' ', 2)[2]}")
    print(f"report peak RSS: {report_kib / 1024:,.0f} MB")
    print(f"ratio follow / report: {follow_kib / report_kib:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
