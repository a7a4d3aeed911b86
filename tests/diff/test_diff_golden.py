"""The diff renderers, pinned by golden files (ESCALATE_UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from escalate._render import FORMATS, Format

from .conftest import RunDiff

GOLDEN = Path(__file__).resolve().parent / "golden"
#: (before, after): a new failure, and failures gone
PAIRS = (("healthy", "send_forbidden"), ("mixed", "healthy"))


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
@pytest.mark.parametrize("pair", PAIRS, ids="-to-".join)
def test_diff_matches_golden(pair: tuple[str, str], fmt: Format, run_diff: RunDiff) -> None:
    """Each format of each pair's diff is its golden file."""
    before, after = pair
    result = run_diff("--before", f"samples/{before}", "--after", f"samples/{after}",
                      "--format", fmt.value)  # fmt: skip
    golden = GOLDEN / f"{before}-to-{after}.{fmt.extension}"
    if os.environ.get("ESCALATE_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(result.output, encoding="utf-8")
    assert result.output == golden.read_text(encoding="utf-8")
