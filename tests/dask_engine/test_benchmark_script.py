"""`benchmarks/dask_throughput.py` still runs: it checks the reports agree and prints every row."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_dask_benchmark_prints_every_engine(tmp_path: Path) -> None:
    """A one-round run on a small generated log prints a rate for each of the four commands."""
    log = tmp_path / "mixed.log"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_mixed_log.py"),
                    "--size", "1", str(log)], check=True, capture_output=True)  # fmt: skip
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "dask_throughput.py"),
                           str(log), "--repeat", "1"], capture_output=True, text=True,
                          timeout=300, check=True)  # fmt: skip
    for row in ("escalate report (1 process)", "escalate report --jobs 2",
                "--engine dask, 1 worker", "--engine dask, 2 workers"):  # fmt: skip
        assert re.search(rf"^  {re.escape(row)}\s+[\d.]+s\s+\d+ MiB/s", done.stdout, re.M), row
