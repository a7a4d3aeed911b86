"""Time one `escalate report` in its own process: the one definition the benchmarks share."""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path


def time_report(python: str, path: str | Path) -> tuple[float, float]:
    """Wall and CPU seconds of `escalate report --format json` of `path` under `python`.

    The report runs outside any checkout: `python -m escalate` imports the escalate of the current
    directory first, so run from a checkout a baseline interpreter would time that checkout.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = [python, "-m", "escalate", "report", "--format", "json", "--no-progress",
               "-o", os.devnull, os.path.abspath(path)]  # fmt: skip
    subprocess.run(command, stdout=subprocess.DEVNULL, check=False, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
