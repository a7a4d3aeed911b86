"""`template=PATH`: a user's own template gets the built-in context and the format's escaping."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest

from escalate._render import FORMATS, Format, render
from escalate._render._environment import GLOBALS
from escalate._render._filters import FILTERS

from .reports import failing_report, hostile_report

DOCS = Path(__file__).resolve().parents[2] / "docs" / "templates.md"


def _template(tmp_path: Path, source: str, name: str = "mine.j2") -> Path:
    """Write a template file and return its path."""
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", FORMATS, ids=[fmt.value for fmt in FORMATS])
def test_custom_template_gets_the_same_context_in_every_format(fmt: Format, tmp_path: Path) -> None:
    """Every format renders a user template with `report`, `format` and the helpers."""
    path = _template(
        tmp_path,
        "{{ format }}|{{ report.schema }}|{{ report.findings | length }}|"
        "{{ counted(report.inputs.calls, 'call') }}|{{ stage_title(report, 'send') }}",
    )
    expected = f"{fmt.value}|escalate.report/1|2|58 calls|POST /api/core/messages/send"
    assert render(failing_report(), fmt, template=path) == expected


def test_custom_html_template_is_autoescaped(tmp_path: Path) -> None:
    """With --format html a user template escapes log strings like the built-in one."""
    path = _template(tmp_path, "{{ report.findings[0].summary }}")
    output = render(hostile_report(), Format.HTML, template=path)
    assert "<script>" not in output
    assert "&lt;script&gt;" in output


def test_custom_markdown_template_is_not_autoescaped(tmp_path: Path) -> None:
    """With --format markdown a value is written as is unless a filter escapes it."""
    path = _template(tmp_path, "{{ report.findings[0].summary }}")
    assert "<script>" in render(hostile_report(), Format.MARKDOWN, template=path)


def test_custom_template_can_extend_a_builtin_one(tmp_path: Path) -> None:
    """`{% extends "report.md.j2" %}` reaches the built-in template, even from a same-named file."""
    path = _template(tmp_path, '{% extends "report.md.j2" %}', name="report.md.j2")
    report = failing_report()
    assert render(report, Format.MARKDOWN, template=path) == render(report, Format.MARKDOWN)


def test_custom_template_can_include_its_siblings(tmp_path: Path) -> None:
    """A user template includes a file next to it as `user/<name>`."""
    _template(tmp_path, "[{{ report.headline }}]", name="part.j2")
    path = _template(tmp_path, '{% include "user/part.j2" %}')
    output = render(failing_report(), Format.TEXT, template=path)
    assert output == f"[{failing_report().headline}]"


def test_missing_template_is_file_not_found(tmp_path: Path) -> None:
    """A template path that does not exist raises FileNotFoundError naming it."""
    with pytest.raises(FileNotFoundError, match=r"nope\.j2"):
        render(failing_report(), Format.TEXT, template=tmp_path / "nope.j2")


def test_undefined_name_in_a_template_fails_loudly(tmp_path: Path) -> None:
    """A typo in a user template is a ValueError naming file and line, not empty output."""
    path = _template(tmp_path, "ok\n{{ report.headlin }}\n")
    with pytest.raises(ValueError, match=r"mine\.j2:2: .*headlin") as raised:
        render(failing_report(), Format.TEXT, template=path)
    assert isinstance(raised.value.__cause__, jinja2.UndefinedError)


def test_syntax_error_names_the_template_file_and_line(tmp_path: Path) -> None:
    """A broken user template is a ValueError pointing at its file and line."""
    path = _template(tmp_path, "ok\n\n{% if %}\n")
    with pytest.raises(ValueError, match=rf"^{re.escape(str(path))}:3: ") as raised:
        render(failing_report(), Format.TEXT, template=path)
    assert isinstance(raised.value.__cause__, jinja2.TemplateSyntaxError)


def test_error_in_an_included_template_names_that_file(tmp_path: Path) -> None:
    """An error inside a sibling the user template includes points at the sibling."""
    _template(tmp_path, "{{ nope }}", name="part.j2")
    path = _template(tmp_path, '{% include "user/part.j2" %}')
    with pytest.raises(ValueError, match=r"part\.j2:1: 'nope' is undefined"):
        render(failing_report(), Format.TEXT, template=path)


@pytest.mark.parametrize("name", [name for name, _ in (*FILTERS, *GLOBALS)])
def test_every_helper_is_documented(name: str) -> None:
    """docs/templates.md documents each filter and function a template can use."""
    assert f"`{name}" in DOCS.read_text(encoding="utf-8")
