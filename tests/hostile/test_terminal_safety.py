"""What escalate writes cannot drive a terminal or a viewer: names on stderr are escaped, bidi
controls never pass, and Markdown does not turn log-derived URLs into links."""

from __future__ import annotations

import os
import re
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from escalate._cli import main
from escalate._controls import escaped, json_escaped
from escalate._render._filters import md, oneline, plain
from escalate._report._reading._inputs import resolve_inputs

from .corpus import EVIL_NAME, RAW_CONTROLS

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: What GitHub-flavoured Markdown's autolink extension would turn into a link.
AUTOLINK = re.compile(r"(?<!\\)[A-Za-z]://|(?<![A-Za-z0-9\\])www\.|[A-Za-z0-9._%+-]@")
URLISH = st.lists(
    st.sampled_from(["https://evil.example/x", "http://a.b", "www.evil.example", "ftp://x.y",
                     "user@example.com", "mailto:a@b.c", " ", "text", "_", "`code`", "|"]),
    min_size=1, max_size=8,
).map("".join)  # fmt: skip


@given(URLISH)
def test_markdown_text_never_autolinks(text: str) -> None:
    """No bare URL, `www.` or e-mail address in a value survives md() in a linkable form."""
    assert AUTOLINK.search(md(text)) is None or "`" in text


@pytest.mark.parametrize("char", list(BIDI))
def test_bidi_controls_never_pass_a_renderer_filter(char: str) -> None:
    """Each bidirectional control is replaced by every text filter."""
    for rendered in (plain(f"a{char}b"), oneline(f"a{char}b"), md(f"a{char}b")):
        assert char not in rendered


def test_escaped_shows_every_control_character() -> None:
    """Escape sequences (ESC[2J, OSC 8, BEL, U+202E) become visible `\\xNN`/`\\uNNNN` text."""
    assert escaped(EVIL_NAME) == ("evil\\x1b[2J\\x1b]8;;https:evil.example\\x07x\\u202egnp.jsonl")


def test_json_escaped_keeps_the_data() -> None:
    """Controls inside JSON strings are written as escapes that decode to the same text."""
    import orjson

    value = {"route": "/\u202e\x85x"}
    text = json_escaped(orjson.dumps(value).decode())
    assert "\u202e" not in text and orjson.loads(text) == value


def test_error_naming_a_file_escapes_its_name(tmp_path: Path) -> None:
    """A missing input whose name holds escape sequences is named escaped on stderr (exit 2)."""
    result = CliRunner().invoke(main, ["report", str(tmp_path / EVIL_NAME)])
    assert result.exit_code == 2
    assert "evil\\x1b[2J" in result.output
    assert not any(char in result.output for char in RAW_CONTROLS)


def test_skipped_entry_warning_escapes_its_name(tmp_path: Path) -> None:
    """A FIFO with an escape-sequence name is skipped with its name escaped on stderr."""
    (tmp_path / "good.jsonl").write_text("plain line\n")
    os.mkfifo(tmp_path / EVIL_NAME)
    result = CliRunner().invoke(main, ["report", str(tmp_path), "--format", "text"])
    assert "warning: skipped" in result.output and "evil\\x1b[2J" in result.output
    assert not any(char in result.output for char in RAW_CONTROLS)


def test_unreadable_subdirectory_is_skipped_and_counted(tmp_path: Path) -> None:
    """A subdirectory that cannot be listed is one skipped entry; the rest is read."""
    (tmp_path / "good.jsonl").write_text("plain line\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)  # type: ignore[arg-type]

    with mock.patch("os.scandir", scandir):
        resolved = resolve_inputs([str(tmp_path)])
    assert [source.name for source in resolved.sources] == [str(tmp_path / "good.jsonl")]
    assert resolved.skipped == ((str(locked), "unreadable_entry"),)
