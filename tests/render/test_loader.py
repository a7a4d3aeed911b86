"""Built-in templates are found in an installed wheel's layout, not only in a source checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import escalate

CHECKOUT = Path(escalate.__file__).resolve().parents[1]

PROBE = """
import escalate._render as r
from escalate._render._environment import builtin_loader
from escalate._report._model import InputSummary, Report
import jinja2
loader, env = builtin_loader(), jinja2.Environment()
for fmt in r.FORMATS:
    print(loader.get_source(env, fmt.template())[1])
report = Report("escalate test", InputSummary((), 0, 0, 0, 0, None, None), (), None, "ok", ())
print(r.render(report, "markdown").splitlines()[0])
"""


def test_installed_wheel_layout_uses_the_package_templates(tmp_path: Path) -> None:
    """Templates at escalate/templates (as the wheel ships them), no checkout: it renders."""
    site = tmp_path / "site"
    shutil.copytree(
        CHECKOUT / "escalate", site / "escalate", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(CHECKOUT / "templates", site / "escalate" / "templates")
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    *filenames, first_line = done.stdout.splitlines()
    assert len(filenames) == 4
    assert all(name.startswith(str(site / "escalate" / "templates")) for name in filenames)
    assert first_line == "# ✅ No failing stage"
