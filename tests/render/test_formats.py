"""The format registry: every Format is registered once, mapped, rendered and documented."""

from __future__ import annotations

from pathlib import Path

import pytest

import escalate._render
from escalate._render import FORMATS, Format, render
from escalate._render._environment import builtin_loader
from escalate._render._format import format_spec, parse_format

from .reports import failing_report

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_public_names_are_pinned() -> None:
    """The facade exports exactly Format, FORMATS and render."""
    assert escalate._render.__all__ == ["FORMATS", "Format", "render"]


def test_registry_lists_every_format_once() -> None:
    """FORMATS holds each Format member exactly once, markdown (the default) first."""
    assert sorted(FORMATS, key=lambda fmt: fmt.value) == sorted(Format, key=lambda f: f.value)
    assert len(set(FORMATS)) == len(FORMATS)
    assert FORMATS[0] is Format.MARKDOWN


@pytest.mark.parametrize("fmt", FORMATS, ids=[fmt.value for fmt in FORMATS])
def test_each_format_has_a_builtin_template(fmt: Format) -> None:
    """The template a format names exists in the top-level templates directory."""
    assert (TEMPLATES / format_spec(fmt).template).is_file()


@pytest.mark.parametrize("fmt", FORMATS, ids=[fmt.value for fmt in FORMATS])
def test_each_format_renders_the_headline(fmt: Format) -> None:
    """Every format carries the report's headline."""
    assert "12 of 52 sends failed with 403 FORBIDDEN" in render(failing_report(), fmt)


@pytest.mark.parametrize("fmt", FORMATS, ids=[fmt.value for fmt in FORMATS])
def test_format_value_is_accepted_as_a_string(fmt: Format) -> None:
    """render() takes `"html"` as well as Format.HTML, with the same result."""
    assert render(failing_report(), fmt.value) == render(failing_report(), fmt)


@pytest.mark.parametrize("fmt", FORMATS, ids=[fmt.value for fmt in FORMATS])
def test_each_format_is_documented(fmt: Format) -> None:
    """docs/templates.md names every format and its template."""
    docs = (TEMPLATES.parent / "docs" / "templates.md").read_text(encoding="utf-8")
    assert f"`{fmt.value}`" in docs
    assert f"`{format_spec(fmt).template}`" in docs


def test_template_names_and_extensions_are_distinct() -> None:
    """No two formats share a template or a file extension."""
    specs = [format_spec(fmt) for fmt in FORMATS]
    assert len({spec.template for spec in specs}) == len(specs)
    assert len({spec.extension for spec in specs}) == len(specs)


def test_only_html_autoescapes() -> None:
    """HTML is autoescaped; the other formats escape with filters instead."""
    assert [fmt for fmt in FORMATS if format_spec(fmt).autoescape] == [Format.HTML]


def test_unknown_format_names_the_choices() -> None:
    """An unknown format is a ValueError listing every valid value."""
    with pytest.raises(ValueError, match="markdown, html, json, text"):
        parse_format("pdf")


def test_format_names_are_case_insensitive() -> None:
    """`--format HTML` means html."""
    assert parse_format("HTML") is Format.HTML


def test_checkout_loader_finds_every_template() -> None:
    """In a source checkout the built-in loader serves the top-level templates."""
    names = set(builtin_loader().list_templates())
    assert {format_spec(fmt).template for fmt in FORMATS} <= names
