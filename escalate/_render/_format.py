"""The output formats of `escalate report`: one registry, each format mapped to its template."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NoReturn


class Format(enum.Enum):
    """A report format; the value is what `--format` accepts."""

    MARKDOWN = "markdown"
    HTML = "html"
    JSON = "json"
    TEXT = "text"


#: Every format, in the order `--help` lists them; markdown (the default) first.
FORMATS: tuple[Format, ...] = (Format.MARKDOWN, Format.HTML, Format.JSON, Format.TEXT)


@dataclass(frozen=True)
class FormatSpec:
    """How one format is rendered: its built-in template and whether output is HTML-escaped."""

    template: str
    autoescape: bool
    extension: str


def format_spec(fmt: Format) -> FormatSpec:
    """Return the rendering spec of `fmt`; exhaustive, so mypy rejects a format left unmapped."""
    if fmt is Format.MARKDOWN:
        return FormatSpec(template="report.md.j2", autoescape=False, extension="md")
    if fmt is Format.HTML:
        return FormatSpec(template="report.html.j2", autoescape=True, extension="html")
    if fmt is Format.JSON:
        return FormatSpec(template="report.json.j2", autoescape=False, extension="json")
    if fmt is Format.TEXT:
        return FormatSpec(template="report.txt.j2", autoescape=False, extension="txt")
    assert_never(fmt)


def assert_never(value: NoReturn) -> NoReturn:
    """Fail loudly on a value mypy proved impossible (`typing.assert_never` is Python 3.11+)."""
    raise AssertionError(f"unhandled format: {value!r}")


def parse_format(fmt: Format | str) -> Format:
    """Accept a `Format` or its value (`"markdown"`, ...); raise ValueError naming the choices."""
    if isinstance(fmt, Format):
        return fmt
    try:
        return Format(fmt.lower())
    except ValueError:
        choices = ", ".join(choice.value for choice in FORMATS)
        raise ValueError(f"unknown report format {fmt!r}; choose one of: {choices}") from None
