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
  MAX_MESSAGES messages first seen earliest in each part of the input (a file, a byte range):
  messages waiting for their lifecycle are cited earliest first.

Bound, whatever the log's size: 3 records per stage, EARLIEST_PER_GROUP + LATEST_PER_GROUP per
group (the state holds its groups already), MAX_MESSAGES * MAX_PER_MESSAGE records for messages.
A record kept by the fast path is its line's bytes (parsed when selected), by the reference path
the value it parsed. The selection is the one the second pass made while the cited values' records
fall within those bounds; docs/bundle.md says where they can differ.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Final

from escalate._report._filters import RecordFilter

#: (source index, byte range start, record number in the range): input order, and identity
Position = tuple[int, int, int]
#: a bare record line (parsed when selected) or the object the reference path parsed
Item = bytes | dict[str, Any]
Candidate = tuple[Position, Item]
GroupKey = tuple[Any, ...]

EARLIEST_PER_GROUP: Final = 100  #: a group's 20 sampled values, each cited for up to 5 records
LATEST_PER_GROUP: Final = 5
MAX_PER_MESSAGE: Final = 20
MAX_MESSAGES: Final = 10_000
_EVICT_SLACK: Final = MAX_MESSAGES // 8  #: messages over the bound before the latest are dropped


@dataclass(frozen=True)
class Citing:
    """A pass that keeps citation candidates: which records the evidence may hold, and where.

    `evidence_filter`: the report's filters without the widening of `--message-id` and
    `--request-id` to whole operations (the evidence is the records of the id itself).
    `stdin_name`: the source that is standard input (`-`, or its spooled copy), hashed as read.
    """

    evidence_filter: RecordFilter | None = None
    source_index: int = 0
    stdin_name: str = "-"

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


class StageMarks:
    """The records that define one stage: its first, its last and its first failure."""

    __slots__ = ("first", "first_failure", "last")

    def __init__(self) -> None:
        self.first: Candidate | None = None
        self.last: Candidate | None = None
        self.first_failure: Candidate | None = None

    def note(self, candidate: Candidate, failed: bool) -> None:
        """Remember a record of this stage (records come in input order)."""
        if self.first is None:
            self.first = candidate
        self.last = candidate
        if failed and self.first_failure is None:
            self.first_failure = candidate

    def merge(self, other: StageMarks) -> None:
        """Add another part's marks."""
        self.first = _earliest(self.first, other.first)
        self.first_failure = _earliest(self.first_failure, other.first_failure)
        if self.last is None or (other.last is not None and other.last[0] > self.last[0]):
            self.last = other.last

    def chosen(self) -> Iterator[Candidate]:
        """The records that define the stage."""
        yield from (mark for mark in (self.first, self.last, self.first_failure) if mark)


def _earliest(a: Candidate | None, b: Candidate | None) -> Candidate | None:
    if a is None or (b is not None and b[0] < a[0]):
        return b
    return a


class GroupCandidates:
    """A group's records with the earliest timestamps, and those at its latest timestamp."""

    __slots__ = ("earliest", "latest", "latest_ts")

    def __init__(self) -> None:
        self.earliest: list[tuple[str, Position, Item]] = []  #: sorted by (ts, position)
        self.latest: list[Candidate] = []
        self.latest_ts = ""

    def note(self, ts: str, position: Position, item: Item) -> None:
        """Keep the record if it is among the earliest or at the latest time (input order)."""
        earliest = self.earliest
        if len(earliest) < EARLIEST_PER_GROUP:
            bisect.insort(earliest, (ts, position, item))
        elif ts < earliest[-1][0]:  # equal times: the kept one came first
            bisect.insort(earliest, (ts, position, item))
            del earliest[-1]
        if ts > self.latest_ts:
            self.latest, self.latest_ts = [(position, item)], ts
        elif ts == self.latest_ts and len(self.latest) < LATEST_PER_GROUP:
            self.latest.append((position, item))

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

    __slots__ = ("first_seen", "records")

    def __init__(self, first_seen: str) -> None:
        self.first_seen = first_seen
        self.records: list[Candidate] = []

    def merge(self, other: MessageCandidates) -> None:
        """Add another part's records of the same message."""
        self.first_seen = min(self.first_seen, other.first_seen)
        self.records = sorted(self.records + other.records)[:MAX_PER_MESSAGE]


