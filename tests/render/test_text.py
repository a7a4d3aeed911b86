"""The text format: a terminal report of at most 100 columns, with no control codes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalate._render import Format, render
from escalate._render._filters import wrap_text
from escalate._report._model import Report

from .reports import FIXTURES, failing_report, hostile_report


@pytest.mark.parametrize(("name", "build"), FIXTURES, ids=[name for name, _ in FIXTURES])
def test_no_line_is_wider_than_100_columns(name: str, build: Callable[[], Report]) -> None:
    """Every line fits a 100-column terminal."""
    assert max(len(line) for line in render(build(), Format.TEXT).splitlines()) <= 100


def test_no_colour_or_control_codes() -> None:
    """An ANSI colour code inside a log string is neutralised, not passed to the terminal."""
    output = render(hostile_report(), Format.TEXT)
    assert "\x1b" not in output
    assert all(char in "\n" or char.isprintable() for char in output)


def test_stage_lines_carry_verdict_markers() -> None:
    """Each stage line starts with its verdict in brackets."""
    lines = render(failing_report(), Format.TEXT).splitlines()
    assert "  4 [FAIL]  send      12 of 52 sends failed with 403 FORBIDDEN." in lines
    assert "  3 [ ?? ]  numbers   No numbers call was captured." in lines


@settings(max_examples=200)
@given(
    st.text(),
    st.text(alphabet=st.characters(codec="ascii"), max_size=60),
    st.integers(min_value=20, max_value=100),
)
def test_wrap_text_respects_the_width(value: str, first: str, width: int) -> None:
    """wrap_text() never emits a line wider than asked, whatever the prefix and value."""
    wrapped = wrap_text(value, width=width, first=first, indent="    ")
    assert all(len(line) <= width for line in wrapped.splitlines())
