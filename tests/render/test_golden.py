"""Golden files: every fixture report in every format, compared exactly.

Regenerate after an intended change with `ESCALATE_UPDATE_GOLDEN=1 pytest tests/render`, then read
the diff before committing it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from escalate._render import FORMATS, Format, render
from escalate._report._model import Report

from .reports import FIXTURES

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ESCALATE_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("fmt", FORMATS, ids=[fmt.value for fmt in FORMATS])
@pytest.mark.parametrize(("name", "build"), FIXTURES, ids=[name for name, _ in FIXTURES])
def test_output_matches_golden_file(name: str, build: Callable[[], Report], fmt: Format) -> None:
    """The rendered report is byte for byte the reviewed golden file."""
    path = GOLDEN / f"{name}.{fmt.extension}"
    output = render(build(), fmt)
    if UPDATE:
        path.write_bytes(output.encode("utf-8"))
    assert path.is_file(), f"missing golden file {path}: run with ESCALATE_UPDATE_GOLDEN=1"
    assert output == path.read_bytes().decode("utf-8")


def test_every_golden_file_belongs_to_a_fixture_and_format() -> None:
    """No stale golden file outlives the fixture or format it was made for."""
    expected = {
        f"{name}.{fmt.extension}" for name, _ in FIXTURES for fmt in FORMATS
    }
    assert {path.name for path in GOLDEN.iterdir()} == expected
