"""The text format: a terminal report of at most 100 columns, with no control codes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalate._render import Format, render
from escalate._render._filters import wrap_text
from escalate._render._wrap import display_width
from escalate._report._model import Report

from .reports import FIXTURES, failing_report, hostile_report


@pytest.mark.parametrize(("name", "build"), FIXTURES, ids=[name for name, _ in FIXTURES])
def test_no_line_is_wider_than_100_columns(name: str, build: Callable[[], Report]) -> None:
    """Every line fits a 100-column terminal, wide characters counted as two columns."""
    lines = render(build(), Format.TEXT).splitlines()
    assert max(display_width(line) for line in lines) <= 100


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
    assert all(display_width(line) <= width for line in wrapped.splitlines())


@given(st.text(alphabet=st.characters(categories=["L", "N", "Zs"])))
def test_wrap_text_loses_no_character(value: str) -> None:
    """Wrapping only moves whitespace and line breaks: every other character stays, in order."""
    wrapped = wrap_text(value, width=20, indent="  ")
    assert "".join(wrapped.split()) == "".join(value.split())


def test_wide_characters_count_as_two_columns() -> None:
    """Ten CJK characters fill a 20-column line."""
    lines = wrap_text("日本語日本語日本語日本語", width=20).splitlines()
    assert lines == ["日本語日本語日本語日", "本語"]
