"""The reader: find evidence records among any other lines, count everything else by reason.

Chunks of 16 MiB are searched for the byte marker `EVIDENCE_NEEDLE` (`escalate.evidence/`, in
every record however a JSON encoder spaced, ordered or escaped it); only lines that contain it
are parsed. Other lines are only counted, by one `bytes.count` per block. `scan_chunks` yields
records (parsed with orjson); `scan_into` hands each candidate line's bytes to a callback instead
(the aggregator's fast path, which decodes the common records into typed structs itself and
hands the rest back to `parsed`). A candidate line that is not a bare record is unwrapped
(`_envelopes`); a source that is not one entry a line is reframed first (`_framing`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import orjson

from escalate._report._reading import _framing
from escalate._report._reading._documents import document_values
from escalate._report._reading._envelopes import (
    EVIDENCE_NEEDLE,
    JSON_ARRAY,
    JSON_STREAM,
    Found,
    Unreadable,
    broken_reason,
    has_schema_member,
    unwrap,
    unwrap_prefixed,
)
from escalate._report._reading._framing import Layout
from escalate._report._reading._inputs import resolve_sources
from escalate._report._reading._records import BrokenRecord, Record, record_from_object

MAX_LINE = 1024 * 1024
#: the line limit of a log whose lines are batches of records (the OpenTelemetry collector's
#: file exporter writes a whole export request, up to thousands of records, on one line)
MAX_BATCH_LINE = 256 * 1024 * 1024
MAX_EXAMPLES = 10
REASON_LINE_TOO_LONG = "line_too_long"
#: what a line consumer returns for a line that only mentions the marker: not evidence
NOT_EVIDENCE = "not_evidence"
#: ranges shorter than this are counted with `bytes.count` (no copy); see `count_newlines`
_SMALL = 64 * 1024


class LineStats:
    """Counts of what the reader saw in one source (mutable while scanning, then merged)."""

    __slots__ = ("broken", "envelopes", "examples", "lines", "not_evidence", "unwrapped")

    def __init__(self) -> None:
        self.lines = 0
        self.not_evidence = 0
        self.broken: dict[str, int] = {}
        #: (reason, line number within the source or byte range), at most MAX_EXAMPLES
        self.examples: list[tuple[str, int]] = []
        #: envelope name -> records it gave (docs/inputs.md); `unwrapped` is their sum
        self.envelopes: dict[str, int] = {}
        self.unwrapped = 0

    def count_unwrapped(self, envelope: str, records: int) -> None:
        """Count records an envelope gave."""
        if records:
            self.envelopes[envelope] = self.envelopes.get(envelope, 0) + records
            self.unwrapped += records

    def has_room(self) -> bool:
        """Whether the next broken line is kept as an example (it needs its line number)."""
        return len(self.examples) < MAX_EXAMPLES

    def count_broken(self, reason: str, line_number: int) -> None:
        """Count one broken candidate line and keep it as an example while there is room."""
        self.broken[reason] = self.broken.get(reason, 0) + 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append((reason, line_number))

    def count_broken_inside(self, reason: str) -> None:
        """Count a broken record beside usable ones in one line's envelope (no example kept)."""
        self.broken[reason] = self.broken.get(reason, 0) + 1

    def absorb(self, other: LineStats) -> None:
        """Add the counts of another source's stats (its examples while there is room)."""
        self.lines += other.lines
        self.not_evidence += other.not_evidence
        for reason, count in other.broken.items():
            self.broken[reason] = self.broken.get(reason, 0) + count
        for envelope, records in other.envelopes.items():
            self.count_unwrapped(envelope, records)
        self.examples += other.examples[: MAX_EXAMPLES - len(self.examples)]


#: receives the parsed JSON value of one candidate line; returns None when it was used as a
#: record, or the reason it is broken (`wrong_types`, `newer_schema`)
Consume = Callable[[object], "str | None"]
#: receives the bytes of one candidate line (no newline, at most MAX_LINE); returns like `Consume`
ConsumeLine = Callable[[bytes], "str | None"]


def iter_records(paths: Sequence[str], stats: LineStats | None = None) -> Iterator[Record]:
    """Yield every evidence record of the given paths, in file order; count the rest in `stats`."""
    counts = LineStats() if stats is None else stats
    for source in resolve_sources(paths):
        yield from scan_chunks(source.chunks(), counts)


def scan_chunks(
    chunks: Iterable[bytes], stats: LineStats, layout: Layout | None = None
) -> Iterator[Record]:
    """Yield the records found in a stream of byte chunks; every line is a record or counted."""
    records: list[Record] = []
    for _ in scan_steps(chunks, stats, parsed(_collector(records), stats), layout):
        yield from records
        records.clear()


def scan_into(
    chunks: Iterable[bytes], stats: LineStats, consume: ConsumeLine, layout: Layout | None = None
) -> None:
    """Pass every candidate line to `consume`; count every line in `stats`.

    The aggregator's fast path: no record object and no generator step per line.
    `consume` should unwrap envelopes through `parsed(..., stats)`. `layout`: the file's, for a
    byte range (else sniffed from the first line).
    """
    for _ in scan_steps(chunks, stats, consume, layout):
        pass


