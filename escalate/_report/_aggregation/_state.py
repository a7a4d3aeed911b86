"""The one-pass aggregator: fold records into an `AggregateState`; merge partial states."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from escalate._report._aggregation._citable import Citable
from escalate._report._aggregation._groups import (
    CallGroup,
    CallKey,
    NumbersSummary,
    OperationStats,
    WebhookGroup,
    WebhookKey,
    WhoamiSummary,
    _sum_into,
    payload_reference,
    with_member,
)
from escalate._report._aggregation._messages import (
    LIFECYCLE_ONLY as LIFECYCLE_ONLY,  # the rules' import
)
from escalate._report._aggregation._messages import RESOLVED as RESOLVED
from escalate._report._aggregation._messages import MessageStates, keep_reference, merge_references
from escalate._report._aggregation._operations import Operations
from escalate._report._aggregation._shapes import shape_of, token_class
from escalate._report._reading._records import CallRecord, Record
from escalate._schema import (
    EVENT_DELIVERY,
    EVENT_FAILED,
    LIFECYCLE_EVENTS,
    OUTCOME_OK,
    SIGNATURE_INVALID,
    SIGNATURE_MISSING,
    STAGE_NUMBERS,
    STAGE_SEND,
    STAGE_WEBHOOKS,
    STAGE_WHOAMI,
    STAGES,
)

#: the timeline row of a minute holds [ok, failed] for each stage, `other` last
TIMELINE_SLOT = {stage: 2 * index for index, stage in enumerate(STAGES)}
TIMELINE_OTHER = 2 * len(STAGES)
TIMELINE_WIDTH = TIMELINE_OTHER + 2
#: length of a per-second and of a per-minute timeline key
SECOND_KEY, MINUTE_KEY = 19, 16
#: per-second rows kept before new rows become per-minute (about 5.5 hours of busy seconds)
MAX_SECOND_ROWS = 20_000
_WEBHOOK_SLOT = TIMELINE_SLOT[STAGE_WEBHOOKS]
PARTIAL = "partial_acceptance"  #: error-code slot of the group of 2xx sends with `errors[]`
_NO_RESPONSE = ("timeout", "connection_error")
_BAD_SIGNATURES = (SIGNATURE_INVALID, SIGNATURE_MISSING)
#: no longer text sorts between a second and the second + _TOP (see `row_for`)
_TOP = "\U0010ffff"
_new = tuple.__new__


class AggregateState:
    """Everything the diagnosis needs, from one or more partial passes.

    Records come in through `add` (a decoded `Record`, the reference path) or through the fast path
    (fields decoded straight from the line); both update the state only through the transitions
    below (`count_call`, `webhook_arrived`, `first_attempt_accepted`, ...), so the two paths
    cannot drift apart. The totals (records, calls, webhooks, first, last) follow from the groups.
    """

    __slots__ = (
        "_row",
        "_second",
        "_second_end",
        "broken",
        "citable",
        "client_ids",
        "envelopes",
        "examples",
        "file_records",
        "filtered_out",
        "groups",
        "hosts",
        "lines",
        "messages",
        "not_evidence",
        "numbers",
        "operations",
        "references",
        "segments",
        "timeline",
        "webhook_groups",
        "whoami",
    )

    def __init__(self) -> None:
        self.lines = 0
        self.not_evidence = 0
        self.broken: dict[str, int] = {}
        self.envelopes: dict[str, int] = {}  #: envelope name -> records it gave
        self.examples: list[tuple[str, str, int, int]] = []  #: reason, file, range start, line
        self.segments: dict[tuple[str, int], int] = {}  #: (file, range start) -> lines
        self.groups: dict[CallKey, CallGroup] = {}
        self.webhook_groups: dict[WebhookKey, WebhookGroup] = {}
        self.whoami: WhoamiSummary | None = None
        self.numbers: NumbersSummary | None = None
        #: calls by `host[:port]` (the fast path counts its sends too), and by token client_id
        self.hosts: dict[str, int] = {}
        self.client_ids: dict[str, int] = {}
        self.filtered_out = 0  #: evidence records the report's filters left out
        #: input file -> [calls, webhooks] it held (after filters), for "which logs were given"
        self.file_records: dict[str, list[int]] = {}
        self.operations = Operations()
        #: messageId -> accepted ts (pending), LIFECYCLE_ONLY or RESOLVED
        self.messages = MessageStates()
        #: messageId -> externalReference, for messages while they are LIFECYCLE_ONLY (the
        #: least reference when their webhooks differ): the evidence that an unanswered send
        #: was accepted after all. Bounded by `messages`; dropped once a send accepts them.
        self.references: dict[str, str] = {}
        #: second or minute (see `row_at`) -> [ok, failed] per stage at TIMELINE_SLOT[stage]
        self.timeline: dict[str, list[int]] = {}
        # the row of the last second counted (records come mostly in order): a text starts with
        # `_second` exactly when _second <= text < _second_end, two comparisons and no slicing
        self._second = self._second_end = "\0"
        self._row: list[int] = []
        #: the records a finding may cite, kept only for a bundle or a HAR (`_citable`)
        self.citable: Citable | None = None

    @property
    def calls(self) -> int:
        """Calls counted (each in exactly one group)."""
        return sum(group.count for group in self.groups.values())

    @property
    def webhooks(self) -> int:
        """Webhook receipts counted (each in exactly one group)."""
        return sum(group.count for group in self.webhook_groups.values())

    @property
    def records(self) -> int:
        """Usable records: calls and webhook receipts."""
        return self.calls + self.webhooks

    @property
    def first(self) -> str | None:
        """The earliest record's timestamp."""
        return min((group.first for group in self._all_groups() if group.first), default=None)

    @property
    def last(self) -> str | None:
        """The latest record's timestamp."""
        return max((group.last for group in self._all_groups() if group.last), default=None)

    def _all_groups(self) -> Iterator[CallGroup | WebhookGroup]:
        yield from self.groups.values()
        yield from self.webhook_groups.values()

    def add(self, record: Record) -> None:
        """Fold one decoded record into the state (the reference path)."""
        if isinstance(record, CallRecord):
            self._add_call(record)
        else:
            key = _new(WebhookKey, (record.signature, record.response_status, record.event))
            self.webhook_arrived(self.webhook_group(key), record.ts, record.message_id,
                                 record.external_reference, record.timestamp_skew_s,
                                 record.parse_error)  # fmt: skip

    def row_for(self, ts: str) -> list[int]:
        """The timeline row holding `ts` (the last one again while records stay in its second)."""
        if not self._second <= ts < self._second_end:
            self._second = ts[:SECOND_KEY]
            self._second_end, self._row = self._second + _TOP, self.row_at(ts)
        return self._row

    def _count(self, group: CallGroup | WebhookGroup, ts: str, slot: int) -> None:
        """Count one record in its group (widening its first..last) and at `slot` of its row.

        The per-record core of both paths, written flat: `row_for` only on a new second.
        """
        group.count += 1
        if group.last is None or ts > group.last:
            group.last = ts
        if group.first is None or ts < group.first:
            group.first = ts
        row = self._row if self._second <= ts < self._second_end else self.row_for(ts)
        row[slot] += 1

    def row_at(self, ts: str) -> list[int]:
        """The timeline row holding `ts`, created empty when new.

        Rows are per second (`YYYY-MM-DDTHH:MM:SS`), so a log that spans seconds still draws a
        timeline; past MAX_SECOND_ROWS rows, new rows are per minute (`YYYY-MM-DDTHH:MM`), so
        the state stays small on logs that span weeks. The timeline builder reads both.
        """
        key = ts[:SECOND_KEY] if len(self.timeline) < MAX_SECOND_ROWS else ts[:MINUTE_KEY]
        row = self.timeline.get(key)
        if row is None:
            row = self.timeline[key] = [0] * TIMELINE_WIDTH
        return row

    def call_group(self, key: CallKey) -> CallGroup:
        """The group of the calls with this key, created when new."""
        group = self.groups.get(key)
        if group is None:
            slot = TIMELINE_SLOT.get(key.stage, TIMELINE_OTHER) + (key.outcome != OUTCOME_OK)
            group = self.groups[key] = CallGroup(slot)
        return group

    def call_counted(
        self, group: CallGroup, ts: str, host: str | None, client_id: str | None
    ) -> None:
        """Count a call in its group, its second's timeline row, its host and client_id."""
        self._count(group, ts, group.timeline_slot)
        if host is not None:
            self.hosts[host] = self.hosts.get(host, 0) + 1
        if client_id is not None:
            self.client_ids[client_id] = self.client_ids.get(client_id, 0) + 1

    def webhook_group(self, key: WebhookKey) -> WebhookGroup:
        """The group of the webhook receipts with this key, created when new."""
        group = self.webhook_groups.get(key)
        if group is None:
            failed = webhook_failed(key.signature, key.response_status)
            resolving = receipt_resolves(failed, key.event)
            settling = receipt_settles(failed, key.event)
            detailed = failed or key.event == EVENT_FAILED  # what findings cite: their messageIds
            group = WebhookGroup(failed, resolving, settling, detailed)
            self.webhook_groups[key] = group
        return group

    def webhook_arrived(
        self,
        group: WebhookGroup,
        ts: str,
        message_id: str | None,
        reference: str | None,
        skew_s: float | None,
        parse_error: bool,
    ) -> None:
        """Count a webhook receipt; the details of a failed one or of a `message.failed` event,
        a healthy one's lifecycle event."""
        failed = group.failed
        self._count(group, ts, _WEBHOOK_SLOT + failed)
        if group.detailed:
            group.add_detail(ts, message_id, skew_s, parse_error)
        if failed:
            return
        if message_id and group.resolving and self.messages.lifecycle(message_id) and reference:
            keep_reference(self.references, message_id, reference)  # not accepted (yet)

    def first_attempt_accepted(
        self, operation: str, ts: str, fingerprint: str | None, message_id: str
    ) -> None:
        """A new operation's first attempt, accepted with one messageId: the common send."""
        self.operations.first(operation, ts, fingerprint, message_id)
        self.message_accepted(message_id, ts)

    def message_accepted(self, message_id: str, ts: str) -> None:
        """A send was accepted with `message_id` (pending until a lifecycle webhook)."""
        if self.messages.accepted(message_id, ts):
            self.references.pop(message_id, None)

    def _add_call(self, call: CallRecord) -> None:
        ts, stage, response = call.ts, call.stage, call.response
        ok = call.outcome == OUTCOME_OK
        partial = ok and stage == STAGE_SEND and _errors_count(response) > 0
        code = PARTIAL if partial else call.error_code
        key = _new(CallKey, (stage, call.method, call.route, call.status, call.outcome, code))
        group = self.call_group(key)
        self.call_counted(group, ts, call.host, call.client_id)
        if stage == STAGE_SEND:
            self._add_send(call, group, ok and not partial)
        elif ok and response is not None:
            self._add_summary(call)
        if not ok or partial:
            group.add_detail(call, shape_of(call), token_class(call.token))
            group.errors_count += _errors_count(response)

    def _add_summary(self, call: CallRecord) -> None:
        if call.stage == STAGE_WHOAMI and (self.whoami is None or call.ts > self.whoami[0]):
            fingerprint = call.token.get("fingerprint") if call.token else None
            self.whoami = WhoamiSummary(call.ts, call.response or {}, fingerprint)
        elif call.stage == STAGE_NUMBERS and (self.numbers is None or call.ts > self.numbers[0]):
            numbers = (call.response or {}).get("numbers")
            if isinstance(numbers, list):
                listed = tuple(n for n in numbers if isinstance(n, dict))
                self.numbers = NumbersSummary(call.ts, listed)

    def _add_send(self, call: CallRecord, group: CallGroup, accepted: bool) -> None:
        ok = call.outcome == OUTCOME_OK
        message_ids = _message_ids(call.response) if ok else ()
        if accepted and wants_example(group, call.ts):
            group.add_row(call)  # an example of an accepted send, for the package
        operation = call.operation
        if accepted and len(message_ids) == 1 and operation and operation not in self.operations:
            self.first_attempt_accepted(
                operation, call.ts, call.idempotency_fingerprint, message_ids[0]
            )
            return
        stats = self._operation(call, ok, message_ids)
        for message_id in message_ids:
            if stats is None or message_id not in stats.message_ids:
                self.message_accepted(message_id, call.ts)
            if not accepted:  # partial acceptance: keep samples for its evidence
                group.add_message_id(call.ts, message_id)
        if stats is not None and message_ids:
            stats.message_ids = tuple(sorted({*stats.message_ids, *message_ids}))[:5]

    def _operation(self, call: CallRecord, ok: bool, ids: tuple[str, ...]) -> OperationStats | None:
        if call.operation is None:
            return None
        stats = self.operations.stats(call.operation, call.ts)
        stats.attempts += 1
        stats.first = min(stats.first, call.ts)
        stats.last = max(stats.last, call.ts)
        stats.accepted += ok and bool(ids)
        no_response = call.outcome in _NO_RESPONSE or (call.status or 0) >= 500
        stats.timeouts += no_response
        fingerprint = call.idempotency_fingerprint
        if fingerprint:
            stats.idempotency_fps = with_member(stats.idempotency_fps, fingerprint)
        reference = payload_reference(call.payload)
        if reference:
            stats.references = with_member(stats.references, reference)
        return stats

    @property
    def events(self) -> dict[str, int]:
        """Webhook receipts by event type (`unknown` when the record had none)."""
        counts: dict[str, int] = {}
        for (_, _, event), group in self.webhook_groups.items():
            name = event or "unknown"
            counts[name] = counts.get(name, 0) + group.count
        return counts

    def merge(self, other: AggregateState) -> AggregateState:
        """Add a partial state into this one (the result does not depend on the order)."""
        self.lines += other.lines
        self.not_evidence += other.not_evidence
        self.filtered_out += other.filtered_out
        _sum_into(self.broken, other.broken)
        _sum_into(self.hosts, other.hosts)
        _sum_into(self.client_ids, other.client_ids)
        for name, counts in other.file_records.items():
            mine = self.file_records.setdefault(name, [0, 0])
            mine[:] = [a + b for a, b in zip(mine, counts, strict=True)]
        _sum_into(self.envelopes, other.envelopes)
        self.examples = sorted(self.examples + other.examples)
        _sum_into(self.segments, other.segments)
        _merge_groups(self.groups, other.groups)
        _merge_groups(self.webhook_groups, other.webhook_groups)
        self.operations.merge(other.operations)
        self.whoami = max((s for s in (self.whoami, other.whoami) if s), default=None, key=_by_ts)
        self.numbers = max(
            (s for s in (self.numbers, other.numbers) if s), default=None, key=_by_ts
        )
        self.messages.merge(other.messages)
        merge_references(self.references, other.references, self.messages)
        for minute, counts in other.timeline.items():
            row = self.timeline.get(minute)
            if row is None:
                self.timeline[minute] = list(counts)
            else:
                row[:] = [a + b for a, b in zip(row, counts, strict=True)]
        if other.citable is not None:
            citable = self.citable
            self.citable = other.citable if citable is None else citable.merge(other.citable)
        return self


