"""The reader: evidence records found among any other lines; every other line counted by reason."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
import zstandard
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from escalate._report import InputError, LineStats, iter_records
from escalate._report._reading._framing import Layout, sniff
from escalate._report._reading._reader import MAX_LINE, count_newlines, scan_chunks
from escalate._report._reading._records import CallRecord, WebhookRecord
from tests.report.builders import call, healthy_run, send_call, webhook, write_log


def _scan(data: bytes, size: int = 1 << 20) -> tuple[list[object], LineStats]:
    stats = LineStats()
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    return list(scan_chunks(chunks, stats)), stats


def test_records_found_among_other_lines(tmp_path: Path) -> None:
    """Records are read and other services' lines are only counted."""
    path = write_log(tmp_path / "a.log", ['{"level":"info","event":"x"}', *healthy_run(), "plain"])
    stats = LineStats()
    records = list(iter_records([str(path)], stats))
    assert len(records) == 6
    assert stats.lines == 8
    assert stats.not_evidence == 2


def test_records_become_typed_values(tmp_path: Path) -> None:
    """Calls and webhooks become their frozen dataclasses."""
    path = write_log(tmp_path / "a.log", [send_call(), webhook()])
    records = list(iter_records([str(path)]))
    assert [type(r) for r in records] == [CallRecord, WebhookRecord]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"schema":"escalate.evidence/1","kind":"call","ts":"2026', "truncated"),
        (b'{"schema":"escalate.evidence/1","kind":"call","x":"\xff\xfe"}', "invalid_utf8"),
        (b'"schema":"escalate.evidence/1" is not json', "invalid_json"),
        (orjson.dumps({**call("/api/core/whoami"), "status": "200"}), "wrong_types"),
        (orjson.dumps({**call("/api/core/whoami"), "ts": 5}), "wrong_types"),
        (orjson.dumps({**webhook(), "signature": None}), "wrong_types"),
        (orjson.dumps({**call("/api/core/whoami"), "kind": "other"}), "wrong_types"),
        (
            orjson.dumps({**call("/api/core/whoami"), "schema": "escalate.evidence/2"}),
            "newer_schema",
        ),
        (b'[{"schema":"escalate.evidence/1"}]', "wrong_types"),
    ],
    ids=["truncated", "utf8", "json", "status", "ts", "signature", "kind", "newer", "array"],
)
def test_broken_lines_are_counted_by_reason(line: bytes, reason: str) -> None:
    """Each kind of broken candidate line is counted under its reason, never raised."""
    records, stats = _scan(line + b"\n")
    assert records == []
    assert stats.broken == {reason: 1}
    assert stats.examples == [(reason, 1)]


def test_binary_garbage_is_not_evidence() -> None:
    """Binary lines without the marker are skipped as other lines."""
    records, stats = _scan(bytes(range(11, 256)) * 10 + b"\n\x00\x01\n")
    assert records == []
    assert (stats.lines, stats.not_evidence, stats.broken) == (2, 2, {})


@pytest.mark.parametrize("chunk", [1 << 20, 65536, 4096], ids=["one", "medium", "small"])
def test_huge_line_with_marker_is_line_too_long(chunk: int) -> None:
    """A record line over 1 MiB is counted as line_too_long, whatever the chunking."""
    huge = orjson.dumps({**send_call(), "payload": "x" * (MAX_LINE + 10)})
    data = huge + b"\n" + orjson.dumps(send_call()) + b"\n"
    records, stats = _scan(data, chunk)
    assert len(records) == 1
    assert stats.broken == {"line_too_long": 1}
    assert stats.lines == 2


def test_huge_line_without_marker_is_not_evidence() -> None:
    """A huge line of another service is only counted."""
    records, stats = _scan(b"y" * (3 * MAX_LINE) + b"\n", 65536)
    assert records == []
    assert (stats.lines, stats.not_evidence) == (1, 1)


def test_last_line_without_newline_is_read() -> None:
    """A final record without its newline is still a record."""
    records, stats = _scan(orjson.dumps(send_call()))
    assert len(records) == 1
    assert stats.lines == 1


def test_crlf_and_prefixed_records_are_read() -> None:
    """CRLF endings and a plain-text logger prefix do not hide a record."""
    data = (
        orjson.dumps(send_call()) + b"\r\n" + b"2026-11-27 INFO " + orjson.dumps(webhook()) + b"\n"
    )
    records, _ = _scan(data)
    assert [type(r) for r in records] == [CallRecord, WebhookRecord]


