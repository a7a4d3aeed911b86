"""The benchmarks still run and take the options the README and docs give them.

Nothing here is timed (the machines are noisy and shared): a tiny run checks the table's rows.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CAPTURE = ROOT / "benchmarks" / "capture_overhead.py"


@pytest.mark.parametrize("options", [[], ["--vary"], ["--block", "2"], ["--inline"],
                                     ["--default-sigterm"]])
def test_capture_overhead_runs_and_prints_every_mode(tmp_path: Path, options: list[str]) -> None:
    """A three-call run over loopback prints each mode's row, the writer thread's CPU (not with
    `--inline` nor `--default-sigterm`) and the records escalate wrote (two minutes at most)."""
    result = subprocess.run(
        [sys.executable, str(CAPTURE), "--calls", "3", "--rounds", "1", *options], cwd=tmp_path,
        capture_output=True, text=True, timeout=120, check=True)
    for mode in ("httpx bare", "httpx + escalate", "httpx + minimal orjson-line hook",
                 "requests bare", "requests + escalate"):
        assert re.search(rf"^{re.escape(mode)}\s+\d", result.stdout, re.MULTILINE), mode
    writer = re.search(r"^escalate's writer thread: [\d.]+ us CPU per record", result.stdout,
                       re.MULTILINE)
    assert (writer is None) == ("--inline" in options or "--default-sigterm" in options)
    # 50 warm-up calls and 3 timed ones, for each of the two escalate clients
    assert "escalate: 106 records written, 0 errors swallowed" in result.stdout
    assert list(tmp_path.iterdir()) == []  # its files live in a temporary folder


def test_documented_benchmark_options_exist() -> None:
    """Every `--option` the README and docs/capture.md give `capture_overhead.py` is one of its
    options."""
    help_text = subprocess.run([sys.executable, str(CAPTURE), "--help"], capture_output=True,
                               text=True, timeout=60, check=True).stdout
    documented = set()
    for doc in (ROOT / "README.md", ROOT / "docs" / "capture.md"):
        for command in re.findall(r"capture_overhead\.py([^`\n]*)", doc.read_text("utf-8")):
            documented.update(re.findall(r"--[a-z][a-z-]*", command))
    assert {"--calls", "--cache-misses", "--instructions"} <= documented
    assert documented <= set(re.findall(r"--[a-z][a-z-]*", help_text))


def test_duplicate_storm_runs_and_its_log_is_a_duplicate_storm(tmp_path: Path) -> None:
    """The storm benchmark prints both cases and the ratio; its new-key log is reported as one
    operation sent under as many keys as sends."""
    storm = ROOT / "benchmarks" / "duplicate_storm.py"
    result = subprocess.run([sys.executable, str(storm), "--sends", "20", "--repeat", "1"],
                            capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    assert re.search(r"^ratio new key each / one key: [\d.]+$", result.stdout, re.MULTILINE)
    sys.path.insert(0, str(storm.parent))
    try:
        from duplicate_storm import write_storm
    finally:
        sys.path.remove(str(storm.parent))
    log = tmp_path / "storm.jsonl"
    write_storm(log, 20, new_key_each=True)
    report = subprocess.run([sys.executable, "-m", "escalate", "report", "--format", "json",
                             str(log)], capture_output=True, text=True, timeout=120, check=False)
    assert "20 attempts, 20 keys" in report.stdout


def test_hostile_bounds_scan_part_runs_and_prints_every_shape() -> None:
    """A small run of the scan part prints a ratio row per adversarial shape and its verdict."""
    script = ROOT / "benchmarks" / "hostile_bounds.py"
    options = ["--skip-commands", "--max-kib", "16", "--repeat", "1", "--max-ratio", "1000"]
    result = subprocess.run([sys.executable, str(script), *options], capture_output=True,
                            text=True, timeout=120, check=True)  # fmt: skip
    assert re.search(r"^eyJ run\s+[\d.]+\s+[\d.]+", result.stdout, re.MULTILINE)
    assert "all bounds held" in result.stdout
