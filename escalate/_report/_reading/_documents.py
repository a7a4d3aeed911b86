"""JSON documents: the values of a `jq .` stream or the elements of a top-level array.

Pretty-printers (jq, gcloud, the aws CLI, Python's json with an indent) put every nested line
deeper than the value it belongs to, so a value ends at the first line that closes it at its own
indentation (`}` at column 0 in a `jq .` stream, `  }` or `  },` for a gcloud entry): one
`bytes.find` a value (a value on one line, `{}`, is whole). A document that is not indented
(`indent=0`, several values on a line) is tokenised instead: strings and structural characters,
one regular-expression match each. `escalate report` of a 320 MB `jq .` stream of the 256 MB
benchmark log (900 k values): 2.4 s of CPU this way, 8.3 s tokenised (the bare log: 0.8 s).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

#: a string (escapes included), a structural character, or an unterminated string
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|"')


def document_values(chunks: Iterable[bytes], head: bytes = b"") -> Iterator[bytes]:
    """Each top-level object of a JSON stream, or element of a top-level array, as its bytes.

    `head`: the document's first bytes, to tell its indentation. Text between values (not JSON)
    is skipped; a value cut off by the end of the input is yielded as it stands (the reader
    finds it truncated).
    """
    closing = closing_line(head)
    if closing is not None:
        yield from _indented_values(chunks, closing)
        return
    tokens = _Tokens()
    for chunk in chunks:
        yield from tokens.feed(chunk)
    if tokens.rest.lstrip().startswith((b"{", b"[")):
        yield tokens.rest


def closing_line(head: bytes) -> bytes | None:
    """The bytes that close each value of an indented document (`\\n}`, `\\n  }`), or None when
    the document is not indented like a pretty-printer's output."""
    lines = head.lstrip().split(b"\n", 3)
    if len(lines) < 4:
        return None
    first, second, third = lines[0].strip(), lines[1].rstrip(b"\r"), lines[2]
    if first == b"{":
        indent, member = b"", second
    elif first == b"[" and second.lstrip() == b"{":
        indent, member = second[: len(second) - 1], third
    else:
        return None
    deeper = member[: len(indent) + 1]
    if not deeper.isspace() or not deeper.startswith(indent) or indent.strip():
        return None
    return b"\n" + indent + b"}"


def _indented_values(chunks: Iterable[bytes], closing: bytes) -> Iterator[bytes]:
    """The values of an indented document: each opens with `{` and closes with `}` at the same
    indentation, or is one line (`{}`)."""
    opening = closing[:-1] + b"{"
    rest = b"\n"  # the first value may open at the very start
    for chunk in chunks:
        buffer = rest + chunk
        start = 0
        while True:
            found = _next_value(buffer, start, opening, closing)
            if found is None:
                break
            begin, start = found
            yield buffer[begin:start]
        rest = buffer[start:]
    begin = rest.find(b"{")
    if begin != -1:
        yield rest[begin:]


def _next_value(
    buffer: bytes, start: int, opening: bytes, closing: bytes
) -> tuple[int, int] | None:
    """(begin, end) of the next whole value from `start`, or None when more bytes are needed."""
    begin = buffer.find(opening, start)
    if begin == -1:
        return None
    line_end = buffer.find(b"\n", begin + 1)
    if line_end == -1:
        return None
    begin += len(opening) - 1
    line = buffer[begin:line_end].rstrip(b"\r,")
    if line.endswith(b"}"):  # a value on one line: `{}`
        return begin, begin + len(line)
    close = buffer.find(closing, line_end)
    return None if close == -1 else (begin, close + len(closing))


class _Tokens:
    """The state of `document_values` between chunks."""

    def __init__(self) -> None:
        self.rest = b""  #: bytes of a value (or a string) the last chunk cut off
        self.in_array = False  #: inside a top-level array (its elements are the values)

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """Yield the values completed by `chunk`; keep the start of one it cuts off."""
        buffer = self.rest + chunk
        depth, start, resume = 0, -1, len(buffer)
        for token in _TOKEN.finditer(buffer):
            char = token.group()
            if char == b'"':  # a string cut off by the chunk's end: wait for the next
                resume = token.start()
                break
            if len(char) > 1:  # a whole string
                continue
            if char in b"{[":
                if depth == 0 and char == b"[" and not self.in_array:
                    self.in_array = True
                    continue
                start = token.start() if depth == 0 else start
                depth += 1
            elif depth > 0:
                depth -= 1
                if depth == 0:
                    yield buffer[start : token.end()]
                    start = -1
            elif char == b"]":
                self.in_array = False
        self.rest = buffer[start:] if start != -1 else buffer[resume:]
