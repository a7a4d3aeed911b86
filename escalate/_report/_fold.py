"""The aggregator's fast path: fold the common records straight from the line's bytes.

On a realistic log nearly every record is a healthy webhook receipt or an accepted send. For those
two, parsing the line into a dict (orjson), building a `Record` (type checks, a NamedTuple) and
dispatching it through `AggregateState.add` cost several times more than finding the line.
`folder(state)` returns the reader's line callback: it decodes the line with msgspec into small
typed structs (`_Hook`, `_Call`) that declare only the fields the fast path reads, with the types
`record_from_object` demands, so msgspec checks them in C and skips the rest of the line (still
validating its JSON syntax); then it updates a group counter, the second's timeline row and the
message map. Anything else (a failure, a new group, an out-of-order row sample, a partial
acceptance, a repeated operation, a value of another type, a non-ASCII line, a broken line) is
parsed again with orjson and takes the reference path `state.add(record_from_object(value))`, so
both paths give the same state once `state.settle()` has recomputed the totals (the fast path
leaves records/calls/webhooks/first/last to it).

The struct types are stricter than, never looser than, the reference checks: a value the fast path
refuses still gets the reference path's verdict. One known difference is deliberate: msgspec
accepts a number too large for a float (`1e999`) in a field the fast path does not read, where
orjson refuses the whole line; the record is then counted as usable. Non-ASCII lines take the
orjson path, because msgspec does not check the UTF-8 of the fields it skips.

A healthy receipt's `external_reference` is decoded (a short string) but read only when its message
is not accepted by a logged send (yet): `duplicate_messages` needs it there, and only there. On the
benchmark's log (one reference per send, webhooks after their sends) the decoding costs about
430 instructions a receipt: callgrind counted 1.3199 G instructions before, 1.3236 G after (+0.28%)
for `escalate report` of a 36 MB slice (PYTHONHASHSEED=0, compiled modules).

The functions are deliberately flat, with their state in closure variables, and a group key is
checked once (then cached) rather than per record. Literal types decode to one interned text, so
group keys hash no strings. Measured with callgrind (instructions are repeatable on a shared
machine): decoding a benchmark webhook receipt costs 9,800 instructions with msgspec against
15,000 for orjson's dict, an accepted send 20,000 against 34,000; with the fold's type checks gone
too, `escalate report` of 30 MB of the benchmark log went from 1.76 G to 1.41 G instructions.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from escalate._report._aggregate import (
    LIFECYCLE_ONLY,
    RESOLVED,
    SECOND_KEY,
    TIMELINE_SLOT,
    AggregateState,
    keep_reference,
)
from escalate._report._reader import ConsumeLine, LineStats, parsed
from escalate._report._records import BrokenRecord, is_canonical_ts, record_from_object
from escalate._report._state import CallGroup, WebhookGroup, WebhookKey, count_at
from escalate._schema import (
    KIND_CALL,
    KIND_WEBHOOK,
    LIFECYCLE_EVENTS,
    OUTCOME_OK,
    ROUTE_SEND,
    SIGNATURE_INVALID,
    SIGNATURE_MISSING,
    STAGE_SEND,
    STAGE_WEBHOOKS,
)

_WEBHOOK_OK_SLOT = TIMELINE_SLOT[STAGE_WEBHOOKS]
_SEND_OK_SLOT = TIMELINE_SLOT[STAGE_SEND]
_BAD_SIGNATURES = (SIGNATURE_INVALID, SIGNATURE_MISSING)
_LIFECYCLE = frozenset(LIFECYCLE_EVENTS)
#: a text starts with `second` exactly when second <= text < second + _TOP (no longer text sorts
#: between them); two comparisons cost less than a `startswith` call
_TOP = "\U0010ffff"


class _Hook(msgspec.Struct, tag_field="kind", tag=KIND_WEBHOOK, kw_only=True):
    """The fields of a verified webhook receipt the fast path reads (absent = null).

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
    external_reference: str | None = None  # read only for a message not accepted (yet)
    signature: Literal["valid", "not_checked"]
    timestamp_skew_s: float | None = None
    response_status: int | None = None


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


class _Call(msgspec.Struct, tag_field="kind", tag=KIND_CALL, kw_only=True):
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
    host: str | None = None  # a non-text host takes the reference path, which ignores it


#: the fields each fast path reads (tests vary them)
WEBHOOK_FIELDS: tuple[str, ...] = _Hook.__struct_fields__
SEND_FIELDS: tuple[str, ...] = _Call.__struct_fields__
_decode = msgspec.json.Decoder(_Hook | _Call).decode
#: what a refused line raises: msgspec.ValidationError is a DecodeError; deep nesting recurses
_REFUSED = (msgspec.DecodeError, RecursionError)