def scan_steps(
    chunks: Iterable[bytes], stats: LineStats, consume: ConsumeLine, layout: Layout | None = None
) -> Iterator[None]:
    """Scan a source, framed by its layout; yield after each block (or document value)."""
    head, chunks = _framing.peeked(chunks)
    layout = _framing.sniff(head) if layout is None else layout
    if layout is Layout.DOCUMENT:
        name = JSON_ARRAY if _framing.is_array_document(head) else JSON_STREAM
        yield from scan_values(document_values(chunks, head), stats, consume, name)
        return
    if layout is Layout.CRI:
        chunks = _framing.joined_partials(chunks, MAX_LINE)
    elif layout is Layout.JOURNALD:
        chunks = _framing.decoded_messages(chunks)
    limit = MAX_BATCH_LINE if layout is Layout.BATCHES else MAX_LINE
    for buffer, begin, end in line_blocks(chunks, stats, limit):
        scan_block(buffer, begin, end, stats, consume, limit)
        yield None


def scan_values(
    values: Iterable[bytes], stats: LineStats, consume: ConsumeLine, envelope: str
) -> Iterator[None]:
    """Scan the values of a JSON document: each counts as a line; bare records as `envelope`."""
    for value in values:
        stats.lines += 1
        if EVIDENCE_NEEDLE not in value:
            stats.not_evidence += 1
            continue
        before = stats.unwrapped
        reason = consume(value.replace(b"\n", b" ").replace(b"\r", b" "))
        if reason is None and stats.unwrapped == before:
            stats.count_unwrapped(envelope, 1)
        elif reason == NOT_EVIDENCE:
            stats.not_evidence += 1
        elif reason is not None:
            stats.count_broken(reason, stats.lines)
        yield None


def _collector(records: list[Record]) -> Consume:
    def collect(value: object) -> str | None:
        try:
            records.append(record_from_object(value))
        except BrokenRecord as broken:
            return broken.reason
        return None

    return collect


def line_blocks(
    chunks: Iterable[bytes], stats: LineStats, limit: int = MAX_LINE
) -> Iterator[tuple[bytes, int, int]]:
    """Yield (buffer, begin, end): runs of whole lines, each ending in a newline.

    Lines over `limit` bytes are skipped here and counted in `stats` (as evidence too long or not
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
        if len(carry) > limit:
            long_line = [EVIDENCE_NEEDLE in carry]
            carry = b""
    if long_line is not None:
        _finish_long_line(long_line[0], stats)
    elif carry:
        yield carry + b"\n", 0, len(carry) + 1


def _skip_long_line(chunk: bytes, long_line: list[bool], stats: LineStats) -> bytes | None:
    newline = chunk.find(b"\n")
    if newline == -1:
        long_line[0] = long_line[0] or EVIDENCE_NEEDLE in chunk
        return None
    long_line[0] = long_line[0] or EVIDENCE_NEEDLE in chunk[:newline]
    _finish_long_line(long_line[0], stats)
    return chunk[newline + 1 :]


def _finish_long_line(has_marker: bool, stats: LineStats) -> None:
    stats.lines += 1
    if has_marker:
        stats.count_broken(REASON_LINE_TOO_LONG, stats.lines)
    else:
        stats.not_evidence += 1


def scan_block(
    buffer: bytes,
    begin: int,
    end: int,
    stats: LineStats,
    consume: ConsumeLine,
    limit: int = MAX_LINE,
) -> None:
    """Scan `buffer[begin:end]`, whole lines ending in a newline; pass on only marked lines."""
    base = stats.lines
    lines = count_newlines(buffer, begin, end)
    candidates = 0
    find, rfind = buffer.find, buffer.rfind
    position = find(EVIDENCE_NEEDLE, begin, end)
    while position != -1:
        start = rfind(b"\n", begin, position) + 1 or begin
        stop = find(b"\n", position, end)
        candidates += 1
        if stop - start > limit:
            reason: str | None = REASON_LINE_TOO_LONG
        else:
            reason = consume(buffer[start:stop])
        if reason is NOT_EVIDENCE:
            candidates -= 1
        elif reason is not None:
            # the line number costs a count from the block's start: only for kept examples
            line = base + buffer.count(b"\n", begin, start) + 1 if stats.has_room() else 0
            stats.count_broken(reason, line)
        position = find(EVIDENCE_NEEDLE, stop, end)
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


def parsed(consume: Consume, stats: LineStats | None = None) -> ConsumeLine:
    """The line consumer that parses a candidate line with orjson and passes the value on.

    A line that is not a bare record is unwrapped (an envelope, a plain-text prefix); the
    records each envelope gave are counted in `stats`. The consumer returns None when a record
    was used, NOT_EVIDENCE when the line only mentions the marker, else why it is broken.
    """
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    counts = LineStats() if stats is None else stats

    def consume_line(line: bytes) -> str | None:
        try:
            value = loads(line)
        except decode_error:
            return _consume_found(unwrap_prefixed(line), line, consume, counts)
        if type(value) is dict and "schema" in value:
            return consume(value)
        return _consume_found(unwrap(value), line, consume, counts)

    return consume_line


def _consume_found(
    found: tuple[str, Found] | None, line: bytes, consume: Consume, stats: LineStats
) -> str | None:
    """Consume what an envelope holds; the line's verdict (None when a record was used)."""
    if found is None:
        return broken_reason(line) if has_schema_member(line) else NOT_EVIDENCE
    envelope, items = found
    used, reasons = 0, []
    for item in items:
        reason = item.reason if isinstance(item, Unreadable) else consume(item)
        if reason is None:
            used += 1
        else:
            reasons.append(reason)
    stats.count_unwrapped(envelope, used)
    if used == 0 and reasons:
        for reason in reasons[1:]:
            stats.count_broken_inside(reason)
        return reasons[0]
    for reason in reasons:
        stats.count_broken_inside(reason)
    return None