def wants_example(group: CallGroup, ts: str) -> bool:
    """An accepted send at `ts` is kept as an example of its group (the earliest are kept)."""
    return not group.rows or ts < group.rows[-1].ts


def receipt_resolves(failed: bool, event: str | None) -> bool:
    """A receipt that ends its message's wait: a lifecycle event (sent, delivered, failed) that
    the receiver verified and accepted (`failed`: `webhook_failed` of the receipt)."""
    return not failed and event in LIFECYCLE_EVENTS


def receipt_settles(failed: bool, event: str | None) -> bool:
    """A receipt after which no finding cites its message's send: a verified, accepted
    `message.delivery` (after `message.sent` a message may still fail, and `delivery_failed`
    cites the messages that did)."""
    return receipt_resolves(failed, event) and event == EVENT_DELIVERY


def webhook_failed(signature: str, response_status: int | None) -> bool:
    """A receipt the receiver rejected or could not verify."""
    if signature in _BAD_SIGNATURES:
        return True
    return response_status is not None and not 200 <= response_status < 300


def _by_ts(summary: tuple[Any, ...]) -> tuple[str, str]:
    return (summary[0], repr(summary[1:]))


def _merge_groups(mine: dict[Any, Any], other: dict[Any, Any]) -> None:
    for key, group in other.items():
        if key in mine:
            mine[key].merge(group)
        else:
            mine[key] = group


def _errors_count(response: dict[str, Any] | None) -> int:
    count = response.get("errors_count") if response else None
    return count if type(count) is int else 0


def _message_ids(response: dict[str, Any] | None) -> tuple[str, ...]:
    results = response.get("results") if response else None
    if not isinstance(results, list):
        return ()
    return tuple(
        item["messageId"]
        for item in results
        if isinstance(item, dict) and isinstance(item.get("messageId"), str)
    )
