"""The aggregation state: small, mergeable, independent of the order records arrive in.

It grows with distinct failures, distinct send operations and messageIds (one packed record of
about 20 and 33 bytes each past the newest few thousand, see `_packed`: to match sends with
lifecycle webhooks in any order and find duplicates), never with other lines.
`AggregateState.merge` combines two partial states (from two files or two byte ranges) into the
state one pass over both would have produced.
"""

from __future__ import annotations

import bisect
from collections.abc import Set as AbstractSet
from typing import Any, NamedTuple

from escalate._report._aggregation._shapes import Shape
from escalate._report._reading._records import CallRecord

SAMPLE_SIZE = 20
ROW_SAMPLES = 2  #: earliest calls kept per group (plus the latest)


class CallKey(NamedTuple):
    """What the calls of one `CallGroup` share."""

    stage: str
    method: str
    route: str
    status: int | None
    outcome: str
    error_code: str | None  #: or PARTIAL: a 2xx send with `errors[]`


class WebhookKey(NamedTuple):
    """What the receipts of one `WebhookGroup` share."""

    signature: str
    response_status: int | None
    event: str | None


GroupKey = CallKey  #: the name the rules know


class WhoamiSummary(NamedTuple):
    """The latest successful `whoami`: what it said and the token it was asked with."""

    ts: str
    response: dict[str, Any]
    token_fingerprint: str | None


class NumbersSummary(NamedTuple):
    """The latest successful numbers listing."""

    ts: str
    numbers: tuple[dict[str, Any], ...]


def keep_earliest(samples: list[tuple[str, str]], size: int = SAMPLE_SIZE) -> list[tuple[str, str]]:
    """Keep the `size` earliest distinct (ts, value) samples: the same result in any order."""
    return sorted(set(samples))[:size]


def _add_sample(samples: list[tuple[str, str]], ts: str, value: str) -> None:
    """Keep `samples` the SAMPLE_SIZE earliest distinct pairs, sorted; cheap for later pairs."""
    if len(samples) >= SAMPLE_SIZE and (ts, value) >= samples[-1]:
        return
    pair = (ts, value)
    if pair not in samples:
        bisect.insort(samples, pair)
        del samples[SAMPLE_SIZE:]


def _earlier(a: str | None, b: str | None) -> str | None:
    return b if a is None or (b is not None and b < a) else a


def _later(a: str | None, b: str | None) -> str | None:
    return b if a is None or (b is not None and b > a) else a


def _sum_into(target: dict[Any, int], source: dict[Any, int]) -> None:
    for key, count in source.items():
        target[key] = target.get(key, 0) + count


