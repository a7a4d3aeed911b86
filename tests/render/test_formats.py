"""The format registry: every format is declared once, rendered, offered, bundled and documented."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

import escalate._render
from escalate._bundle._build import REPORT_FILES
from escalate._bundle._readme import README_TEXT
from escalate._cli import COMMANDS, main
from escalate._render import FORMATS, Format, render
from escalate._render._environment import builtin_loader
from escalate._render._format import BUNDLED_FORMATS, FORMAT_NAMES, parse_format

from .reports import failing_report

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
#: The documents rendered in every format, each from `<document>.<extension>.j2`.
DOCUMENTS = ("report", "diff")
IDS = [fmt.value for fmt in FORMATS]


def _format_option(name: str) -> click.Option | None:
    """The `--format` option of the command `name`, if it has one."""
    command = main.get_command(click.Context(main), name)
    assert command is not None
    options = [p for p in command.params if isinstance(p, click.Option) and p.name == "fmt"]
    return options[0] if options else None


def test_public_names_are_pinned() -> None:
    """The facade exports exactly the registry, its error and the two render functions."""
    assert escalate._render.__all__ == [
        "FORMATS", "Format", "UserTemplateError", "render", "render_document",
    ]  # fmt: skip


def test_registry_lists_every_format_once() -> None:
    """Every `Format.NAME` is in FORMATS exactly once, markdown (the default) first."""
    declared = [value for value in vars(Format).values() if isinstance(value, Format)]
    assert sorted(FORMATS, key=lambda fmt: fmt.value) == sorted(declared, key=lambda f: f.value)
    assert len(set(FORMATS)) == len(FORMATS)
    assert FORMATS[0] is Format.MARKDOWN
    assert tuple(fmt.value for fmt in FORMATS) == FORMAT_NAMES


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_each_format_has_a_builtin_template_for_every_document(fmt: Format, document: str) -> None:
    """The template a format names for a report and for a diff exists in `templates/`."""
    assert (TEMPLATES / fmt.template(document)).is_file()


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_each_format_renders_the_headline(fmt: Format) -> None:
    """Every format carries the report's headline."""
    assert "12 of 52 sends failed with 403 FORBIDDEN" in render(failing_report(), fmt)


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_format_value_is_accepted_as_a_string(fmt: Format) -> None:
    """render() takes `"html"` as well as Format.HTML, with the same result."""
    assert render(failing_report(), fmt.value) == render(failing_report(), fmt)


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_each_format_is_documented(fmt: Format) -> None:
    """docs/templates.md names every format and its template."""
    docs = (TEMPLATES.parent / "docs" / "templates.md").read_text(encoding="utf-8")
    assert f"`{fmt.value}`" in docs
    assert f"`{fmt.template()}`" in docs


def test_template_names_and_extensions_are_distinct() -> None:
    """No two formats share a template or a file extension."""
    assert len({fmt.template() for fmt in FORMATS}) == len(FORMATS)
    assert len({fmt.extension for fmt in FORMATS}) == len(FORMATS)


def test_only_html_autoescapes() -> None:
    """HTML is autoescaped; the other formats escape with filters instead."""
    assert [fmt for fmt in FORMATS if fmt.autoescape] == [Format.HTML]


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
    assert {fmt.template(document) for fmt in FORMATS for document in DOCUMENTS} <= names


@pytest.mark.parametrize("name", ["diff", "doctor", "report"])
def test_every_format_option_offers_the_registry(name: str) -> None:
    """`--format` of each rendering command offers every format, markdown by default."""
    option = _format_option(name)
    assert option is not None and isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == FORMAT_NAMES
    assert option.default == Format.MARKDOWN.value


def test_only_rendering_commands_take_a_format() -> None:
    """No other command grows a `--format` of its own, outside the registry."""
    assert {name for name in COMMANDS if _format_option(name)} == {"diff", "doctor", "report"}


def test_bundle_holds_the_report_in_each_bundled_format() -> None:
    """The bundle's report files are the registry's bundled formats, each named in its README."""
    assert [(name, fmt) for name, fmt in REPORT_FILES] == [
        (f"report.{fmt.extension}", fmt) for fmt in BUNDLED_FORMATS
    ]
    assert all(f"report.{fmt.extension}" in README_TEXT for fmt in BUNDLED_FORMATS)
