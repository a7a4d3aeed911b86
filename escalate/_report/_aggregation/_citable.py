"""Citation candidates: the records a bundle or a HAR may cite, kept during the report's pass.

A bundle's evidence is, for each value the report's findings cite (a requestId, a messageId, a
call's timestamp), the first records in input order that carry it, and the records that define
each stage: its first, its last and its first failing record (`escalate._bundle._evidence`).
Which values are cited is known only once the pass is over, so the pass keeps, beside the
aggregation state, every record a finding can cite:

- per stage: its first record, its last and its first failure, in input order;
- per group (the state's call and webhook groups, split finer): the EARLIEST_PER_GROUP records
  with the earliest timestamps, and up to LATEST_PER_GROUP at its latest timestamp. The state's
  samples (requestIds, messageIds, package rows) are the earliest `SAMPLE_SIZE` values of a
  group and its latest call; each cited value selects at most 5 records (20 for a messageId);
- per messageId, its first MAX_PER_MESSAGE records (the send that got it, its webhooks), for the
  MAX_MESSAGES messages first seen earliest in what each process reads (every input without
  `--jobs`; its share of the files and byte ranges with it);
- the send of each message not settled (no `message.delivery` yet: still waiting, sent, or failed
  downstream), for the MAX_PENDING accepted earliest: overdue and failed messages are cited
  earliest first, and when deliveries stop or fail after the first MAX_MESSAGES messages of a
  log, theirs are the sends a report cites.

Bound, whatever the log's size: 3 records per stage, EARLIEST_PER_GROUP + LATEST_PER_GROUP per
group (the state holds its groups already), MAX_MESSAGES * MAX_PER_MESSAGE records and
MAX_MESSAGE_BYTES for messages (the messages first seen latest are dropped first), MAX_PENDING
sends and MAX_PENDING_BYTES for messages not settled (while full, a new one is not kept).
A record kept by the fast path is its line's bytes (parsed when selected), by the reference path
the value it parsed. The selection is the one the second pass made while the cited values' records
fall within those bounds; docs/bundle.md says where they can differ.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Final

from escalate._report._filters import RecordFilter
from escalate._schema import STAGE_SEND

#: input order and identity: source index, byte range start, record number (`position_base`)
Position = int
#: a bare record line (parsed when selected) or the object the reference path parsed
Item = bytes | dict[str, Any]
Candidate = tuple[Position, Item]
GroupKey = tuple[Any, ...]

EARLIEST_PER_GROUP: Final = 100  #: a group's 20 sampled values, each cited for up to 5 records
LATEST_PER_GROUP: Final = 5
MAX_PER_MESSAGE: Final = 20
MAX_MESSAGES: Final = 10_000
MAX_MESSAGE_BYTES: Final = 64 * 1024 * 1024  #: of the messages' records, per process
MAX_PENDING: Final = 10_000  #: sends of messages not settled (waiting or failed), per process
MAX_PENDING_BYTES: Final = 16 * 1024 * 1024
_VALUE_BYTES: Final = 2048  #: what a record parsed by the reference path counts for
_EVICT_SLACK: Final = MAX_MESSAGES // 8  #: messages over the bound before the latest are dropped
_NUMBER_BITS: Final = 48  #: records of one part
_INDEX_SHIFT: Final = _NUMBER_BITS + 64  #: byte offsets


@dataclass(frozen=True)
class Citing:
    """A pass that keeps citation candidates: which records the evidence may hold, and where.

    `evidence_filter`: the report's filters without the widening of `--message-id` and
    `--request-id` to whole operations (the evidence is the records of the id itself).
    """

    evidence_filter: RecordFilter | None = None
    source_index: int = 0

    def for_source(self, index: int) -> Citing:
        """The same, for the source at `index` in the order given."""
        return replace(self, source_index=index)


def evidence_filter(record_filter: RecordFilter | None) -> RecordFilter | None:
    """The report's filter without its widening to whole operations."""
    if record_filter is None or record_filter.operations is None:
        return record_filter
    return replace(
        record_filter, operations=None, operation_messages=frozenset(),
        operation_references=frozenset(),
    )  # fmt: skip


class GroupCandidates:
    """A group's records with the earliest timestamps, and those at its latest timestamp."""

    __slots__ = ("earliest", "latest", "latest_ts")

    def __init__(self) -> None:
        self.earliest: list[tuple[str, Position, Item]] = []  #: sorted by (ts, position)
        self.latest: list[Candidate] = []
        self.latest_ts = ""

    def keep_early(self, ts: str, candidate: Candidate) -> None:
        """Keep a record among the earliest (the caller checked that it is)."""
        bisect.insort(self.earliest, (ts, *candidate))
        del self.earliest[EARLIEST_PER_GROUP:]

    def merge(self, other: GroupCandidates) -> None:
        """Add another part's candidates of the same group."""
        self.earliest = sorted(self.earliest + other.earliest)[:EARLIEST_PER_GROUP]
        if other.latest_ts > self.latest_ts:
            self.latest, self.latest_ts = other.latest, other.latest_ts
        elif other.latest_ts == self.latest_ts:
            self.latest = sorted(self.latest + other.latest)[:LATEST_PER_GROUP]

    def chosen(self) -> Iterator[Candidate]:
        """Every record kept."""
        yield from ((position, item) for _, position, item in self.earliest)
        yield from self.latest


