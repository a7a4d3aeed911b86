"""Jinja2 filters and globals every report template can use (documented in docs/templates.md).

Log-derived strings reach the templates unchanged; these helpers make them safe for the target:
markdown tables (`md`, `md_code`), a 100-column terminal (`wrap_text`, `plain`), JSON (`to_json`).
HTML needs none of them: its environment autoescapes every value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import orjson
from markupsafe import Markup, escape

from escalate._controls import CONTROL_RE
from escalate._render._wrap import wrap_columns

_CONTROL = CONTROL_RE
#: What GitHub-flavoured Markdown turns into a link in plain text: `scheme://`, `www.`, `a@b`
#: (the autolink extension); a backslash before `:`, `.` or `@` keeps the text and drops the link.
_AUTOLINK = re.compile(r"(?<=[A-Za-z])(:)(?=//)|(?i:(?<![A-Za-z0-9])www)(\.)|(@)")
_NEWLINES = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
#: Characters CommonMark/GFM would read as markup inside a table cell or a paragraph.
_MARKDOWN_SPECIAL = re.compile(r"([\\`|*<>\[\]&~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
#: What would open a heading, quote or list if a value started a line (`- # x` is a heading).
_MARKDOWN_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")
_BACKTICK_RUN = re.compile(r"`+")
#: A backtick-quoted span on one line: the guide's way of quoting a field (`sendFrom`).
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
#: Where `wbr` lets a long value wrap: after a separator, or between a date and its time.
_BREAK_AFTER = re.compile(r"(?<=[/,])(?=.)|(?<=\D:)(?=.)|(?<=\dT)(?=\d)")
#: What a line break inside one log-derived value becomes where it must stay on one line.
NEWLINE_MARK = " ↵ "
#: How many input files a report for people names; the JSON format lists every one.
FILES_SHOWN = 20


def to_json(value: Any, indent: int = 2) -> str:
    """Serialise with orjson, keeping key order; `indent` is 2 (pretty) or 0 (compact)."""
    option = orjson.OPT_INDENT_2 if indent else 0
    return orjson.dumps(value, option=option).decode("utf-8")


def plain(value: Any) -> str:
    """Make a value safe for a terminal: control characters (colour codes too) become `�`."""
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", str(value))


def printable(value: Any) -> Any:
    """Replace control characters in every string a template outputs (the environment finalizer).

    Markup stays Markup, so already-escaped HTML is not escaped twice; other values pass through.
    """
    if isinstance(value, Markup):
        return Markup(_CONTROL.sub("\N{REPLACEMENT CHARACTER}", value))
    if isinstance(value, str):
        return plain(value)
    return value


def oneline(value: Any) -> str:
    """Put a value on one line: each line break becomes a visible ` ↵ `."""
    return plain(_NEWLINES.sub(NEWLINE_MARK, str(value)))


def md(value: Any) -> str:
    """Escape a value for markdown text or a table cell (`|`, backticks, `<`, newlines, ...).

    A balanced `quoted` span (as the guide words its checks) becomes a code span; every other
    character that markdown would read as markup is backslash-escaped.
    """
    pieces = _CODE_SPAN.split(oneline(value))
    text = "".join(
        md_code(piece) if index % 2 else _md_text(piece) for index, piece in enumerate(pieces)
    )
    return _MARKDOWN_BLOCK_START.sub(_escape_block_start, text, count=1)


def _md_text(piece: str) -> str:
    """Backslash-escape markup characters, and what would autolink (`https://`, `www.`, `@`)."""
    return _AUTOLINK.sub(_escape_autolink, _MARKDOWN_SPECIAL.sub(r"\\\1", piece))


def _escape_autolink(match: re.Match[str]) -> str:
    """`https\\://`, `www\\.`, `a\\@b`: a backslash before the match's last character."""
    text = match.group()
    return f"{text[:-1]}\\{text[-1]}"


def _escape_block_start(match: re.Match[str]) -> str:
    """Backslash-escape a leading `#`, `>`, `-`, `+`, `=` or the `.` of a leading `1.`."""
    spaces, marker = match.groups()
    if marker.isdigit():
        return f"{spaces}{marker}\\"
    return f"{spaces}\\{marker}"


def code_spans(value: Any) -> Markup:
    """HTML-escape a value, turning each balanced `quoted` span into `<code>`."""
    pieces = _CODE_SPAN.split(str(value))
    return Markup("").join(
        Markup("<code>%s</code>") % piece if index % 2 else escape(piece)
        for index, piece in enumerate(pieces)
    )


def md_code(value: Any) -> str:
    """Wrap a value in an inline code span that survives a GFM table cell.

    The fence is one backtick longer than the longest run inside (CommonMark), and `|` is escaped
    because GFM splits table cells before it parses code spans.
    """
    text = oneline(value).replace("|", "\\|")
    runs = [len(run) for run in _BACKTICK_RUN.findall(text)]
    fence = "`" * (max(runs, default=0) + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    return f"{fence}{text}{fence}"


def wrap_text(value: Any, width: int = 100, first: str = "", indent: str = "") -> str:
    """Wrap a value to `width` terminal columns: `first` prefixes line one, `indent` the others.

    `first` is wrapped with the value, so a prefix longer than a line still cannot overflow;
    wide (CJK) characters count as two columns.
    """
    text = oneline(first) + oneline(value)
    return "\n".join(wrap_columns(text, width, oneline(indent)[: width // 2]))


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`1 call`, `1,204 calls`: a count with its noun, thousands separated."""
    word = noun if number == 1 else (plural or f"{noun}s")
    return f"{number:,} {word}"


class Shown(NamedTuple):
    """The first items of a list a person reads, and how many more there are."""

    first: Sequence[Any]
    more: int


def first_of(values: Sequence[Any], limit: int = FILES_SHOWN) -> Shown:
    """The first `limit` values and the count of the rest: ten thousand file names in one line
    help no one, and the JSON format keeps them all."""
    return Shown(values[:limit], max(len(values) - limit, 0))


def stage_title(report: dict[str, Any], stage_id: str | None) -> str:
    """The title of stage `stage_id` in `report`, or the id itself for a stage it does not list."""
    stage = report["stages"].get(stage_id or "")
    return str(stage["title"]) if stage else str(stage_id)


def wbr(value: Any) -> Markup:
    """HTML-escape a value, allowing line breaks after `/`, `,`, `:` and a timestamp's `T`.

    `<wbr>` is an invisible break opportunity: a copied requestId or timestamp stays intact.
    """
    return Markup("<wbr>").join(escape(piece) for piece in _BREAK_AFTER.split(str(value)))


FILTERS: tuple[tuple[str, Callable[..., str]], ...] = (
    ("to_json", to_json),
    ("plain", plain),
    ("oneline", oneline),
    ("md", md),
    ("md_code", md_code),
    ("code_spans", code_spans),
    ("wbr", wbr),
    ("wrap_text", wrap_text),
)