class CallGroup:
    """Calls sharing stage, method, route, status, outcome and error code."""

    __slots__ = (
        "count",
        "errors_count",
        "first",
        "idempotency_fps",
        "last",
        "latest",
        "message_ids",
        "request_ids",
        "rows",
        "shapes",
        "timeline_slot",
        "token_classes",
        "token_fps",
    )

    def __init__(self, timeline_slot: int) -> None:
        self.timeline_slot = timeline_slot  #: where its calls count in a timeline row
        self.count = 0
        self.first: str | None = None
        self.last: str | None = None
        self.shapes: dict[Shape, int] = {}
        self.token_classes: dict[str, int] = {}
        self.token_fps: dict[str, int] = {}
        self.request_ids: list[tuple[str, str]] = []
        self.message_ids: list[tuple[str, str]] = []
        self.idempotency_fps: list[tuple[str, str]] = []
        self.rows: list[CallRecord] = []  #: earliest calls, for the escalation package
        self.latest: CallRecord | None = None
        self.errors_count = 0  #: sum of send `errors_count` (partial acceptance)

    def add_detail(self, call: CallRecord, shape: Shape, token_class: str) -> None:
        """Keep what the diagnosis needs of one call of this group."""
        self.shapes[shape] = self.shapes.get(shape, 0) + 1
        self.token_classes[token_class] = self.token_classes.get(token_class, 0) + 1
        fingerprint = call.token.get("fingerprint") if call.token else None
        if isinstance(fingerprint, str) and (
            fingerprint in self.token_fps or len(self.token_fps) < SAMPLE_SIZE
        ):
            self.token_fps[fingerprint] = self.token_fps.get(fingerprint, 0) + 1
        if call.request_id:
            _add_sample(self.request_ids, call.ts, call.request_id)
        if call.idempotency_fingerprint:
            _add_sample(self.idempotency_fps, call.ts, call.idempotency_fingerprint)
        self.add_row(call)

    def add_message_id(self, ts: str, message_id: str) -> None:
        """Keep a sample of the messageIds this group's calls were given."""
        _add_sample(self.message_ids, ts, message_id)

    def add_row(self, call: CallRecord) -> None:
        """Keep the call if it is among the earliest or is the latest of the group."""
        if call in self.rows:
            return
        if len(self.rows) < ROW_SAMPLES or call.ts < self.rows[-1].ts:
            self.rows = sorted([*self.rows, call], key=_row_key)[:ROW_SAMPLES]
        if self.latest is None or _row_key(call) > _row_key(self.latest):
            self.latest = call

    def merge(self, other: CallGroup) -> None:
        """Add another partial group of the same key."""
        self.count += other.count
        self.first = _earlier(self.first, other.first)
        self.last = _later(self.last, other.last)
        self.errors_count += other.errors_count
        _sum_into(self.shapes, other.shapes)
        _sum_into(self.token_classes, other.token_classes)
        _sum_into(self.token_fps, other.token_fps)
        self.request_ids = keep_earliest(self.request_ids + other.request_ids)
        self.message_ids = keep_earliest(self.message_ids + other.message_ids)
        self.idempotency_fps = keep_earliest(self.idempotency_fps + other.idempotency_fps)
        for call in [*other.rows, *([other.latest] if other.latest else [])]:
            self.add_row(call)


def _row_key(call: CallRecord) -> tuple[str, str, str]:
    return (call.ts, call.route, call.request_id or "")


class OperationStats:
    """Every attempt at one business send (same `operation` fingerprint)."""

    __slots__ = (
        "accepted",
        "attempts",
        "first",
        "idempotency_fps",
        "last",
        "message_ids",
        "references",
        "timeouts",
    )

    def __init__(self, ts: str) -> None:
        self.attempts = 0
        self.timeouts = 0  #: attempts with no response (timeout, connection error) or a 5xx
        self.accepted = 0
        self.first = ts
        self.last = ts
        #: a storm of attempts under new keys grows a set in place: linear (see `with_member`)
        self.idempotency_fps: Members = ()
        self.message_ids: tuple[str, ...] = ()  #: at most 5
        #: the attempts' externalReferences (`payload_reference`); one body, so usually one
        self.references: Members = ()

    @classmethod
    def of(cls, value: Operation) -> OperationStats:
        """The stats of an operation value (a single accepted attempt is kept packed)."""
        if isinstance(value, OperationStats):
            return value
        return cls.accepted_once(*value.split(PACKED, 2))

    @classmethod
    def accepted_once(cls, ts: str, fingerprint: str | None, message_id: str) -> OperationStats:
        """The stats of an operation seen once, accepted with one messageId."""
        stats = cls(ts)
        stats.attempts = stats.accepted = 1
        stats.idempotency_fps = (fingerprint,) if fingerprint else ()
        stats.message_ids = (message_id,)
        return stats

    def merge(self, other: OperationStats) -> None:
        """Add another partial view of the same operation."""
        self.attempts += other.attempts
        self.timeouts += other.timeouts
        self.accepted += other.accepted
        self.first = min(self.first, other.first)
        self.last = max(self.last, other.last)
        self.idempotency_fps = members_union(self.idempotency_fps, other.idempotency_fps)
        self.message_ids = tuple(sorted(set(self.message_ids + other.message_ids)))[:5]
        self.references = members_union(self.references, other.references)


#: distinct texts: a tuple while there is at most one (an empty set alone costs 216 B, and most
#: operations have one key and one reference), a set from two on, grown in place
Members = tuple[str, ...] | set[str]


