"""The markdown format: tables that cannot break, no HTML, a complete escalation package."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalate._render import Format, render
from escalate._render._filters import md, md_code
from escalate._report._model import Report

from .reports import FIXTURES, failing_report, healthy_report

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@pytest.mark.parametrize(("name", "build"), FIXTURES, ids=[name for name, _ in FIXTURES])
def test_every_table_row_has_its_header_column_count(
    name: str, build: Callable[[], Report]
) -> None:
    """Log-derived `|` and newlines never add or remove a table column."""
    lines = render(build(), Format.MARKDOWN).splitlines()
    for is_table, rows in itertools.groupby(lines, key=lambda line: line.startswith("|")):
        if is_table:
            table = list(rows)
            assert len({len(UNESCAPED_PIPE.findall(row)) for row in table}) == 1, table


def _markup_outside_code(line: str) -> list[int]:
    """Offsets of unescaped `<` outside code spans, read the way CommonMark reads a line."""
    found, index = [], 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if char == "`":
            fence = re.match(r"`+", line[index:])
            assert fence is not None
            closing = re.compile(rf"(?<!`){fence.group()}(?!`)")
            end = closing.search(line, index + len(fence.group()))
            index = end.end() if end else index + len(fence.group())
            continue
        if char == "<":
            found.append(index)
        index += 1
    return found


@pytest.mark.parametrize(("name", "build"), FIXTURES, ids=[name for name, _ in FIXTURES])
def test_no_raw_html(name: str, build: Callable[[], Report]) -> None:
    """Every `<` is backslash-escaped or inside a code span: log strings cannot become HTML."""
    for line in render(build(), Format.MARKDOWN).splitlines():
        assert _markup_outside_code(line) == [], line


def test_headline_names_the_first_failing_stage() -> None:
    """The first heading says which stage fails first."""
    first_line = render(failing_report(), Format.MARKDOWN).splitlines()[0]
    assert first_line == "# ❌ First failing stage: POST /api/core/messages/send — `send`"


def test_healthy_report_says_no_failing_stage() -> None:
    """Without a failing stage the headline says so and no finding section appears."""
    output = render(healthy_report(), Format.MARKDOWN)
    assert output.startswith("# ✅ No failing stage")
    assert "## Findings" not in output


def test_package_table_has_every_escalation_column() -> None:
    """The package table has the guide's minimum useful package as columns."""
    output = render(failing_report(), Format.MARKDOWN)
    header = (
        "| Endpoint | HTTP status | Request timestamp | requestId | Payload shape "
        "| Token freshly acquired | messageId |"
    )
    assert output.count(header) == 2


def test_completeness_is_ready_or_lists_what_is_missing() -> None:
    """A ready package says so; an incomplete one lists each missing item."""
    output = render(failing_report(), Format.MARKDOWN)
    assert "✅ Ready to escalate" in output
    assert "⚠️ Not ready to escalate yet. Missing:" in output
    assert "- no requestId captured: accepted sends carry none" in output


def test_caused_by_note_names_the_earlier_stage() -> None:
    """A finding explained by an earlier stage says which one."""
    output = render(failing_report(), Format.MARKDOWN)
    note = "**Probably caused by an earlier stage:** POST /api/core/messages/send — `send`."
    assert note in output


def test_causes_are_listed_in_rank_order() -> None:
    """Likely causes keep the engine's ranking, numbered from 1."""
    output = render(failing_report(), Format.MARKDOWN)
    assert output.index("1. **wrong sendFrom**") < output.index("2. **number ownership mismatch**")


@given(st.text())
def test_md_never_leaves_a_pipe_or_newline_unescaped(value: str) -> None:
    """Whatever the input, md() keeps to one line and escapes every `|`."""
    escaped = md(value)
    assert "\n" not in escaped and "\r" not in escaped
    assert all(escaped[index - 1] == "\\" for index, char in enumerate(escaped) if char == "|")


@given(st.text())
def test_md_code_fence_is_longer_than_any_backtick_run_inside(value: str) -> None:
    """md_code() picks a fence no backtick run inside the value can close early."""
    code = md_code(value)
    fence = re.match(r"`+", code)
    assert fence is not None
    inner = code[len(fence.group()) : -len(fence.group())]
    assert all(len(run) < len(fence.group()) for run in re.findall(r"`+", inner))
    assert "\n" not in code


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("# not a heading", "\\# not a heading"),
        ("- not a list", "\\- not a list"),
        ("12. not a list", "12\\. not a list"),
        ("_not emphasis_", "\\_not emphasis\\_"),
        ("rc_test_client_123", "rc_test_client_123"),
        ("~~not struck~~", "\\~\\~not struck\\~\\~"),
        ("&lt;", "\\&lt;"),
        ("`sendFrom` uses numberId", "`sendFrom` uses numberId"),
    ],
)
def test_md_neutralises_markup_a_value_could_start(value: str, expected: str) -> None:
    """Block markers at the start, emphasis, entities are escaped; identifiers stay readable."""
    assert md(value) == expected
