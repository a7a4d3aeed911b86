"""Characters a terminal or a text viewer obeys rather than shows, defined once.

C0 and C1 control characters (an ANSI colour code or `ESC[2J` starts with ESC; an OSC 8 hyperlink
with ESC]) and the bidirectional controls (U+202E shows `exe.txt` as `txt.exe`: "Trojan
Source"). The renderers replace them (escalate/_render/_filters.py); the CLI writes file and
member names on stderr with `escaped`.
"""

from __future__ import annotations

import re
from typing import Any, Final

#: Bidirectional formatting characters: marks, embeddings, overrides and isolates.
BIDI_CONTROLS: Final = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
#: Every control character but tab and newline, and the bidirectional controls.
CONTROL_RE: Final = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")
#: The same, tab and newline too.
CONTROL_ALL_RE: Final = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")


def escaped(value: Any) -> str:
    """Make a value safe for one terminal line: each control character becomes `\\xNN` or
    `\\uNNNN`, visible and obeyed by nothing (file and member names on stderr)."""
    return CONTROL_ALL_RE.sub(_escape_code, str(value))


def _escape_code(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def json_escaped(text: str) -> str:
    """JSON text with every control character left raw written as a `\\uXXXX` escape instead.

    orjson escapes only what JSON demands (below U+0020); C1 and bidirectional controls stay raw.
    They can only stand inside JSON strings, where the escape decodes to the same value, so the
    document's data is unchanged and no viewer obeys them.
    """
    return CONTROL_RE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
