"""Feed the citation candidates (`_citable.Citable`) from the report's own pass.

Two hooks, one per path of the engine:

- without a record filter, `watching(fold, citable)` wraps the fast path's line callback: a line
  the aggregation used is decoded once more by msgspec into the few fields that file a record
  among the candidates (`_Cited`: ~1 us, most fields skipped), and kept as its bytes only when it
  is a candidate. A line that is not a bare record (an envelope, a non-ASCII line, an unusual
  type) is parsed as the reference path parses it, and each record it holds noted from its value;
- with a record filter, `filtered_consumer` takes the records as the reference path builds them,
  adds those the filter accepts to the state and notes those the evidence filter accepts.

Standard input is hashed as it is read (`digesting`), for the bundle's manifest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from escalate._report._aggregation._citable import Citable, GroupKey, Item
from escalate._report._filters import RecordFilter, call_message_ids
from escalate._report._reading._reader import ConsumeLine, LineStats, parsed
from escalate._report._reading._records import (
    BrokenRecord,
    CallRecord,
    Record,
    record_from_object,
)
from escalate._schema import OUTCOME_OK, SIGNATURE_INVALID, SIGNATURE_MISSING, STAGE_WEBHOOKS

if TYPE_CHECKING:
    from escalate._report._aggregation._state import AggregateState

_BAD_SIGNATURES = (SIGNATURE_INVALID, SIGNATURE_MISSING)


class _Result(msgspec.Struct):
    messageId: str | None = None  # the API's own name


class _Response(msgspec.Struct):
    results: list[_Result] | None = None
    errors_count: int | None = None


class _Cited(msgspec.Struct, kw_only=True):
    """The fields that file a bare record among the candidates, typed as the reference reads
    them: anything else fails to decode and the line is parsed as the reference path does."""

    schema: Literal["escalate.evidence/1"]
    kind: Literal["call", "webhook"]
    ts: str
    stage: str = ""
    method: str = ""
    route: str | None = None
    status: int | None = None
    outcome: str = ""
    error_code: str | None = None
    response: _Response | None = None
    message_id: str | None = None
    signature: str = ""
    response_status: int | None = None
    event: str | None = None


_decode = msgspec.json.Decoder(_Cited).decode
_REFUSED = (msgspec.DecodeError, RecursionError)


def watching(fold: ConsumeLine, citable: Citable) -> ConsumeLine:
    """The fast path's line callback `fold`, noting every record it used in `citable`."""

    def note_value(value: object) -> str | None:
        try:
            record = record_from_object(value)
        except BrokenRecord as broken:
            return broken.reason
        if type(value) is dict:  # always: records are made from JSON objects only
            note_record(citable, record, value)
        return None

    reference = parsed(note_value, LineStats())  # the engine's stats already counted the line

    def watch(line: bytes) -> str | None:
        reason = fold(line)
        if reason is None and not _note_line(citable, line):
            reference(line)
        return reason

    return watch


def _note_line(citable: Citable, line: bytes) -> bool:
    """Note a bare record line from its fields; False when it must be parsed as a whole."""
    if not line.isascii():
        return False
    try:
        cited = _decode(line)
    except _REFUSED:
        return False
    ts = cited.ts
    # the aggregation took the record, so its timestamp is a real date: in this shape it is
    # canonical (any other, `+00:00`, a space, is converted by the reference path)
    if len(ts) != 27 or ts[10] != "T" or ts[19] != "." or ts[26] != "Z":
        return False
    if cited.kind == "webhook":
        key: GroupKey = ("webhook", cited.signature, cited.response_status, cited.event)
        mid = cited.message_id
        failed = _webhook_failed(cited.signature, cited.response_status)
        citable.note(ts, STAGE_WEBHOOKS, key, failed, (mid,) if mid else (), line)
        return True
    response = cited.response
    count = response.errors_count if response is not None else None
    key = ("call", cited.stage, cited.method, cited.route, cited.status, cited.outcome,
           cited.error_code, count is not None and count > 0)  # fmt: skip
    results = response.results if response is not None else None
    ids = [r.messageId for r in results if r.messageId is not None] if results else ()
    citable.note(ts, cited.stage, key, cited.outcome != OUTCOME_OK, ids, line)
    return True


def note_record(citable: Citable, record: Record, value: dict[str, Any]) -> None:
    """Note a record the reference path built from `value`."""
    item: Item = value
    if isinstance(record, CallRecord):
        count = record.response.get("errors_count") if record.response else None
        partial = type(count) is int and count > 0
        key: GroupKey = ("call", record.stage, record.method, record.route, record.status,
                         record.outcome, record.error_code, partial)  # fmt: skip
        ids = [m for m in call_message_ids(record) if type(m) is str]
        citable.note(record.ts, record.stage, key, record.outcome != OUTCOME_OK, ids, item)
        return
    key = ("webhook", record.signature, record.response_status, record.event)
    mid = record.message_id
    failed = _webhook_failed(record.signature, record.response_status)
    citable.note(record.ts, STAGE_WEBHOOKS, key, failed, (mid,) if mid else (), item)


def _webhook_failed(signature: str, status: int | None) -> bool:
    """A receipt with a bad signature, or not answered 2xx (no answer recorded included)."""
    return signature in _BAD_SIGNATURES or status is None or not 200 <= status < 300


def filtered_consumer(
    state: AggregateState,
    record_filter: RecordFilter,
    evidence: RecordFilter | None,
    citable: Citable,
    stats: LineStats,
) -> ConsumeLine:
    """The reference path with filters: add the records `record_filter` accepts to `state`,
    note those `evidence` accepts in `citable`."""
    accepts, add = record_filter.accepts, state.add

    def consume(value: object) -> str | None:
        try:
            record = record_from_object(value)
        except BrokenRecord as broken:
            return broken.reason
        if accepts(record):
            add(record)
        else:
            state.filtered_out += 1
        if type(value) is dict and (evidence is None or evidence.accepts(record)):
            note_record(citable, record, value)
        return None

    return parsed(consume, stats)


def digesting(chunks: Iterable[bytes], citable: Citable) -> Iterator[bytes]:
    """Pass the chunks on; once they end, their size and SHA-256 in `citable.stdin_digest`."""
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        yield chunk
    citable.stdin_digest = (size, digest.hexdigest())
