"""Time one `escalate report` in its own process: the one definition the benchmarks share."""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path


def time_report(python: str, path: str | Path, *, bundle: bool = False) -> tuple[float, float]:
    """Wall and CPU seconds of `escalate report --format json` of `path` under `python` (with
    `bundle`, of `escalate bundle`, its zip written to a temporary file).

    The report runs outside any checkout: `python -m escalate` imports the escalate of the current
    directory first, so run from a checkout a baseline interpreter would time that checkout.
    """
    with tempfile.TemporaryDirectory(prefix="escalate-timing-") as folder:
        tail = (["bundle", "-o", os.path.join(folder, "bundle.zip")] if bundle
                else ["report", "--format", "json", "--no-progress", "-o", os.devnull])  # fmt: skip
        return _timed([python, "-m", "escalate", *tail, os.path.abspath(path)])


def _timed(command: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=False, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
