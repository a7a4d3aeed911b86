"""`escalate report` runs the last secret scan: no canary reaches any output format."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._render import FORMATS, Format

from ._logs import FORBIDDEN


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
def test_report_of_salted_log_holds_no_canary(salted: Path, fmt: Format) -> None:
    """Canaries in every field and in free text are redacted in every format of the report."""
    result = CliRunner().invoke(main, ["report", str(salted), "--format", fmt.value])
    assert result.exit_code == 1, result.output
    leaked = [canary for canary in FORBIDDEN if canary in result.output]
    assert leaked == []


def test_report_says_what_was_redacted(salted: Path) -> None:
    """The JSON report counts the redactions by rule, never their values."""
    result = CliRunner().invoke(main, ["report", str(salted), "--format", "json"])
    redactions = orjson.loads(result.output)["redactions"]
    assert sum(redactions.values()) > 0
    assert all(key.isidentifier() or "-" in key or "_" in key for key in redactions)
