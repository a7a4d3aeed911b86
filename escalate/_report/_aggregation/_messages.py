"""Where each messageId stands: accepted and pending, seen only in webhooks, or resolved.

A message is resolved once a send accepted it and a lifecycle webhook told its fate; nothing can
change that afterwards, and no finding cites a resolved message (only how many there are). Every
message is one record of a `PackedTable`: its id (9 bytes for `msg_` and 16 hex digits) and its
accepted timestamp (10 bytes) or state: about 20 B a message, pending or resolved, where a dict
of texts cost about 180 B a pending message. An id that does not pack is kept in `odd`, a dict.
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
from dataclasses import dataclass
from itertools import chain

from escalate._report._aggregation._packed import (
    TS_WIDTH,
    PackedTable,
    canonical_timestamps,
    joined_digits,
    pack_ts,
    unpack_ts,
)

LIFECYCLE_ONLY = 1  #: a message seen in lifecycle webhooks, its send not (yet) seen
RESOLVED = 2  #: a message accepted by a send and followed by a lifecycle event
MessageState = str | int  #: the accepted timestamp of a pending message, or one of the above
#: the states as records hold them: above every packed timestamp (BCD bytes are at most 0x99)
_PACKED_STATES = {
    LIFECYCLE_ONLY: b"\xff" * (TS_WIDTH - 1) + b"\x01",
    RESOLVED: b"\xff" * (TS_WIDTH - 1) + b"\x02",
}
_STATES = {packed: state for state, packed in _PACKED_STATES.items()}
_STATE_DIGITS: dict[MessageState, str] = {
    state: packed.hex() for state, packed in _PACKED_STATES.items()
}
ID_PREFIX, ID_WIDTH = "msg_", 9  #: the API's messageIds: `msg_` and 16 hex digits
#: messages (and operations) kept as texts before the oldest half is packed: ~12 MB each; a
#: send's webhooks that come within RECENT / 2 sends of it find it at a dict's cost, and a log
#: of fewer sends packs nothing (1 M accepted sends peak at ~183 MiB with it, ~159 with 16,384)
RECENT = 65_536


@dataclass(frozen=True, slots=True)
class Overdue:
    """Pending messages accepted at or before a cutoff: how many, when, the earliest ones.

    Not a tuple: `len()` of one would be its field count, not how many messages are overdue.
    """

    total: int
    first: str | None  #: the earliest accepted timestamp
    last: str | None  #: the latest accepted timestamp
    earliest: list[tuple[str, str]]  #: (accepted ts, messageId), the earliest, sorted


class MessageStates(Mapping[str, MessageState]):
    """messageId -> accepted ts (pending), LIFECYCLE_ONLY or RESOLVED (kept compact).

    A message is in exactly one of: `recent` (the newest, as texts in a dict: a send's webhooks
    mostly come soon after it, and find it there at a dict's cost), the packed table (the
    older ones, moved there half of `recent` at a time), `odd` (an id or time that does not pack).
    """

    __slots__ = ("_counts", "_table", "odd", "recent")

    def __init__(self) -> None:
        self._table = PackedTable(ID_PREFIX, ID_WIDTH, TS_WIDTH)
        self.recent: dict[str, MessageState] = {}  #: the newest messages, at most RECENT
        self.odd: dict[str, MessageState] = {}  #: messages whose id or timestamp does not pack
        self._counts = [0, 0, 0]  #: messages pending, lifecycle-only, resolved

    def __getitem__(self, message_id: str) -> MessageState:
        value = self._state(message_id)
        if value is None:
            raise KeyError(message_id)
        return value

    def __iter__(self) -> Iterator[str]:
        yield from (message_id for message_id, _ in self._table.items())
        yield from self.recent
        yield from self.odd

    def __len__(self) -> int:
        return len(self._table) + len(self.recent) + len(self.odd)

    def accepted(self, message_id: str, ts: str) -> bool:
        """A send accepted `message_id` at `ts`; True when the message is now resolved."""
        recent = self.recent
        seen = recent.get(message_id)
        if seen is None:
            seen = self._older(message_id)
        if seen is None:  # the common case, written flat: a new pending message
            recent[message_id] = ts
            self._counts[0] += 1
            if len(recent) > RECENT:
                self._move_oldest()
        elif type(seen) is str:
            if ts < seen:
                self._set(message_id, seen, ts)
        elif seen == LIFECYCLE_ONLY:
            self._set(message_id, seen, RESOLVED)
        return type(seen) is int

    def lifecycle(self, message_id: str) -> bool:
        """A healthy lifecycle webhook of `message_id`; True when no send accepted it (yet)."""
        seen = self.recent.get(message_id)
        if seen is None:
            seen = self._older(message_id)
        if seen is None:
            self._set(message_id, None, LIFECYCLE_ONLY)
            return True
        if type(seen) is str:
            self._set(message_id, seen, RESOLVED)
        return seen == LIFECYCLE_ONLY

    def accepted_count(self) -> int:
        """Distinct messages that sends got accepted (pending or resolved)."""
        return self._counts[0] + self._counts[RESOLVED]

    def pending_count(self) -> int:
        """Accepted messages with no lifecycle event (yet)."""
        return self._counts[0]

    def overdue(self, cutoff: str, size: int) -> Overdue:
        """The pending messages accepted at or before `cutoff`, the `size` earliest of them.

        Two passes over the packed records, comparing packed timestamps (their order is the
        texts'); only the `size` earliest (and their ties) are decoded, none is listed.
        """
        limit = pack_ts(cutoff) or b""
        due = _Due(limit)
        smallest = heapq.nsmallest(size, due.among(self._table.raw_items()))
        threshold = smallest[-1] if smallest else b""
        ties = [(unpack_ts(value), self._table.unpack(raw))
                for raw, value in self._table.raw_items() if value <= threshold]  # fmt: skip
        texts = chain(self.recent.items(), self.odd.items())
        other = [(ts, m) for m, ts in texts if type(ts) is str and ts <= cutoff]
        earliest = heapq.nsmallest(size, ties + other)
        total = due.total + len(other)
        if not total:
            return Overdue(0, None, None, [])
        last = max([ts for ts, _ in other] + ([unpack_ts(due.last)] if due.total else []))
        return Overdue(total, earliest[0][0], last, earliest)

    def merge(self, other: MessageStates) -> None:
        """Add another partial view (the result does not depend on the order)."""
        if not self:  # taken over, not copied (as the groups are): no second table at once
            self._table, self.recent, self.odd = other._table, other.recent, other.odd
            self._counts = other._counts
            return
        packed = ((m, _unpacked(value)) for m, value in other._table.items())
        for message_id, state in chain(packed, other.recent.items(), other.odd.items()):
            mine = self._state(message_id)
            merged = state if mine is None else _combine(mine, state)
            if merged != mine:
                self._set(message_id, mine, merged)

    def _state(self, message_id: str) -> MessageState | None:
        state = self.recent.get(message_id)
        return self._older(message_id) if state is None else state

    def _older(self, message_id: str) -> MessageState | None:
        """The state of a message that is not among the recent ones."""
        packed = self._table.get(message_id) if self._table.size else None
        if packed is None:
            return self.odd.get(message_id) if self.odd else None
        return _unpacked(packed)

    def _set(self, message_id: str, old: MessageState | None, new: MessageState) -> None:
        """Store `new` where the message is (a new one in `recent`); count the change of state."""
        recent = self.recent
        if old is None or message_id in recent:
            recent[message_id] = new
            if len(recent) > RECENT:
                self._move_oldest()
        else:
            self._store(message_id, new)
        counts = self._counts  # the index of a count: 0 for pending (a timestamp), or the state
        if old is not None:
            counts[0 if type(old) is str else int(old)] -= 1
        counts[0 if type(new) is str else int(new)] += 1

    def _store(self, message_id: str, state: MessageState) -> None:
        """Rewrite a message kept packed or in `odd`."""
        packed = _packed(state)
        if packed is not None and self._table.put(message_id, packed):
            self.odd.pop(message_id, None)
        else:
            self._table.delete(message_id)
            self.odd[message_id] = state

    def _move_oldest(self) -> None:
        """Pack the oldest half of `recent`, in one batch when it can (none is packed yet)."""
        keys, values = list(self.recent), list(self.recent.values())
        half = len(keys) // 2
        message_ids, states = keys[:half], values[:half]
        packed_states = _joined_states(states)
        if packed_states is None or not self._table.add_batch(message_ids, [packed_states]):
            for message_id, state in zip(message_ids, states, strict=True):
                packed = _packed(state)
                if packed is None or not self._table.add(message_id, packed):
                    self.odd[message_id] = state
        self.recent = dict(zip(keys[half:], values[half:], strict=True))


class _Due:
    """Counts the pending records accepted by a cutoff as their packed timestamps stream past."""

    __slots__ = ("last", "limit", "total")

    def __init__(self, limit: bytes) -> None:
        self.limit, self.total, self.last = limit, 0, b""

    def among(self, records: Iterator[tuple[bytes, bytes]]) -> Iterator[bytes]:
        """The packed timestamps of the records pending and due, counted."""
        limit = self.limit
        for _, value in records:
            if value <= limit:  # a state's bytes sort above every timestamp
                self.total += 1
                if value > self.last:
                    self.last = value
                yield value


def _packed(state: MessageState) -> bytes | None:
    return pack_ts(state) if type(state) is str else _PACKED_STATES[int(state)]


def _joined_states(states: list[MessageState]) -> bytes | None:
    """`_packed` of every state, joined; None unless every timestamp among them is canonical."""
    if not canonical_timestamps([state for state in states if type(state) is str]):
        return None
    return joined_digits(
        [state if type(state) is str else _STATE_DIGITS[state] for state in states]
    )


def _unpacked(packed: bytes) -> MessageState:
    return _STATES.get(packed) or unpack_ts(packed)


def _combine(a: MessageState, b: MessageState) -> MessageState:
    if type(a) is str and type(b) is str:
        return min(a, b)
    if type(a) is str or type(b) is str:
        return RESOLVED
    return max(int(a), int(b))


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
