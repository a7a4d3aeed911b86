"""Reading records however they are spaced, escaped, wrapped or laid out over lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalate._report import LineStats
from escalate._report._reading._documents import document_values
from escalate._report._reading._reader import scan_chunks
from tests.report.builders import call, send_call, webhook

_SPACE = st.sampled_from(["", " ", "  ", "\t", "\r", " \t "])


def _scan(data: bytes, size: int = 1 << 20) -> tuple[list[object], LineStats]:
    stats = LineStats()
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    return list(scan_chunks(chunks, stats)), stats


def _spaced(value: Any, space: st.DrawFn) -> str:
    """JSON with arbitrary (valid) whitespace around every token."""
    gap = space(_SPACE)
    if isinstance(value, dict):
        members = [f"{gap}{json.dumps(k)}{space(_SPACE)}:{space(_SPACE)}{_spaced(v, space)}"
                   for k, v in value.items()]  # fmt: skip
        return "{" + ",".join(members) + space(_SPACE) + "}"
    if isinstance(value, list):
        return "[" + ",".join(gap + _spaced(item, space) for item in value) + gap + "]"
    return json.dumps(value)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([send_call(), webhook(), call("/api/core/whoami")]), st.randoms(),
       st.data())  # fmt: skip
def test_any_spacing_and_key_order_reads_the_same(
    record: dict[str, Any], shuffle: Any, data: st.DataObject
) -> None:
    """A record spaced and ordered any way JSON allows reads as its compact form."""
    items = list(record.items())
    shuffle.shuffle(items)
    line = _spaced(dict(items), data.draw).encode()
    compact, _ = _scan(orjson.dumps(record) + b"\n")
    records, stats = _scan(b'{"other":"line"}\n' + line + b"\n")
    assert records == compact
    assert (stats.lines, stats.not_evidence, stats.broken) == (2, 1, {})


def test_a_line_that_only_mentions_the_marker_is_not_evidence() -> None:
    """A log line quoting the schema name, without a schema member, is not a broken record."""
    data = b'{"msg":"records are escalate.evidence/1 lines"}\nsee escalate.evidence/\n'
    records, stats = _scan(data)
    assert (records, stats.not_evidence, stats.broken) == ([], 2, {})


def test_docker_line_holding_a_truncated_record_is_truncated() -> None:
    """An envelope whose inner record was cut off counts as that record's reason."""
    inner = orjson.dumps(send_call())[:-40].decode()
    line = orjson.dumps({"log": inner + "\n", "stream": "stdout", "time": "2026-11-27T10:00:00Z"})
    records, stats = _scan(line + b"\n")
    assert (records, stats.broken, stats.envelopes) == ([], {"truncated": 1}, {})


def test_envelope_with_several_records_counts_each() -> None:
    """One line holding three records (OTLP batch), one broken: two used, one counted broken."""
    bodies = [orjson.dumps(webhook()).decode(), orjson.dumps(webhook())[:-5].decode(),
              orjson.dumps(send_call()).decode()]  # fmt: skip
    request = {"resourceLogs": [{"scopeLogs": [{"logRecords": [
        {"body": {"stringValue": body}} for body in bodies]}]}]}  # fmt: skip
    records, stats = _scan(orjson.dumps(request) + b"\n")
    assert len(records) == 2
    assert (stats.lines, stats.broken, stats.envelopes) == (1, {"truncated": 1},
                                                            {"opentelemetry": 2})  # fmt: skip


def test_journald_byte_array_message_is_decoded() -> None:
    """journalctl writes a MESSAGE with a control character (a CRLF line) as bytes: read."""
    entry = {"__CURSOR": "s=1;i=1", "__REALTIME_TIMESTAMP": "1", "MESSAGE": list(
        orjson.dumps(webhook()) + b"\r")}  # fmt: skip
    records, stats = _scan(orjson.dumps(entry) + b"\n", size=7)
    assert len(records) == 1
    assert stats.envelopes == {"journald": 1}


def test_document_counts_each_value_as_a_line() -> None:
    """A `jq .` stream: each object is one entry; a last object cut off is truncated."""
    pretty = [json.dumps(value, indent=2).encode() for value in (webhook(), {"a": 1}, send_call())]
    data = b"\n".join(pretty) + b"\n" + pretty[0][:-30]
    for size in (1 << 20, 64, 5):
        records, stats = _scan(data, size)
        assert len(records) == 2
        assert (stats.lines, stats.not_evidence, stats.broken) == (4, 1, {"truncated": 1})
        assert stats.envelopes == {"json-stream": 2}


def test_document_values_split_only_between_values() -> None:
    """Braces and brackets inside strings, escaped quotes, any chunking: the values as written."""
    values = [b'{"a": "x}]\\\\\\"{", "b": [1, {"c": "["}]}', b'{"d": []}', b"[{}]"]
    data = b"[\n " + b",\n ".join(values) + b"\n]\n"
    for size in (1, 2, 3, 1024):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert list(document_values(chunks)) == values


_DOCUMENT_VALUES = [webhook(), {"a": {"b": ["}", "\n}"]}, "c": []}, send_call(), {}]


@pytest.mark.parametrize(
    "dump",
    [
        lambda vs: "\n".join(json.dumps(v, indent=2) for v in vs),  # jq .
        lambda vs: json.dumps(vs, indent=2, sort_keys=True),  # gcloud --format=json
        lambda vs: json.dumps(vs, indent=4) + "\n",  # aws
        lambda vs: json.dumps(vs, indent=0),  # not indented: tokenised
        lambda vs: "\r\n".join(json.dumps(v, indent="\t") for v in vs),  # CRLF, tabs
    ],
    ids=["jq", "gcloud", "aws", "indent0", "crlf-tabs"],
)
def test_document_values_are_the_values_written(dump: Callable[[list[Any]], str]) -> None:
    """Indented or not, in any chunking, each value parses back to what was written."""
    data = dump(_DOCUMENT_VALUES).encode()
    for size in (len(data), 64, 7, 1):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        values = list(document_values(chunks, data[:65536]))
        assert [orjson.loads(value) for value in values] == _DOCUMENT_VALUES


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([b"{\n", b"[\n  {\n", b"[{", b"2026-11-27T10:00:00Z stdout P "]),
       st.binary(max_size=600), st.integers(min_value=1, max_value=64))  # fmt: skip
def test_any_bytes_in_any_layout_never_raise(head: bytes, tail: bytes, chunk: int) -> None:
    """Whatever follows a document's, a CRI log's start: no exception, every entry counted."""
    data = head + orjson.dumps(webhook()).replace(b",", b",\n  ") + tail
    records, stats = _scan(data, chunk)
    assert stats.lines == len(records) + stats.not_evidence + sum(stats.broken.values())
    assert _scan(data)[0] == records
