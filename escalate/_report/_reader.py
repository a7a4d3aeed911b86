"""The reader: find evidence records among any other lines, count everything else by reason.

Chunks of 16 MiB are searched for the byte marker `RECORD_MARKER`; only lines that contain it are
parsed. Other lines are only counted, by one `bytes.count` per block. `scan_chunks` yields
records (parsed with orjson); `scan_into` hands each candidate line's bytes to a callback instead
(the aggregator's fast path, which decodes the common records into typed structs itself and
hands the rest back to `parsed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import orjson

from escalate._report._inputs import read_chunks, resolve_sources
from escalate._report._records import BrokenRecord, Record, record_from_object
from escalate._schema import RECORD_MARKER

MAX_LINE = 1024 * 1024
MAX_EXAMPLES = 10
REASON_TRUNCATED = "truncated"
REASON_INVALID_UTF8 = "invalid_utf8"
REASON_INVALID_JSON = "invalid_json"
REASON_LINE_TOO_LONG = "line_too_long"
#: ranges shorter than this are counted with `bytes.count` (no copy); see `count_newlines`
_SMALL = 64 * 1024


class LineStats:
    """Counts of what the reader saw in one source (mutable while scanning, then merged)."""

    __slots__ = ("broken", "examples", "lines", "not_evidence")

    def __init__(self) -> None:
        self.lines = 0
        self.not_evidence = 0
        self.broken: dict[str, int] = {}
        #: (reason, line number within the source or byte range), at most MAX_EXAMPLES
        self.examples: list[tuple[str, int]] = []

    def has_room(self) -> bool:
        """Whether the next broken line is kept as an example (it needs its line number)."""
        return len(self.examples) < MAX_EXAMPLES

    def count_broken(self, reason: str, line_number: int) -> None:
        """Count one broken candidate line and keep it as an example while there is room."""
        self.broken[reason] = self.broken.get(reason, 0) + 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append((reason, line_number))


#: receives the parsed JSON value of one candidate line; returns None when it was used as a
#: record, or the reason it is broken (`wrong_types`, `newer_schema`)
Consume = Callable[[object], "str | None"]
#: receives the bytes of one candidate line (no newline, at most MAX_LINE); returns like `Consume`
ConsumeLine = Callable[[bytes], "str | None"]


def iter_records(paths: Sequence[str], stats: LineStats | None = None) -> Iterator[Record]:
    """Yield every evidence record of the given paths, in file order; count the rest in `stats`."""
    counts = LineStats() if stats is None else stats
    for source in resolve_sources(paths):
        yield from scan_chunks(read_chunks(source), counts)


def scan_chunks(chunks: Iterable[bytes], stats: LineStats) -> Iterator[Record]:
    """Yield the records found in a stream of byte chunks; every line is a record or counted."""
    records: list[Record] = []
    consume = parsed(_collector(records))
    for buffer, begin, end in line_blocks(chunks, stats):
        scan_block(buffer, begin, end, stats, consume)
        yield from records
        records.clear()


def scan_into(chunks: Iterable[bytes], stats: LineStats, consume: ConsumeLine) -> None:
    """Pass every candidate line to `consume`; count every line in `stats`.

    The aggregator's fast path: no record object and no generator step per line.
    """
    for buffer, begin, end in line_blocks(chunks, stats):
        scan_block(buffer, begin, end, stats, consume)


def _collector(records: list[Record]) -> Consume:
    def collect(value: object) -> str | None:
        try:
            records.append(record_from_object(value))
        except BrokenRecord as broken:
            return broken.reason
        return None

    return collect


def line_blocks(chunks: Iterable[bytes], stats: LineStats) -> Iterator[tuple[bytes, int, int]]:
    """Yield (buffer, begin, end): runs of whole lines, each ending in a newline.

    Lines over MAX_LINE are skipped here and counted in `stats` (as evidence too long or not
    evidence); a last line without its newline gets one.
    """
    carry = b""
    long_line: list[bool] | None = None  # [marker seen] while skipping a line over MAX_LINE
    for chunk in chunks:
        if long_line is not None:
            rest = _skip_long_line(chunk, long_line, stats)
            if rest is None:
                continue
            chunk, long_line = rest, None
        begin = 0
        if carry:
            # complete the carried line alone rather than copying the whole chunk behind it
            newline = chunk.find(b"\n")
            if newline == -1:
                carry += chunk
            else:
                head = carry + chunk[: newline + 1]
                carry, begin = b"", newline + 1
                yield head, 0, len(head)
        if not carry:
            cut = chunk.rfind(b"\n", begin) + 1
            carry = chunk[max(cut, begin) :]
            if cut > begin:
                yield chunk, begin, cut
        if len(carry) > MAX_LINE:
            long_line = [RECORD_MARKER in carry]
            carry = b""
    if long_line is not None:
        _finish_long_line(long_line[0], stats)
    elif carry:
        yield carry + b"\n", 0, len(carry) + 1


def _skip_long_line(chunk: bytes, long_line: list[bool], stats: LineStats) -> bytes | None:
    newline = chunk.find(b"\n")
    if newline == -1:
        long_line[0] = long_line[0] or RECORD_MARKER in chunk
        return None
    long_line[0] = long_line[0] or RECORD_MARKER in chunk[:newline]
    _finish_long_line(long_line[0], stats)
    return chunk[newline + 1 :]


def _finish_long_line(has_marker: bool, stats: LineStats) -> None:
    stats.lines += 1
    if has_marker:
        stats.count_broken(REASON_LINE_TOO_LONG, stats.lines)
    else:
        stats.not_evidence += 1


def scan_block(
    buffer: bytes, begin: int, end: int, stats: LineStats, consume: ConsumeLine
) -> None:
    """Scan `buffer[begin:end]`, whole lines ending in a newline; pass on only marked lines."""
    base = stats.lines
    lines = count_newlines(buffer, begin, end)
    candidates = 0
    find, rfind = buffer.find, buffer.rfind
    position = find(RECORD_MARKER, begin, end)
    while position != -1:
        start = rfind(b"\n", begin, position) + 1 or begin
        stop = find(b"\n", position, end)
        candidates += 1
        if stop - start > MAX_LINE:
            reason: str | None = REASON_LINE_TOO_LONG
        else:
            reason = consume(buffer[start:stop])
        if reason is not None:
            # the line number costs a count from the block's start: only for kept examples
            line = base + buffer.count(b"\n", begin, start) + 1 if stats.has_room() else 0
            stats.count_broken(reason, line)
        position = find(RECORD_MARKER, stop, end)
    stats.lines = base + lines
    stats.not_evidence += lines - candidates


def count_newlines(buffer: bytes, begin: int = 0, end: int | None = None) -> int:
    """The number of newlines in `buffer[begin:end]`.

    `bytes.count` tests every byte in a loop (about 1.6 GB/s here), while `bytes.replace` of one
    byte by nothing counts with `memchr` first: the whole buffer's count by the length the
    replacement removed, minus the few newlines outside the range (a line at most each side),
    is 2.6x faster on a 16 MiB chunk of mixed log (64 -> 25 ms per 100 MB), for one transient
    copy of the buffer.
    """
    size = len(buffer)
    end = size if end is None else end
    if end - begin < _SMALL or end - begin < size // 2:  # copying all would not pay
        return buffer.count(b"\n", begin, end)
    total = size - len(buffer.replace(b"\n", b""))
    return total - buffer.count(b"\n", 0, begin) - buffer.count(b"\n", end, size)


def parsed(consume: Consume) -> ConsumeLine:
    """The line consumer that parses a candidate line with orjson and passes the value on.

    A line orjson refuses is a prefixed record (`2026-... INFO {...}`) or broken, for the reason
    returned.
    """
    loads, decode_error = orjson.loads, orjson.JSONDecodeError

    def consume_line(line: bytes) -> str | None:
        try:
            value = loads(line)
        except decode_error:
            value = _parse_with_prefix(line)
            if value is None:
                return _broken_reason(line)
        return consume(value)

    return consume_line


def _parse_with_prefix(line: bytes) -> object | None:
    """Parse a record that a plain-text logger prefixed (`2026-... INFO {...}`), if it is one."""
    brace = line.find(b"{")
    if brace <= 0:
        return None
    try:
        parsed: object = orjson.loads(line[brace:])
        return parsed
    except orjson.JSONDecodeError:
        return None


def _broken_reason(line: bytes) -> str:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return REASON_INVALID_UTF8
    stripped = line.strip()
    if stripped.startswith(b"{") and not stripped.endswith(b"}"):
        return REASON_TRUNCATED
    return REASON_INVALID_JSON
