"""The HTML format: escaped, self-contained, with an inline SVG timeline."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from escalate._render import Format, render
from escalate._report._model import Report

from .reports import FIXTURES, HOSTILE, failing_report, healthy_report, hostile_report

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def test_script_in_a_finding_summary_is_escaped() -> None:
    """A `<script>` in log-derived text is shown as text, never as markup."""
    output = render(hostile_report(), Format.HTML)
    assert "<script" not in output
    assert "Summary &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in output


def test_hostile_payload_shape_cannot_close_a_table_cell() -> None:
    """A payload shape holding `</td></tr>` stays inside its cell."""
    output = render(hostile_report(), Format.HTML).replace("<wbr>", "")
    assert "</td></tr><script>" not in output
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;script&gt;" in output


def test_control_characters_never_reach_the_page() -> None:
    """The ESC of a colour code in a log string is replaced, not written raw."""
    assert "\x1b" not in render(hostile_report(), Format.HTML)


@pytest.mark.parametrize(("name", "build"), FIXTURES, ids=[name for name, _ in FIXTURES])
def test_page_requests_nothing_external(name: str, build: Callable[[], Report]) -> None:
    """No src, href, url() or @import points anywhere: the file is self-contained."""
    output = render(build(), Format.HTML)
    assert not re.search(r"\b(src|href)\s*=", output)
    assert "url(" not in output
    assert "@import" not in output
    assert "<script" not in output


def test_page_declares_a_strict_content_security_policy() -> None:
    """A CSP meta tag blocks (and reports) any fetch a future template change might add."""
    assert f'content="{CSP}"' in render(healthy_report(), Format.HTML)


def test_timeline_draws_one_bar_per_nonzero_count() -> None:
    """Each non-zero ok or failed count of a timeline bucket is one SVG bar."""
    report = failing_report()
    output = render(report, Format.HTML)
    expected_ok = sum(1 for bucket in report.timeline if bucket.ok)
    expected_failed = sum(1 for bucket in report.timeline if bucket.failed)
    assert output.count('<rect class="ok"') == expected_ok
    assert output.count('<rect class="failed"') == expected_failed


def test_healthy_timeline_has_no_failure_marks() -> None:
    """A report without failures draws no failed bar and no shaded slice."""
    output = render(healthy_report(), Format.HTML)
    assert '<rect class="failed"' not in output
    assert '<rect class="band"' not in output


def test_report_without_timeline_omits_the_section() -> None:
    """No timeline data, no empty SVG."""
    report = failing_report()
    bare = Report(**{**report.__dict__, "timeline": ()})
    assert "<svg" not in render(bare, Format.HTML)


def test_verdicts_carry_text_labels_not_colour_alone() -> None:
    """Every verdict badge says PASS, FAIL or UNKNOWN in words."""
    output = render(failing_report(), Format.HTML)
    assert output.count("✓ PASS") == 2
    assert output.count("? UNKNOWN") == 1
    assert "✗ FAIL" in output


def test_evidence_is_collapsible() -> None:
    """Each finding's evidence sits in a <details> element."""
    report = failing_report()
    output = render(report, Format.HTML)
    assert output.count('<details class="evidence">') == len(report.findings)


def test_hostile_strings_appear_escaped_in_the_timeline_tooltip() -> None:
    """An unparseable, hostile timeline start is kept as escaped text in a tooltip."""
    output = render(hostile_report(), Format.HTML)
    assert HOSTILE.split("\n")[0] not in output
    assert "send, &lt;script&gt;" in output
