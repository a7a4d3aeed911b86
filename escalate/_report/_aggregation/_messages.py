"""Where each messageId stands: accepted and pending, seen only in webhooks, or resolved.

A message is resolved once a send accepted it and a lifecycle webhook told its fate; nothing can
change that afterwards, and no finding cites a resolved message (only how many there are). Every
message is one record of a `PackedTable` (its id, and its accepted timestamp or its state): about
52 B a message, pending or resolved, where a dict of texts cost about 180 B a pending message.
The ids are kept exactly, not hashed: a collision would hide a pending message; and resolved
messages are kept, not dropped: a later webhook of one (the delivery after the sent, or a byte
range boundary with --jobs) must find it resolved, or merging would depend on the order. The
rules ask bounded questions (`accepted_count`, `overdue`) rather than iterate the messages.
A lifecycle-only message's externalReference is kept beside it (`keep_reference`,
`merge_references`): the evidence that an unanswered send was accepted after all.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from escalate._report._aggregation._packed import PackedTable

LIFECYCLE_ONLY = 1  #: a message seen in lifecycle webhooks, its send not (yet) seen
RESOLVED = 2  #: a message accepted by a send and followed by a lifecycle event
MessageState = str | int  #: the accepted timestamp of a pending message, or one of the above
#: a state as the table holds it; a timestamp is never one character (a record's ts is canonical)
_LIFECYCLE_TEXT, _RESOLVED_TEXT = "\x01", "\x02"
_TEXTS = {LIFECYCLE_ONLY: _LIFECYCLE_TEXT, RESOLVED: _RESOLVED_TEXT}
_STATES = {text: state for state, text in _TEXTS.items()}
#: the width of a record's id (`msg_` and 16 hex digits are 20); a longer id is kept in a dict
ID_WIDTH = 24
_TS_WIDTH = 28  #: a canonical timestamp (27) and its length byte
_PENDING = 0  #: the index of the pending messages' count (the others: their state)


class Overdue(NamedTuple):
    """Pending messages accepted at or before a cutoff: how many, when, the earliest ones."""

    total: int
    first: str | None  #: the earliest accepted timestamp
    last: str | None  #: the latest accepted timestamp
    earliest: list[tuple[str, str]]  #: (accepted ts, messageId), the earliest, sorted


class MessageStates(Mapping[str, MessageState]):
    """messageId -> accepted ts (pending), LIFECYCLE_ONLY or RESOLVED (kept compact)."""

    __slots__ = ("_counts", "_table")

    def __init__(self) -> None:
        self._table = PackedTable(ID_WIDTH, _TS_WIDTH)
        self._counts = [0, 0, 0]  #: messages pending, lifecycle-only, resolved

    def __getitem__(self, message_id: str) -> MessageState:
        value = self._table.get(message_id)
        if value is None:
            raise KeyError(message_id)
        return _STATES.get(value, value)

    def __iter__(self) -> Iterator[str]:
        return (message_id for message_id, _ in self._table.items())

    def __len__(self) -> int:
        return len(self._table)

    def accepted(self, message_id: str, ts: str) -> bool:
        """A send accepted `message_id` at `ts`; True when the message is now resolved."""
        seen = self._table.get(message_id)
        if seen is None:
            self._set(message_id, None, ts)
            return False
        if seen == _RESOLVED_TEXT:
            return True
        if seen == _LIFECYCLE_TEXT:
            self._set(message_id, seen, _RESOLVED_TEXT)
            return True
        if ts < seen:
            self._table.put(message_id, ts)
        return False

    def lifecycle(self, message_id: str) -> bool:
        """A healthy lifecycle webhook of `message_id`; True when no send accepted it (yet)."""
        seen = self._table.get(message_id)
        if seen is None:
            self._set(message_id, None, _LIFECYCLE_TEXT)
            return True
        if seen == _LIFECYCLE_TEXT:
            return True
        if seen != _RESOLVED_TEXT:
            self._set(message_id, seen, _RESOLVED_TEXT)
        return False

    def accepted_count(self) -> int:
        """Distinct messages that sends got accepted (pending or resolved)."""
        return self._counts[_PENDING] + self._counts[RESOLVED]

    def overdue(self, cutoff: str, size: int) -> Overdue:
        """The pending messages accepted at or before `cutoff`, the `size` earliest of them.

        One pass, and no list of them: at most `size` are held at a time.
        """
        due = _Due(cutoff)
        earliest = heapq.nsmallest(size, due.among(self._table.items()))
        if not earliest:
            return Overdue(0, None, None, [])
        return Overdue(due.total, earliest[0][0], due.last, earliest)

    def merge(self, other: MessageStates) -> None:
        """Add another partial view (the result does not depend on the order)."""
        if not self._table:
            self._table, self._counts = other._table.copy(), list(other._counts)
            return
        for message_id, value in other._table.items():
            seen = self._table.get(message_id)
            combined = value if seen is None else _combine(seen, value)
            if combined != seen:
                self._set(message_id, seen, combined)

    def _set(self, message_id: str, old: str | None, new: str) -> None:
        """Store `new` (a timestamp or a state's text) and count the change of state."""
        self._table.put(message_id, new)
        if old is not None:
            self._counts[_kind(old)] -= 1
        self._counts[_kind(new)] += 1


class _Due:
    """Counts the pending messages accepted by a cutoff as they stream past."""

    __slots__ = ("cutoff", "last", "total")

    def __init__(self, cutoff: str) -> None:
        self.cutoff, self.total, self.last = cutoff, 0, ""

    def among(self, entries: Iterator[tuple[str, str]]) -> Iterator[tuple[str, str]]:
        """(accepted ts, messageId) of the entries pending and due, counted."""
        cutoff = self.cutoff
        for message_id, value in entries:
            if value <= cutoff and len(value) > 1:  # a state's text is one character
                self.total += 1
                self.last = max(self.last, value)
                yield value, message_id


def _kind(value: str) -> int:
    """The index of a stored value's count: _PENDING for a timestamp, else its state."""
    return _STATES.get(value, _PENDING)


def _combine(a: str, b: str) -> str:
    if _kind(a) == _PENDING and _kind(b) == _PENDING:
        return min(a, b)
    if _kind(a) == _PENDING or _kind(b) == _PENDING:
        return _RESOLVED_TEXT
    return max(a, b)  # "\x02" (resolved) > "\x01" (lifecycle-only)


def keep_reference(references: dict[str, str], message_id: str, reference: str) -> None:
    """Note a lifecycle-only message's externalReference; the least one when webhooks differ."""
    known = references.get(message_id)
    if known is None or reference < known:
        references[message_id] = reference


def merge_references(mine: dict[str, str], other: dict[str, str], messages: MessageStates) -> None:
    """Union of the references (least per message), less the messages no longer lifecycle-only.

    References exist only for lifecycle-only messages (a receiver's log, or the few webhooks
    whose send is in another file or byte range), so the check costs little.
    """
    if other:
        both = mine.keys() & other.keys()
        least = {message_id: min(mine[message_id], other[message_id]) for message_id in both}
        mine.update(other)
        mine.update(least)
    for message_id in [m for m in mine if messages.get(m) != LIFECYCLE_ONLY]:
        del mine[message_id]
