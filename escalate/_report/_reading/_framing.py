"""Framing: how a source's bytes divide into entries, sniffed from its first line.

Most logs are one entry a line, and their chunks go to the line scanner untouched. Three layouts
are not, and are reframed before scanning (a fourth, OTLP/JSON files, is lines, but longer):

- a JSON document (`jq .` output, `gcloud logging read --format=json`, an `aws logs` output):
  values span lines. `_documents.document_values` yields each top-level object, or each element
  of a top-level array, as its own bytes; such a file is never split into byte ranges.
- Kubernetes CRI / containerd logs split long lines into partial (`P`) lines: `joined_partials`
  joins them with their final (`F`) line; byte ranges are cut where no partial run is open.
- `journalctl -o json` writes a `MESSAGE` that is not plain UTF-8 as an array of bytes, where the
  evidence marker cannot be found: `decoded_messages` rewrites those lines with a text `MESSAGE`.
- the OpenTelemetry collector's file exporter writes one export request (a batch of up to
  thousands of records) a line: such a log's lines may be up to `MAX_BATCH_LINE` long.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from typing import IO

import orjson

from escalate._report._reading._envelopes import message_text

#: how much of a source's start is looked at to tell its layout
SNIFF_BYTES = 64 * 1024
_CRI_LINE = re.compile(rb"\d{4}-\d\d-\d\dT\S+ (?:stdout|stderr) [PF] ")
_CRI_PARTIAL = re.compile(rb"(\S+ (?:stdout|stderr) )P (.*)", re.DOTALL)
_CRI_FULL = re.compile(rb"(\S+ (?:stdout|stderr) )F (.*)", re.DOTALL)
_OTLP_LINE = re.compile(rb'\{\s*"resourceLogs"\s*:')
_CRI_RUN = re.compile(rb"\S+ (stdout|stderr) ([PF]) ")
#: how far back `next_final_line_end` reads the state of partial runs
_LOOK_BACK = 1024 * 1024
_BYTE_ARRAY = b'"MESSAGE":['


class Layout(enum.Enum):
    """How a source's bytes divide into entries."""

    LINES = "lines"
    CRI = "cri"
    JOURNALD = "journald"
    BATCHES = "batches"  #: one export request a line (OTLP/JSON): lines up to MAX_BATCH_LINE
    DOCUMENT = "document"


def sniff(head: bytes) -> Layout:
    """The layout of a source from its first bytes (its first line that is not blank)."""
    stripped = head.lstrip()
    newline = stripped.find(b"\n")
    first = (stripped if newline == -1 else stripped[:newline]).strip()
    if first in (b"{", b"[", b"[{"):
        return Layout.DOCUMENT
    if _CRI_LINE.match(first):
        return Layout.CRI
    if first.startswith(b"{") and b'"__CURSOR":' in first:
        return Layout.JOURNALD
    if _OTLP_LINE.match(first):
        return Layout.BATCHES
    return Layout.LINES


def file_layout(name: str) -> Layout | None:
    """The layout of a file from its first bytes (None when it cannot be read here)."""
    try:
        with open(name, "rb") as handle:
            return sniff(handle.read(SNIFF_BYTES))
    except OSError:
        return None


def peeked(chunks: Iterable[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The head of a stream (through its first line, at most SNIFF_BYTES), and the stream."""
    stream = iter(chunks)
    taken: list[bytes] = []
    size = 0
    for chunk in stream:
        taken.append(chunk)
        size += len(chunk)
        if size >= SNIFF_BYTES or b"\n" in chunk.lstrip():
            break
    head = taken[0] if len(taken) == 1 else b"".join(taken)  # one chunk: no copy of it
    return head[:SNIFF_BYTES], _replayed(taken, stream)


def _replayed(taken: list[bytes], stream: Iterator[bytes]) -> Iterator[bytes]:
    """The chunks taken, then the rest; a chunk is let go once yielded (`itertools.chain`
    would keep the list, and so a 16 MiB chunk, alive to the end: +16 MiB peak measured)."""
    taken.reverse()
    while taken:
        yield taken.pop()
    yield from stream


def is_array_document(head: bytes) -> bool:
    """Whether a document source is a JSON array (else a stream of objects)."""
    return head.lstrip().startswith(b"[")


def whole_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Re-cut chunks so each ends after a newline (a last line without one gets it)."""
    carry = b""
    for chunk in chunks:
        cut = chunk.rfind(b"\n") + 1
        if cut == 0:
            carry += chunk
            continue
        yield carry + chunk[:cut]
        carry = chunk[cut:]
    if carry:
        yield carry + b"\n"


def joined_partials(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    """CRI lines with each run of partial lines joined to its final line, per stream.

    A run longer than `limit` is passed on as it stands (the reader counts it too long).
    """
    pending: dict[bytes, list[bytes]] = {}
    for block in whole_lines(chunks):
        if b" P " not in block and not pending:
            yield block
            continue
        out = [_joined(line, pending, limit) for line in block.split(b"\n")[:-1]]
        yield b"".join(line + b"\n" for line in out if line is not None)
    for prefix, parts in pending.items():
        yield prefix + b"P " + b"".join(parts) + b"\n"


def _joined(line: bytes, pending: dict[bytes, list[bytes]], limit: int) -> bytes | None:
    """The line to pass on for one CRI line, or None while a partial run goes on."""
    partial = _CRI_PARTIAL.match(line)
    if partial is not None:
        parts = pending.setdefault(partial[1], [])
        parts.append(partial[2])
        if sum(map(len, parts)) <= limit:
            return None
        del pending[partial[1]]
        return partial[1] + b"P " + b"".join(parts)
    full = _CRI_FULL.match(line)
    if full is None or full[1] not in pending:
        return line
    return full[1] + b"F " + b"".join(pending.pop(full[1])) + full[2]


def decoded_messages(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """journald lines with a `MESSAGE` byte array rewritten with the text it holds."""
    for block in whole_lines(chunks):
        if _BYTE_ARRAY not in block:
            yield block
            continue
        yield b"".join(_decoded(line) + b"\n" for line in block.split(b"\n")[:-1])


def _decoded(line: bytes) -> bytes:
    if _BYTE_ARRAY not in line:
        return line
    try:
        entry = orjson.loads(line)
    except orjson.JSONDecodeError:
        return line
    message = entry.get("MESSAGE") if isinstance(entry, dict) else None
    text = message_text(message) if isinstance(message, list) else None
    return line if text is None else orjson.dumps({**entry, "MESSAGE": text})


def next_final_line_end(handle: IO[bytes], offset: int) -> int:
    """Where a byte range of a CRI log may start after `offset`: after a line where no stream
    has a run of partial lines open.

    The streams' state is read from up to `_LOOK_BACK` bytes before `offset` (a run whose last
    partial line is farther back than that is taken as closed).
    """
    begin = max(0, offset - _LOOK_BACK)
    while True:
        handle.seek(begin)
        data = handle.read(2 * _LOOK_BACK)
        lines = data.split(b"\n")
        tail = lines.pop()  # an incomplete last line: read again from its start
        position, open_runs = begin, set()
        for number, line in enumerate(lines):
            position += len(line) + 1
            if number == 0 and begin > 0:
                continue  # entered mid-way: its stream and tag are not known
            run = _CRI_RUN.match(line)
            if run is not None and run[2] == b"P":
                open_runs.add(run[1])
            elif run is not None:
                open_runs.discard(run[1])
            if position > offset and not open_runs:
                return position
        if not lines or len(data) < 2 * _LOOK_BACK:
            return position + len(tail)
        begin = max(position - _LOOK_BACK, begin + 1)
