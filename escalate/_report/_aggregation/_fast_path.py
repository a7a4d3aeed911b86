"""The aggregator's fast path: decode records straight from the line's bytes.

On a realistic log nearly every record is a webhook receipt or an accepted send. For those,
parsing the line into a dict (orjson), building a `Record` (type checks, a NamedTuple) and
dispatching it cost several times more than finding the line. `folder(state)` returns the reader's
line callback: it decodes the line with msgspec into small typed structs (`_Hook`, `_Send`) that
declare only the fields the aggregation reads, with the types `record_from_object` demands, so
msgspec checks them in C and skips the rest of the line (still validating its JSON syntax). The
decoded fields then go through the same transitions as the reference path
(`AggregateState.webhook_arrived`, `count_call`, `first_attempt_accepted`): decoding is the only
thing that differs. Every webhook receipt, healthy or failed, is folded from its fields. An
accepted send of a new operation with one messageId, in a known group that has its examples, is
folded from its fields too. Any other call (a failed or partial send, a repeated operation, another
stage) is decoded whole by msgspec into a `CallRecord` (`_AnyCall`) and added like the reference
path
adds it: the failures are what reports are about, and msgspec's typed decoding costs half of
orjson's dict plus `record_from_object`'s checks. Anything msgspec refuses (a value of another
type, a non-ASCII line, a broken line) is parsed again with orjson and takes the reference path
`state.add(record_from_object(value))`, which gives the verdict.

The struct types are stricter than, never looser than, the reference checks: a value the fast path
refuses still gets the reference path's verdict. One known difference is deliberate: msgspec
accepts a number too large for a float (`1e999`) in a field the fast path does not read, where
orjson refuses the whole line; the record is then counted as usable. An integer beyond 64 bits in
a call's payload, token or response stays an int (orjson makes it a float). Non-ASCII lines take
the orjson path, because msgspec does not check the UTF-8 of the fields it skips.

Literal types decode to one interned text, so group keys hash no new strings. Measured with
callgrind (instructions are repeatable on a shared machine): decoding a benchmark webhook receipt
costs 9,800 instructions with msgspec against 15,000 for orjson's dict, an accepted send 20,000
against 34,000."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from escalate._report._aggregation._citing import note_record, note_send
from escalate._report._aggregation._groups import CallGroup, CallKey, WebhookGroup, WebhookKey
from escalate._report._aggregation._state import AggregateState, wants_example
from escalate._report._reading._reader import ConsumeLine, LineStats, parsed
from escalate._report._reading._records import (
    MAX_DEPTH,
    REASON_WRONG_TYPES,
    BrokenRecord,
    CallRecord,
    canonical_ts,
    ids_are_texts,
    is_canonical_ts,
    record_from_object,
    within_depth,
)
from escalate._schema import (
    KIND_CALL,
    KIND_WEBHOOK,
    OUTCOME_OK,
    ROUTE_SEND,
    STAGE_SEND,
    STAGE_WEBHOOKS,
)

_new = tuple.__new__


class _Hook(msgspec.Struct, tag_field="kind", tag=KIND_WEBHOOK, kw_only=True):
    """The fields of a webhook receipt the aggregation reads (absent = null).

    Literal types decode to the one interned text, whose hash is cached: the group key costs no
    string hashing. Any other schema, signature or event fails to decode: the reference path.
    """

    schema: Literal["escalate.evidence/1"]
    ts: str
    route: str | None = None
    event: (
        Literal["message.queued", "message.sent", "message.delivery", "message.failed",
                "message.inbound"] | None
    ) = None  # fmt: skip
    message_id: str | None = None
    external_reference: str | None = None
    signature: Literal["valid", "not_checked", "invalid", "missing"]
    timestamp_skew_s: float | None = None
    response_status: int | None = None
    parse_error: bool | None = None  # the reference reads `is True`: another value decodes there


class _Object(msgspec.Struct):
    """Any JSON object (its members are skipped): the reference path demands a dict, no more."""


class _Auth(msgspec.Struct):
    scheme: str | None = None


class _Idempotency(msgspec.Struct):
    present: bool | None = None
    fingerprint: str | None = None


class _Result(msgspec.Struct):
    messageId: str | None = None  # the API's own name


class _Response(msgspec.Struct):
    results: list[_Result] | None = None
    errors_count: int | None = None


class _Send(msgspec.Struct, tag_field="kind", tag=KIND_CALL, kw_only=True):
    """An accepted send as the fast path reads it, typed as `record_from_object` checks it.

    Any other call (another route, stage, method or outcome, an error code) fails to decode and
    takes the reference path; the group key is then (accepted send, status).
    """

    schema: Literal["escalate.evidence/1"]
    ts: str
    method: Literal["POST"]
    route: Literal["/api/core/messages/send"]
    stage: Literal["send"]
    status: int
    outcome: Literal["ok"]
    exception: None = None
    request_id: str | None = None
    error_code: None = None
    error_message: str | None = None
    auth: _Auth | None = None
    token: _Object | None = None
    content_type: str | None = None
    idempotency: _Idempotency | None = None
    operation: str | None = None
    response: _Response | None = None
    # context: a non-text value takes the reference path, which ignores it
    host: str | None = None
    client_id: str | None = None


class _AnyCall(msgspec.Struct, kw_only=True):
    """Any call, every field a `CallRecord` holds, typed as `record_from_object` checks them."""

    schema: Literal["escalate.evidence/1"]
    kind: Literal["call"]
    ts: str
    stage: str
    method: str
    route: str
    status: int | None = None
    outcome: str
    exception: str | None = None
    request_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    auth: _Auth | None = None
    token: dict[str, Any] | None = None
    content_type: str | None = None
    payload: Any = None
    idempotency: _Idempotency | None = None
    operation: str | None = None
    response: dict[str, Any] | None = None
    host: str | None = None
    client_id: str | None = None


#: the fields each fast path reads (tests vary them)
WEBHOOK_FIELDS: tuple[str, ...] = _Hook.__struct_fields__
SEND_FIELDS: tuple[str, ...] = _Send.__struct_fields__
CALL_FIELDS: tuple[str, ...] = _AnyCall.__struct_fields__
_decode = msgspec.json.Decoder(_Hook | _Send).decode
_decode_call = msgspec.json.Decoder(_AnyCall).decode
#: what a refused line raises: msgspec.ValidationError is a DecodeError; deep nesting recurses
_REFUSED = (msgspec.DecodeError, RecursionError)


#: `YYYY-MM-DDTHH:MM:SS`: the part of a timestamp that one whole check covers for a second
SECOND_PREFIX = 19


def folder(state: AggregateState, stats: LineStats | None = None) -> ConsumeLine:
    """The callback folding each candidate line into `state`.

    The callback returns None, or the reason the line is not a usable record; lines that are
    not bare records are unwrapped by the reference path, which counts envelopes in `stats`.
    With `state.citable` (a bundle's pass), each record is also noted as a citation candidate
    (`_citing`), from the fields already decoded.
    """
    citable = state.citable

    def add_record(value: object) -> str | None:
        try:
            record = record_from_object(value)
        except BrokenRecord as broken:
            return broken.reason
        state.add(record)
        if citable is not None and type(value) is dict:
            note_record(citable, record, value)
        return None

    reference = parsed(add_record, stats)
    second = ["\0", "\0"]  #: the last second whose timestamp was checked whole, and its end

    def checked(ts: str) -> bool:
        """Whether `ts` is a canonical timestamp of a real date: checked whole once per new
        second, then by its second's prefix and the shape of its fraction (no regex per record)."""
        if second[0] <= ts < second[1]:
            return len(ts) == 27 and ts[19] == "." and ts[20:26].isdigit() and ts[26] == "Z"
        if not is_canonical_ts(ts):
            return False
        second[0] = ts[:SECOND_PREFIX]
        second[1] = second[0] + "\U0010ffff"  # no longer text sorts between a prefix and this
        return True

    webhook_arrived, webhook_group = state.webhook_arrived, state.webhook_group
    #: the groups by plain key tuple: a NamedTuple key is built once per group, not per record
    hook_groups: dict[tuple[str, int | None, str | None], WebhookGroup] = {}
    send_groups: dict[int, CallGroup] = {}  #: accepted sends by status

    def fold(line: bytes) -> str | None:
        if not line.isascii():
            return reference(line)
        try:
            value = _decode(line)
        except _REFUSED:
            return fold_call(line)
        if not checked(value.ts):  # the reference path converts it or counts it wrong_types
            return reference(line) if isinstance(value, _Hook) else fold_call(line)
        if isinstance(value, _Hook):
            if value.ts[26:] != "Z":  # not canonical: the reference path converts it
                return reference(line)
            key = (value.signature, value.response_status, value.event)
            group = hook_groups.get(key)
            if group is None:
                group = hook_groups[key] = webhook_group(_new(WebhookKey, key))
            webhook_arrived(group, value.ts, value.message_id, value.external_reference,
                            value.timestamp_skew_s, value.parse_error is True)  # fmt: skip
            if citable is not None:
                ids = (value.message_id,) if value.message_id else ()
                failed, settles = group.failed, group.settling
                citable.note(value.ts, STAGE_WEBHOOKS, key, failed, ids, line, settles)
            return None
        if not fold_send(state, value, send_groups):
            return fold_call(line)
        if citable is not None:
            note_send(citable, value.status, value.ts, sent_message_id(value), line)
        return None

    def fold_call(line: bytes) -> str | None:
        """Any other call: decoded whole into a `CallRecord`, added as the reference path does."""
        try:
            call = _decode_call(line)
        except _REFUSED:
            return reference(line)
        try:
            record = call_record(call)
            state.add(record)
        except BrokenRecord as broken:
            return broken.reason
        if citable is not None:
            note_record(citable, record, line)
        return None

    return fold


def sent_message_id(send: _Send) -> str:
    """The one messageId of a send `fold_send` folded."""
    results = send.response.results if send.response is not None else None
    message_id = results[0].messageId if results else None
    return message_id or ""


def call_record(call: _AnyCall) -> CallRecord:
    """The record of a decoded call; raises `BrokenRecord` where `record_from_object` would (a
    timestamp that is not one, nesting past MAX_DEPTH, an id that is not a text)."""
    nested = (call.payload, call.token, call.response)
    if not all(within_depth(value, MAX_DEPTH - 1) for value in nested) or not ids_are_texts(
        call.token, call.response
    ):
        raise BrokenRecord(REASON_WRONG_TYPES)
    auth, idempotency = call.auth, call.idempotency
    present, fingerprint = (
        (idempotency.present, idempotency.fingerprint) if idempotency is not None else (None, None)
    )
    return _new(CallRecord, (
        canonical_ts(call.ts), call.stage, call.method, call.route, call.status, call.outcome,
        call.exception, call.request_id, call.error_code, call.error_message,
        auth.scheme if auth is not None else None, call.token, call.content_type, call.payload,
        present, fingerprint, call.operation, call.response, call.host, call.client_id,
    ))  # fmt: skip


def fold_send(state: AggregateState, send: _Send, groups: dict[int, CallGroup]) -> bool:
    """Fold an accepted send of a new operation with one messageId; False: the reference path.

    `groups`: the groups of accepted sends by status, filled as they are met.
    """
    ts, response, operation = send.ts, send.response, send.operation
    if response is None or not operation or operation in state.operations or ts[26:] != "Z":
        return False
    errors_count, results = response.errors_count, response.results
    if (errors_count is not None and errors_count > 0) or results is None or len(results) != 1:
        return False
    message_id = results[0].messageId
    group = groups.get(send.status)
    if group is None:
        key = _new(CallKey, (STAGE_SEND, "POST", ROUTE_SEND, send.status, OUTCOME_OK, None))
        group = state.groups.get(key)
        if group is None:
            return False  # the reference path makes the group
        groups[send.status] = group
    if message_id is None or wants_example(group, ts):
        return False  # the reference path keeps the example
    state.call_counted(group, ts, send.host, send.client_id)
    fingerprint = send.idempotency.fingerprint if send.idempotency else None
    state.first_attempt_accepted(operation, ts, fingerprint, message_id)
    return True
