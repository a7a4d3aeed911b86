"""The follow memory benchmark still runs (nothing timed: a tiny run checks its lines)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_follow_memory_benchmark_runs_and_follows_every_record() -> None:
    """A 1 MB run prints both peaks and their ratio; the follower read the log's records. It is
    started with SIGINT ignored, as a background job of a non-interactive shell is (CI's case):
    the benchmark must still stop its follower."""
    script = ROOT / "benchmarks" / "follow_memory.py"
    result = subprocess.run([sys.executable, str(script), "--size", "1M", "--piece", "256K",
                             "--pause", "0.05"], capture_output=True, text=True, timeout=180,
                            check=True, preexec_fn=_ignore_sigint)  # fmt: skip
    assert re.search(r"^follow peak RSS: \d+ MB; last line: .*stopped: [\d,]+ records read",
                     result.stdout, re.MULTILINE)  # fmt: skip
    assert re.search(r"^ratio follow / report: [\d.]+$", result.stdout, re.MULTILINE)