def test_iso_timestamp_variants_are_normalised() -> None:
    """An offset timestamp becomes the canonical UTC text."""
    line = orjson.dumps({**send_call(), "ts": "2026-11-27T12:00:00.5+02:00"})
    records, _ = _scan(line)
    assert records[0].ts == "2026-11-27T10:00:00.500000Z"  # type: ignore[attr-defined]


def test_empty_file_has_no_lines(tmp_path: Path) -> None:
    """An empty file is read without error."""
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    stats = LineStats()
    assert list(iter_records([str(path)], stats)) == []
    assert stats.lines == 0


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    """A missing path raises InputError naming it."""
    with pytest.raises(InputError, match=r"nope\.log"):
        list(iter_records([str(tmp_path / "nope.log")]))


def test_unmatched_glob_is_an_input_error(tmp_path: Path) -> None:
    """A glob matching nothing raises InputError naming it."""
    with pytest.raises(InputError, match=r"\*\.jsonl"):
        list(iter_records([str(tmp_path / "*.jsonl")]))


def test_directory_is_read_recursively(tmp_path: Path) -> None:
    """A directory means every file below it."""
    (tmp_path / "sub").mkdir()
    write_log(tmp_path / "a.log", [send_call()])
    write_log(tmp_path / "sub" / "b.log", [webhook()])
    assert len(list(iter_records([str(tmp_path)]))) == 2


def test_empty_directory_is_an_input_error(tmp_path: Path) -> None:
    """A directory with no file is an error, not an empty report."""
    with pytest.raises(InputError, match="holds no readable files"):
        list(iter_records([str(tmp_path)]))


def test_gzip_and_zstd_are_decompressed(tmp_path: Path) -> None:
    """.gz and .zst inputs are detected by their magic bytes and read."""
    raw = orjson.dumps(send_call()) + b"\n" + orjson.dumps(webhook()) + b"\n"
    (tmp_path / "a.log.gz").write_bytes(gzip.compress(raw))
    (tmp_path / "b.log.zst").write_bytes(zstandard.ZstdCompressor().compress(raw))
    assert len(list(iter_records([str(tmp_path / "a.log.gz"), str(tmp_path / "b.log.zst")]))) == 4


def test_corrupt_gzip_is_an_input_error(tmp_path: Path) -> None:
    """A damaged compressed file raises InputError naming it."""
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(b"x" * 1000)[:20])
    with pytest.raises(InputError, match=r"bad\.gz"):
        list(iter_records([str(path)]))


_LINES = st.one_of(
    st.binary(max_size=80).map(lambda b: b.replace(b"\n", b"")),
    st.sampled_from([orjson.dumps(send_call()), orjson.dumps(webhook()), b'{"a":1}']),
    st.binary(max_size=40).map(
        lambda b: b'{"schema":"escalate.evidence/1",' + b.replace(b"\n", b"")
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINES, max_size=30), st.integers(min_value=1, max_value=64))
def test_every_line_is_a_record_or_counted(lines: list[bytes], chunk: int) -> None:
    """Arbitrary lines never raise; lines = records + not evidence + broken, for any chunking."""
    data = b"\n".join(lines) + (b"\n" if lines else b"")
    assume(sniff(data) is not Layout.DOCUMENT)  # a document counts entries (test_envelopes)
    records, stats = _scan(data, chunk)
    assert stats.lines == len(lines)
    assert stats.lines == len(records) + stats.not_evidence + sum(stats.broken.values())
    assert _scan(data)[0] == records


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    """Any byte string is read without an exception."""
    records, stats = _scan(data, 97)
    assert stats.lines == len(records) + stats.not_evidence + sum(stats.broken.values())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([b"\n", b"x" * 5000, b"{}", b"\n\n", b"\xff", b"y" * 70000]),
             max_size=30),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
)
def test_count_newlines_equals_bytes_count(parts: list[bytes], a: int, b: int) -> None:
    """The memchr-based count gives `bytes.count`'s answer for any buffer and range."""
    buffer = b"".join(parts)
    begin, end = sorted((min(a, len(buffer)), min(b, len(buffer))))
    assert count_newlines(buffer, begin, end) == buffer.count(b"\n", begin, end)
    assert count_newlines(buffer) == buffer.count(b"\n")
