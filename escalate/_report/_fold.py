"""The aggregator's fast path: fold the common records straight from their parsed JSON object.

On a realistic log nearly every record is a healthy webhook receipt or an accepted send. For those
two, building a `Record` (type checks, a NamedTuple) and dispatching it through
`AggregateState.add` cost more than parsing the line. `folder(state)` returns the reader's
`Consume` callback: it checks the fields the fast path reads (the same checks as
`record_from_object`), then updates a group counter, the minute's timeline row and the message
map. Anything else — a failure, a new group, an out-of-order row sample, a partial acceptance, a
repeated operation, a broken record — takes the reference path
`state.add(record_from_object(value))`, so both paths give the same state once `state.settle()`
has recomputed the totals (the fast path leaves records/calls/webhooks/first/last to it).

The functions are deliberately flat, with their state in closure variables, and a group key is
type-checked once (then cached) rather than per record. Measured with callgrind on 20 MB of the
benchmark's mixed log (6,272 records; wall clocks on the shared 2-core VM vary by 30%): beyond
finding, counting and parsing the lines (287 M instructions), the reference path cost 27,000
instructions a record, this one 16,000; on the whole 1 GB log, CPU time 5.6 s -> 3.7 s, with
byte-identical reports.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from escalate._report._aggregate import (
    LIFECYCLE_ONLY,
    RESOLVED,
    SECOND_KEY,
    TIMELINE_SLOT,
    AggregateState,
)
from escalate._report._reader import Consume
from escalate._report._records import BrokenRecord, record_from_object
from escalate._report._state import CallGroup, GroupKey, WebhookGroup, WebhookKey
from escalate._schema import (
    KIND_CALL,
    KIND_WEBHOOK,
    LIFECYCLE_EVENTS,
    OUTCOME_OK,
    SCHEMA,
    SIGNATURE_INVALID,
    SIGNATURE_MISSING,
    STAGE_SEND,
    STAGE_WEBHOOKS,
)

_WEBHOOK_OK_SLOT = TIMELINE_SLOT[STAGE_WEBHOOKS]
_SEND_OK_SLOT = TIMELINE_SLOT[STAGE_SEND]
WEBHOOK_FIELDS = (
    "ts", "signature", "response_status", "event", "message_id", "route", "timestamp_skew_s",
)  # fmt: skip
SEND_FIELDS = (
    "ts", "stage", "outcome", "status", "response", "operation", "method", "route", "token",
    "auth", "idempotency", "error_code", "request_id", "exception", "error_message",
    "content_type",
)  # fmt: skip
# one C call for all fields; a record without some of them (absent = null) falls back to .get
_webhook_fields = itemgetter(*WEBHOOK_FIELDS)
_head = itemgetter("schema", "kind")
_BAD_SIGNATURES = (SIGNATURE_INVALID, SIGNATURE_MISSING)
_LIFECYCLE = frozenset(LIFECYCLE_EVENTS)
#: a text starts with `minute` exactly when minute <= text < minute + _TOP (no longer text sorts
#: between them); two comparisons cost less than a `startswith` call
_TOP = "\U0010ffff"
_send_fields = itemgetter(*SEND_FIELDS)


def folder(state: AggregateState) -> Consume:
    """The callback folding each parsed candidate line into `state`; call `state.settle()` after.

    The callback returns None, or the reason the value is not a usable record.
    """
    minute, minute_end, row = "\0", "\0", [0]  # the first record looks its row up
    webhook_groups, groups = state.webhook_groups, state.groups
    healthy: dict[WebhookKey, WebhookGroup] = {}  #: webhook groups of verified 2xx receipts
    accepted: dict[GroupKey, CallGroup] = {}  #: call groups of accepted sends, key checked
    messages, operations, row_at = state.messages, state.operations, state.row_at

    def fold(value: Any) -> str | None:
        """Fold one value; a healthy webhook receipt is folded right here (75% of records)."""
        nonlocal minute, minute_end, row
        try:
            schema, kind = _head(value)
        except (TypeError, KeyError):  # not an object, or no kind
            return fold_reference(value)
        if schema != SCHEMA:
            return fold_reference(value)
        if kind != KIND_WEBHOOK:
            return None if kind == KIND_CALL and fold_send(value) else fold_reference(value)
        try:
            fields = _webhook_fields(value)
        except KeyError:
            fields = tuple(map(value.get, WEBHOOK_FIELDS))
        ts, signature, status, event, message_id, route, skew = fields
        try:
            group = healthy.get((signature, status, event))
        except TypeError:  # an unhashable signature or event
            return fold_reference(value)
        if group is None:
            group = healthy_group(signature, status, event)
        # a group's key was checked: only a str equals its signature or event, but 200.0 or
        # True equal ints, hence the status type check
        if not (
            group is not None and type(status) is int
            and type(ts) is type(message_id) is type(route) is str
            and len(ts) == 27 and ts[26] == "Z"
            and (type(skew) is float or skew is None or type(skew) is int)
        ):  # fmt: skip
            return fold_reference(value)
        group.count += 1
        if ts > group.last:  # type: ignore[operator]
            group.last = ts
        elif ts < group.first:  # type: ignore[operator]
            group.first = ts
        if not minute <= ts < minute_end:  # the same as not ts.startswith(minute), no call
            minute = ts[:SECOND_KEY]
            minute_end, row = minute + _TOP, row_at(ts)
        row[_WEBHOOK_OK_SLOT] += 1
        if message_id and event in _LIFECYCLE:
            seen = messages.get(message_id)
            if seen is None:
                messages[message_id] = LIFECYCLE_ONLY
            elif type(seen) is str:
                messages[message_id] = RESOLVED
        return None

    def healthy_group(signature: object, status: object, event: object) -> WebhookGroup | None:
        """The group of verified 2xx receipts with this key, once a first one made it."""
        if not (
            type(signature) is str and signature not in _BAD_SIGNATURES
            and type(status) is int and 200 <= status < 300
            and (event is None or type(event) is str)
        ):  # fmt: skip
            return None
        group = webhook_groups.get((signature, status, event))
        if group is not None:
            healthy[(signature, status, event)] = group
        return group

    def accepted_group(*key: object) -> CallGroup | None:
        """The accepted sends group of this key (stage, method, route, status, outcome, code)."""
        stage, method, route, status, outcome, code = key
        if not (
            stage == STAGE_SEND and outcome == OUTCOME_OK
            and type(stage) is type(method) is type(route) is type(outcome) is str
            and type(status) is int and (code is None or type(code) is str)
        ):  # fmt: skip
            return None
        group = groups.get(key)  # type: ignore[arg-type]
        if group is not None:
            accepted[key] = group  # type: ignore[index]
        return group

    def fold_reference(value: object) -> str | None:
        try:
            record = record_from_object(value)
        except BrokenRecord as broken:
            return broken.reason
        state.add(record)
        return None

    def fold_send(value: dict[str, Any]) -> bool:
        """A fully accepted send of a new operation with one messageId; False: reference path."""
        nonlocal minute, minute_end, row
        try:
            fields = _send_fields(value)
        except KeyError:
            fields = tuple(map(value.get, SEND_FIELDS))
        (ts, stage, outcome, status, response, operation, method, route, token, auth, idempotency,
         code, request_id, exception, message, content_type) = fields  # fmt: skip
        try:
            group = accepted.get((stage, method, route, status, outcome, code))
        except TypeError:  # an unhashable member of the group key
            return False
        if group is None:
            group = accepted_group(stage, method, route, status, outcome, code)
        if not (
            group is not None and type(status) is int  # 202.0 and True equal ints
            and type(response) is dict and type(idempotency) is dict
            and type(operation) is str and operation and operation not in operations
            and type(ts) is str and len(ts) == 27 and ts[26] == "Z"
            and (token is None or type(token) is dict)
            and (request_id is None or type(request_id) is str)
            and (exception is None or type(exception) is str)
            and (message is None or type(message) is str)
            and (content_type is None or type(content_type) is str)
            and (auth is None or (type(auth) is dict and type(auth.get("scheme", "")) is str))
        ):  # fmt: skip
            return False
        key, present = idempotency.get("fingerprint"), idempotency.get("present")
        errors_count, results = response.get("errors_count"), response.get("results")
        if not (
            (key is None or type(key) is str)
            and (present is None or type(present) is bool)
            and (type(errors_count) is not int or errors_count <= 0)
            and type(results) is list and len(results) == 1 and type(results[0]) is dict
        ):  # fmt: skip
            return False
        message_id = results[0].get("messageId")
        if type(message_id) is not str or not group.rows:
            return False
        if ts < group.rows[-1].ts:
            return False  # an earlier example of an accepted send: the reference path keeps it
        group.count += 1
        if ts > group.last:  # type: ignore[operator]
            group.last = ts
        elif ts < group.first:  # type: ignore[operator]
            group.first = ts
        if not minute <= ts < minute_end:
            minute = ts[:SECOND_KEY]
            minute_end, row = minute + _TOP, row_at(ts)
        row[_SEND_OK_SLOT] += 1
        operations[operation] = (ts, key, message_id)
        seen = messages.get(message_id)
        if seen is None:
            messages[message_id] = ts
        elif type(seen) is str:
            messages[message_id] = min(seen, ts)
        else:
            messages[message_id] = RESOLVED
        return True

    return fold