def folder(state: AggregateState, stats: LineStats | None = None) -> ConsumeLine:
    """The callback folding each candidate line into `state`; call `state.settle()` after.

    The callback returns None, or the reason the line is not a usable record; lines that are
    not bare records are unwrapped by the reference path, which counts envelopes in `stats`.
    """
    second, second_end, row = "\0", "\0", [0]  # the first record looks its row up
    webhook_groups, groups = state.webhook_groups, state.groups
    healthy: dict[WebhookKey, WebhookGroup] = {}  #: webhook groups of verified 2xx receipts
    accepted: dict[int, CallGroup] = {}  #: call groups of accepted sends, by status
    messages, operations, row_at = state.messages, state.operations, state.row_at
    references, hosts = state.references, state.hosts

    def fold_reference(value: object) -> str | None:
        try:
            record = record_from_object(value)
        except BrokenRecord as broken:
            return broken.reason
        state.add(record)
        return None

    reference = parsed(fold_reference, stats)

    def fold(line: bytes) -> str | None:
        """Fold one line; a healthy webhook receipt is folded right here (75% of records)."""
        nonlocal second, second_end, row
        if not line.isascii():
            return reference(line)
        try:
            value = _decode(line)
        except _REFUSED:
            return reference(line)
        if isinstance(value, _Call):
            return None if fold_send(value) else reference(line)
        status, event, message_id, ts = (
            value.response_status,
            value.event,
            value.message_id,
            value.ts,
        )
        group = healthy.get((value.signature, status, event))
        if group is None:
            group = healthy_group(value.signature, status, event)
        if (
            group is None or message_id is None or value.route is None or ts[26:] != "Z"
            or not ts[20:26].isdigit()
        ):  # fmt: skip
            return reference(line)
        if not second <= ts < second_end:  # the same as not ts.startswith(second), no call
            if not is_canonical_ts(ts):  # a new second's timestamp is checked whole, once
                return reference(line)
            second = ts[:SECOND_KEY]
            second_end, row = second + _TOP, row_at(ts)
        count_at(group, ts)
        row[_WEBHOOK_OK_SLOT] += 1
        if message_id and event in _LIFECYCLE:
            seen = messages.get(message_id)
            if seen is None:
                messages[message_id] = LIFECYCLE_ONLY
                if value.external_reference:
                    references[message_id] = value.external_reference
            elif type(seen) is str:
                messages[message_id] = RESOLVED
            elif seen == LIFECYCLE_ONLY and value.external_reference:
                keep_reference(references, message_id, value.external_reference)
        return None

    def healthy_group(signature: str, status: int | None, event: str | None) -> WebhookGroup | None:
        """The group of verified 2xx receipts with this key, once a first one made it."""
        if status is None or not 200 <= status < 300:
            return None
        group = webhook_groups.get((signature, status, event))
        if group is not None:
            healthy[(signature, status, event)] = group
        return group

    def accepted_group(status: int) -> CallGroup | None:
        """The group of accepted sends answered with `status`, once a first one made it."""
        group = groups.get((STAGE_SEND, "POST", ROUTE_SEND, status, OUTCOME_OK, None))
        if group is not None:
            accepted[status] = group
        return group

    def fold_send(value: _Call) -> bool:
        """A fully accepted send of a new operation with one messageId; False: reference path."""
        nonlocal second, second_end, row
        group = accepted.get(value.status)
        if group is None:
            group = accepted_group(value.status)
        idempotency, response, operation, ts = (
            value.idempotency,
            value.response,
            value.operation,
            value.ts,
        )
        if (
            group is None or idempotency is None or response is None
            or not operation or operation in operations or ts[26:] != "Z"
            or not ts[20:26].isdigit() or not (second <= ts < second_end or is_canonical_ts(ts))
        ):  # fmt: skip
            return False
        errors_count, results = response.errors_count, response.results
        if (errors_count is not None and errors_count > 0) or results is None or len(results) != 1:
            return False
        message_id = results[0].messageId
        if message_id is None or not group.rows or ts < group.rows[-1].ts:
            return False  # an earlier example of an accepted send: the reference path keeps it
        count_at(group, ts)
        if not second <= ts < second_end:
            second = ts[:SECOND_KEY]
            second_end, row = second + _TOP, row_at(ts)
        row[_SEND_OK_SLOT] += 1
        host = value.host
        if host is not None:
            hosts[host] = hosts.get(host, 0) + 1
        operations[operation] = (ts, idempotency.fingerprint, message_id)
        seen = messages.get(message_id)
        if seen is None:
            messages[message_id] = ts
        elif type(seen) is str:
            messages[message_id] = min(seen, ts)
        else:
            messages[message_id] = RESOLVED
            references.pop(message_id, None)
        return True

    return fold
