"""The output formats: one registry, each entry all it takes to render a document in it.

`FORMATS` is the only list of formats. The `--format` choices of `report`, `doctor` and `diff`,
the escaping a `--template` gets, the report files of a bundle and the tests' parametrisation are
all read from it, so a format added here is offered, rendered, bundled and tested everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final


@dataclass(frozen=True)
class Format:
    """An output format: what `--format` accepts and how a document is rendered in it."""

    value: str  #: what `--format` accepts; `format` in a template's context
    extension: str  #: of its built-in templates (`report.md.j2`) and of the files it is saved in
    autoescape: bool  #: HTML escapes every value; the other formats escape with filters
    bundled: bool  #: a support bundle holds the report in this format

    MARKDOWN: ClassVar[Format]
    HTML: ClassVar[Format]
    JSON: ClassVar[Format]
    TEXT: ClassVar[Format]

    def template(self, document: str = "report") -> str:
        """The built-in template of `document` (`report`, `diff`, `follow`) in this format."""
        return f"{document}.{self.extension}.j2"

    def file_name(self, document: str = "report") -> str:
        """The name `document` is saved under in this format: `report.md`, `report.html`, ..."""
        return f"{document}.{self.extension}"


Format.MARKDOWN = Format("markdown", extension="md", autoescape=False, bundled=True)
Format.HTML = Format("html", extension="html", autoescape=True, bundled=True)
Format.JSON = Format("json", extension="json", autoescape=False, bundled=True)
Format.TEXT = Format("text", extension="txt", autoescape=False, bundled=False)

#: Every format, in the order `--help` lists them; markdown (the default) first.
FORMATS: Final = (Format.MARKDOWN, Format.HTML, Format.JSON, Format.TEXT)
#: What `--format` accepts, in the same order.
FORMAT_NAMES: Final = tuple(fmt.value for fmt in FORMATS)
#: The formats a support bundle holds the report in.
BUNDLED_FORMATS: Final = tuple(fmt for fmt in FORMATS if fmt.bundled)


def parse_format(fmt: Format | str) -> Format:
    """Accept a `Format` or its value (`"markdown"`, ...); raise ValueError naming the choices."""
    if isinstance(fmt, Format):
        return fmt
    for known in FORMATS:
        if known.value == fmt.lower():
            return known
    choices = ", ".join(FORMAT_NAMES)
    raise ValueError(f"unknown report format {fmt!r}; choose one of: {choices}")