class Citable:
    """Every record a finding may cite, from one or more parts of the input; mergeable."""

    __slots__ = ("groups", "messages", "number", "origin", "stages", "stdin_digest", "threshold")

    def __init__(self, source_index: int = 0, start: int = 0) -> None:
        self.origin = (source_index, start)
        self.number = 0  #: records noted in this part
        self.stages: dict[str, StageMarks] = {}
        self.groups: dict[GroupKey, GroupCandidates] = {}
        self.messages: dict[str, MessageCandidates] = {}
        #: the least (first seen, messageId) dropped for the bound: later ones are not kept
        self.threshold: tuple[str, str] | None = None
        self.stdin_digest: tuple[int, str] | None = None  #: bytes and SHA-256 of stdin as read

    def note(
        self, ts: str, stage: str, group: GroupKey, failed: bool, message_ids: Iterable[str],
        item: Item,
    ) -> None:  # fmt: skip
        """Consider one record (in input order) for every kind of citation."""
        self.number += 1
        position = (*self.origin, self.number)
        marks = self.stages.get(stage)
        if marks is None:
            marks = self.stages[stage] = StageMarks()
        marks.note((position, item), failed)
        candidates = self.groups.get(group)
        if candidates is None:
            candidates = self.groups[group] = GroupCandidates()
        candidates.note(ts, position, item)
        for message_id in message_ids:
            self._note_message(message_id, ts, (position, item))

    def _note_message(self, message_id: str, ts: str, candidate: Candidate) -> None:
        known = self.messages.get(message_id)
        if known is not None:
            if len(known.records) < MAX_PER_MESSAGE:
                known.records.append(candidate)
            return
        if self.threshold is not None and (ts, message_id) >= self.threshold:
            return  # a message first seen later than one already dropped: never kept in part
        known = self.messages[message_id] = MessageCandidates(ts)
        known.records.append(candidate)
        if len(self.messages) > MAX_MESSAGES + _EVICT_SLACK:
            self._keep_earliest_messages()

    def _keep_earliest_messages(self) -> None:
        """Drop the messages first seen latest, down to MAX_MESSAGES; lower the threshold."""
        ranked = sorted((m.first_seen, message_id) for message_id, m in self.messages.items())
        dropped = ranked[MAX_MESSAGES:]
        if not dropped:
            return
        for _, message_id in dropped:
            del self.messages[message_id]
        if self.threshold is None or dropped[0] < self.threshold:
            self.threshold = dropped[0]

    def merge(self, other: Citable) -> Citable:
        """Add another part's candidates (the result does not depend on the order)."""
        _merge_into(self.stages, other.stages)
        _merge_into(self.groups, other.groups)
        _merge_into(self.messages, other.messages)
        thresholds = [t for t in (self.threshold, other.threshold) if t is not None]
        self.threshold = min(thresholds, default=None)
        if len(self.messages) > MAX_MESSAGES:
            self._keep_earliest_messages()
        self.stdin_digest = self.stdin_digest or other.stdin_digest
        return self

    def stage_marks(self) -> Iterator[Candidate]:
        """The records that define each stage."""
        for marks in self.stages.values():
            yield from marks.chosen()

    def candidates(self) -> list[Candidate]:
        """Every record kept, once each, in input order."""
        chosen: dict[Position, Item] = dict(self.stage_marks())
        for group in self.groups.values():
            chosen.update(group.chosen())
        for message in self.messages.values():
            chosen.update(message.records)
        return sorted(chosen.items(), key=lambda candidate: candidate[0])


def _merge_into(mine: dict[Any, Any], other: dict[Any, Any]) -> None:
    for key, value in other.items():
        known = mine.get(key)
        if known is None:
            mine[key] = value
        else:
            known.merge(value)
