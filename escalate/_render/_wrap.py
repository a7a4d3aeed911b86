"""Wrapping for the terminal: by display columns, so wide (CJK) characters count as two."""

from __future__ import annotations

import re
import unicodedata

_TOKENS = re.compile(r"\S+|\s+")


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: East Asian wide characters 2, combining marks 0."""
    return sum(_char_width(char) for char in text)


def wrap_columns(text: str, width: int, indent: str) -> list[str]:
    """Greedy word wrap to `width` columns; a word longer than a line fills the current one.

    Leading spaces of the first line are kept (templates align columns with them, at most half a
    line); continuation lines start with `indent`.
    """
    lines: list[str] = []
    line = _leading_spaces(text, width)
    for token in _TOKENS.findall(text[len(text) - len(text.lstrip(" ")) :]):
        if token.isspace():
            line += token if line.strip() else ""
            continue
        too_long = display_width(line + token) > width
        if too_long and line.strip() and display_width(indent + token) <= width:
            lines.append(line.rstrip())
            line = indent
        while display_width(line + token) > width:
            head, rest = _split_at_width(token, width - display_width(line))
            if display_width(line + head) > width and line.strip():
                head, rest = "", token  # a wide character that does not fit: break before it
            lines.append((line + head).rstrip())
            line, token = indent, rest
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _leading_spaces(text: str, width: int) -> str:
    """The first line's leading spaces, at most half the width."""
    return " " * min(len(text) - len(text.lstrip(" ")), width // 2)


def _split_at_width(word: str, room: int) -> tuple[str, str]:
    """Split `word` so its head fits `room` columns; the head has at least one character."""
    used = 0
    for index, char in enumerate(word):
        used += _char_width(char)
        if used > room:
            return (word[:index], word[index:]) if index else (word[:1], word[1:])
    return word, ""


def _char_width(char: str) -> int:
    """Columns of one character."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
