"""Remote inputs and the Dask engine cost nothing to a report that does not use them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_local_report_imports_no_remote_or_dask_package() -> None:
    """A report of local files never imports fsspec, s3fs, dask or distributed."""
    code = ("import sys; from escalate._cli import main; "
            "main(['report', 'samples/mixed', '--format', 'json'], standalone_mode=False); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('fsspec', 's3fs', 'gcsfs', 'dask', 'distributed') "
            "or m in ('escalate._report._reading._remote', "
            "'escalate._report._dask')))")  # fmt: skip
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                          timeout=60, check=True)  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "[]"