def with_member(members: Members, value: str) -> Members:
    """`members` with `value` added (the same set, grown in place, once there are two)."""
    if isinstance(members, set):
        members.add(value)
        return members
    if not members:
        return (value,)
    return members if members[0] == value else {members[0], value}


def members_union(mine: Members, other: Members) -> Members:
    """The distinct texts of both, in the canonical form (a tuple for at most one)."""
    union = {*mine, *other}
    return union if len(union) > 1 else tuple(union)


def payload_reference(payload: object) -> str | None:
    """The externalReference of a send's payload shape, as a webhook record carries it.

    The shape holds `<fp:fp_...>` (the webhook record: `fp_...`, the same HMAC) or, with
    `keep_external_reference`, the value verbatim. Any other descriptor (`<e164>`: a phone number
    used as a reference, never fingerprinted) matches no webhook: None.
    """
    value = payload.get("externalReference") if type(payload) is dict else None
    if type(value) is not str or not value:
        return None
    if value[0] == "<" and value[-1] == ">":
        return value[4:-1] if value.startswith("<fp:fp_") else None
    return value


#: an operation seen once, accepted: `ts NUL fingerprint NUL messageId` in one text, the common
#: case until a second attempt is seen; `Operations` keeps the newest as such texts and packs the
#: others (33 bytes, `_operations`).
SingleAttempt = str
Operation = OperationStats | SingleAttempt
PACKED = "\0"  #: the separator of a single attempt's texts


def single_attempt(ts: str, fingerprint: str | None, message_id: str) -> Operation:
    """The value of an operation seen once, accepted with `message_id` (packed when it can be)."""
    fingerprint = fingerprint or ""  # no fingerprint and an empty one count alike
    if PACKED in ts or PACKED in fingerprint:
        return OperationStats.accepted_once(ts, fingerprint, message_id)
    return f"{ts}{PACKED}{fingerprint}{PACKED}{message_id}"


def operation_fps(value: Operation) -> AbstractSet[str]:
    """The idempotency fingerprints an operation was sent under."""
    if isinstance(value, OperationStats):
        fingerprints = value.idempotency_fps
        return fingerprints if isinstance(fingerprints, set) else frozenset(fingerprints)
    fingerprint = value.split(PACKED, 2)[1]
    return frozenset((fingerprint,)) if fingerprint else frozenset()


class WebhookGroup:
    """Webhook receipts sharing signature verdict, answered status and event."""

    __slots__ = (
        "count",
        "detailed",
        "failed",
        "first",
        "last",
        "max_skew_s",
        "message_ids",
        "parse_errors",
        "resolving",
        "settling",
    )

    def __init__(self, failed: bool, resolving: bool, settling: bool, detailed: bool) -> None:
        self.failed = failed  #: its receipts were rejected or could not be verified
        #: its receipts end their message's wait (`receipt_resolves`)
        self.resolving = resolving
        #: its receipts settle their message: no finding cites its send (`receipt_settles`)
        self.settling = settling
        #: its receipts' details are kept (`add_detail`): failed ones, `message.failed` events
        self.detailed = detailed
        self.count = 0
        self.parse_errors = 0
        self.first: str | None = None
        self.last: str | None = None
        self.max_skew_s: float | None = None
        self.message_ids: list[tuple[str, str]] = []

    def add_detail(
        self, ts: str, message_id: str | None, skew_s: float | None, parse_error: bool
    ) -> None:
        """Keep what the diagnosis needs of a failed receipt or a failure event (count and times
        are kept apart)."""
        self.parse_errors += parse_error
        if skew_s is not None:
            skew = abs(skew_s)
            self.max_skew_s = skew if self.max_skew_s is None else max(self.max_skew_s, skew)
        if message_id:
            _add_sample(self.message_ids, ts, message_id)

    def merge(self, other: WebhookGroup) -> None:
        """Add another partial group of the same key."""
        self.count += other.count
        self.parse_errors += other.parse_errors
        self.first = _earlier(self.first, other.first)
        self.last = _later(self.last, other.last)
        skews = [s for s in (self.max_skew_s, other.max_skew_s) if s is not None]
        self.max_skew_s = max(skews) if skews else None
        self.message_ids = keep_earliest(self.message_ids + other.message_ids)