class MessageCandidates:
    """The first records of one messageId, and when it was first seen (its rank for the bound)."""

    __slots__ = ("first_seen", "records", "size")

    def __init__(self, first_seen: str) -> None:
        self.first_seen = first_seen
        self.records: list[Candidate] = []
        self.size = 0  #: bytes of its records (`item_size`)

    def merge(self, other: MessageCandidates) -> None:
        """Add another part's records of the same message."""
        self.first_seen = min(self.first_seen, other.first_seen)
        self.records = sorted(self.records + other.records)[:MAX_PER_MESSAGE]
        self.size = sum(item_size(item) for _, item in self.records)


def item_size(item: Item) -> int:
    """The bytes a kept record counts for: its line's, or a parsed value's estimate."""
    return len(item) if type(item) is bytes else _VALUE_BYTES


class Citable:
    """Every record a finding may cite, from the parts of the input one process reads (noted in
    input order, `start_part` before each); mergeable with another process's.

    Each stage's first record, last record and first failure are kept in `firsts`, `lasts`
    and `failures`, by stage; the sends of messages not settled in `pending`.
    """

    __slots__ = (
        "failures", "firsts", "groups", "lasts", "message_bytes", "messages", "pending",
        "pending_bytes", "position", "threshold",
    )  # fmt: skip

    def __init__(self) -> None:
        self.position = position_base(0, 0)  #: of the last record noted (`start_part`)
        self.firsts: dict[str, Candidate] = {}
        self.lasts: dict[str, Candidate] = {}
        self.failures: dict[str, Candidate] = {}
        self.groups: dict[GroupKey, GroupCandidates] = {}
        self.messages: dict[str, MessageCandidates] = {}
        self.message_bytes = 0  #: of every record in `messages`
        #: the least (first seen, messageId) dropped for the bound: later ones are not kept
        self.threshold: tuple[str, str] | None = None
        #: messageId -> (accepted at, its send) until a receipt settles it
        self.pending: dict[str, tuple[str, Candidate]] = {}
        self.pending_bytes = 0  #: of the sends in `pending`

    def start_part(self, source_index: int, start: int) -> None:
        """Number the records that follow from a new part of the input: the source at
        `source_index`, from byte `start` (parts are noted in input order)."""
        self.position = position_base(source_index, start)

    def note(
        self, ts: str, stage: str, group: GroupKey, failed: bool, message_ids: Iterable[str],
        item: Item, settles: bool = False,
    ) -> None:  # fmt: skip
        """Consider one record (in input order) for every kind of citation. `settles`: a
        webhook receipt after which no finding cites its message's send (`_state.receipt_settles`).

        Written flat (no call for a record that is no group's earliest): it runs for every
        record of a bundle's pass.
        """
        self.position += 1
        candidate = (self.position, item)
        if stage not in self.firsts:
            self.firsts[stage] = candidate
        self.lasts[stage] = candidate
        if failed and stage not in self.failures:
            self.failures[stage] = candidate
        kept = self.groups.get(group)
        if kept is None:
            kept = self.groups[group] = GroupCandidates()
        if len(kept.earliest) < EARLIEST_PER_GROUP or ts < kept.earliest[-1][0]:
            kept.keep_early(ts, candidate)  # equal times: the kept one came first
        if ts > kept.latest_ts:
            kept.latest, kept.latest_ts = [candidate], ts
        elif ts == kept.latest_ts and len(kept.latest) < LATEST_PER_GROUP:
            kept.latest.append(candidate)
        for message_id in message_ids:
            if settles:
                waiting = self.pending.pop(message_id, None)
                if waiting is not None:
                    self.pending_bytes -= item_size(waiting[1][1])
            elif stage == STAGE_SEND and not failed:
                self._waiting(message_id, ts, candidate)
            known = self.messages.get(message_id)
            if known is None:
                # first seen later than a message already dropped: never kept
                if self.threshold is None or ts <= self.threshold[0]:
                    self._first_of_message(message_id, ts, candidate)
            elif len(known.records) < MAX_PER_MESSAGE:
                known.records.append(candidate)
                size = len(item) if type(item) is bytes else _VALUE_BYTES
                known.size += size
                self.message_bytes += size
                if self.message_bytes > MAX_MESSAGE_BYTES:
                    self._keep_earliest_messages()

    def _waiting(self, message_id: str, ts: str, candidate: Candidate) -> None:
        """Keep the send that got `message_id` accepted until it is settled, if there is room."""
        pending = self.pending
        if message_id in pending or len(pending) >= MAX_PENDING:
            return
        if self.pending_bytes < MAX_PENDING_BYTES:
            pending[message_id] = (ts, candidate)
            self.pending_bytes += item_size(candidate[1])

    def _first_of_message(self, message_id: str, ts: str, candidate: Candidate) -> None:
        if self.threshold is not None and (ts, message_id) >= self.threshold:
            return
        known = self.messages[message_id] = MessageCandidates(ts)
        known.records.append(candidate)
        known.size = item_size(candidate[1])
        self.message_bytes += known.size
        if len(self.messages) > MAX_MESSAGES + _EVICT_SLACK or (
            self.message_bytes > MAX_MESSAGE_BYTES
        ):
            self._keep_earliest_messages()

    def _keep_earliest_messages(self) -> None:
        """Drop the messages first seen latest, down to MAX_MESSAGES and 7/8 of
        MAX_MESSAGE_BYTES (room before the next drop); lower the threshold."""
        ranked = sorted((m.first_seen, message_id) for message_id, m in self.messages.items())
        kept, size = 0, 0
        for _, message_id in ranked[:MAX_MESSAGES]:
            size += self.messages[message_id].size
            if size > MAX_MESSAGE_BYTES * 7 // 8:
                break
            kept += 1
        dropped = ranked[kept:]
        for _, message_id in dropped:
            self.message_bytes -= self.messages.pop(message_id).size
        if dropped and (self.threshold is None or dropped[0] < self.threshold):
            self.threshold = dropped[0]

    def merge(self, other: Citable) -> Citable:
        """Add another part's candidates (the result does not depend on the order)."""
        _keep_by_position(self.firsts, other.firsts, min)
        _keep_by_position(self.lasts, other.lasts, max)
        _keep_by_position(self.failures, other.failures, min)
        _merge_into(self.groups, other.groups)
        _merge_into(self.messages, other.messages)
        self.message_bytes = sum(message.size for message in self.messages.values())
        thresholds = [t for t in (self.threshold, other.threshold) if t is not None]
        self.threshold = min(thresholds, default=None)
        if len(self.messages) > MAX_MESSAGES or self.message_bytes > MAX_MESSAGE_BYTES:
            self._keep_earliest_messages()
        self._merge_pending(other.pending)
        return self

    def _merge_pending(self, other: dict[str, tuple[str, Candidate]]) -> None:
        """Add another part's unsettled sends; keep the earliest accepted within the bounds (a
        message another part settled stays: it is selected only if a finding cites it)."""
        pending = self.pending
        for message_id, waiting in other.items():
            known = pending.get(message_id)
            if known is None or (waiting[0], waiting[1][0]) < (known[0], known[1][0]):
                pending[message_id] = waiting
        ranked = sorted(pending.items(), key=lambda entry: (entry[1][0], entry[0]))
        self.pending, self.pending_bytes = {}, 0
        for message_id, waiting in ranked[:MAX_PENDING]:
            size = item_size(waiting[1][1])
            if self.pending_bytes + size > MAX_PENDING_BYTES:
                break
            self.pending[message_id] = waiting
            self.pending_bytes += size

    def stage_marks(self) -> Iterator[Candidate]:
        """The records that define each stage: its first, its last and its first failure."""
        for marks in (self.firsts, self.lasts, self.failures):
            yield from marks.values()

    def candidates(self, message_ids: Iterable[str] | None = None) -> list[Candidate]:
        """The records kept, once each, in input order: those of the stages and groups, and of
        the messages `message_ids` (every message kept when None)."""
        chosen: dict[Position, Item] = dict(self.stage_marks())
        for group in self.groups.values():
            chosen.update(group.chosen())
        wanted = self.messages.keys() | self.pending.keys() if message_ids is None else message_ids
        for message_id in wanted:
            message = self.messages.get(message_id)
            if message is not None:
                chosen.update(message.records)
            waiting = self.pending.get(message_id)
            if waiting is not None:
                chosen[waiting[1][0]] = waiting[1][1]
        return sorted(chosen.items(), key=lambda candidate: candidate[0])


def position_base(source_index: int, start: int) -> Position:
    """The position before a part's first record: source index, then byte range start, then
    the record's number in its part, in one integer (compared in input order)."""
    return (source_index << _INDEX_SHIFT) | (start << _NUMBER_BITS)


def _keep_by_position(
    mine: dict[str, Candidate], other: dict[str, Candidate],
    pick: Callable[[Position, Position], Position],
) -> None:  # fmt: skip
    for stage, candidate in other.items():
        known = mine.get(stage)
        if known is None or pick(known[0], candidate[0]) == candidate[0]:
            mine[stage] = candidate


def _merge_into(mine: dict[Any, Any], other: dict[Any, Any]) -> None:
    for key, value in other.items():
        known = mine.get(key)
        if known is None:
            mine[key] = value
        else:
            known.merge(value)
