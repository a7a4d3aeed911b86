"""Where each messageId stands: accepted and pending, seen only in webhooks, or resolved.

A message is resolved once a send accepted it and a lifecycle webhook told its fate; nothing can
change that afterwards, and no finding cites a resolved message (only how many there are). So a
resolved message leaves the map of open messages for a set of its id's bytes: about 75 B a
message instead of about 110 B (a dict entry, a text and its accepted timestamp), and with the
packed single attempt of its operation (`_state.SingleAttempt`) nothing else holds its texts.
The ids are kept exactly, not hashed: a collision would hide a pending message. A lifecycle-only
message's externalReference is kept beside it (`keep_reference`, `merge_references`): the
evidence that an unanswered send was accepted after all.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping, ValuesView
from itertools import repeat

LIFECYCLE_ONLY = 1  #: a message seen in lifecycle webhooks, its send not (yet) seen
RESOLVED = 2  #: a message accepted by a send and followed by a lifecycle event
MessageState = str | int  #: the accepted timestamp of a pending message, or one of the above


def _key(message_id: str) -> bytes:
    # surrogatepass: a lone surrogate escaped in a line (`\ud800`) round-trips too
    return message_id.encode("utf-8", "surrogatepass")


def _id(key: bytes) -> str:
    return key.decode("utf-8", "surrogatepass")


class MessageStates(Mapping[str, MessageState]):
    """messageId -> accepted ts (pending), LIFECYCLE_ONLY or RESOLVED (kept compact)."""

    __slots__ = ("open", "resolved")

    def __init__(self) -> None:
        self.open: dict[str, MessageState] = {}  #: pending and lifecycle-only messages
        self.resolved: set[bytes] = set()  #: the UTF-8 ids of the resolved messages

    def __getitem__(self, message_id: str) -> MessageState:
        value = self.open.get(message_id)
        if value is not None:
            return value
        if self.resolved and _key(message_id) in self.resolved:
            return RESOLVED
        raise KeyError(message_id)

    def __iter__(self) -> Iterator[str]:
        yield from self.open
        for key in self.resolved:
            yield _id(key)

    def __len__(self) -> int:
        return len(self.open) + len(self.resolved)

    def items(self) -> ItemsView[str, MessageState]:
        """Every message and its state (resolved ones after the open ones)."""
        return _Items(self)

    def values(self) -> ValuesView[MessageState]:
        """Every message's state (no id is decoded)."""
        return _Values(self)

    def accepted(self, message_id: str, ts: str) -> bool:
        """A send accepted `message_id` at `ts`; True when the message is now resolved."""
        seen = self.open.get(message_id)
        if seen is None:
            if self.resolved and _key(message_id) in self.resolved:
                return True
            self.open[message_id] = ts
            return False
        if type(seen) is str:
            if ts < seen:
                self.open[message_id] = ts
            return False
        self._resolve(message_id)
        return True

    def lifecycle(self, message_id: str) -> bool:
        """A healthy lifecycle webhook of `message_id`; True when no send accepted it (yet)."""
        seen = self.open.get(message_id)
        if seen is None:
            if self.resolved and _key(message_id) in self.resolved:
                return False
            self.open[message_id] = LIFECYCLE_ONLY
            return True
        if type(seen) is str:
            self._resolve(message_id)
            return False
        return True  # LIFECYCLE_ONLY: resolved ones are not open

    def merge(self, other: MessageStates) -> None:
        """Add another partial view (the result does not depend on the order)."""
        # a message open on one side may be resolved on the other: only those are looked up
        settled = _open_in(self.open, other.resolved) + _open_in(other.open, self.resolved)
        # only the messages both sides saw need combining: a per-entry loop over the rest cost
        # 20 ms per 40,000 messages, a dict update a tenth of that
        both = self.open.keys() & other.open.keys()
        combined = {message_id: _combine(self.open[message_id], other.open[message_id])
                    for message_id in both}  # fmt: skip
        self.open.update(other.open)
        self.open.update(combined)
        self.resolved |= other.resolved
        for message_id, state in combined.items():
            if state == RESOLVED:
                self._resolve(message_id)
        for message_id in settled:
            self.open.pop(message_id, None)

    def _resolve(self, message_id: str) -> None:
        del self.open[message_id]
        self.resolved.add(_key(message_id))


def _open_in(open_messages: dict[str, MessageState], resolved: set[bytes]) -> list[str]:
    if not resolved or not open_messages:
        return []
    return [message_id for message_id in open_messages if _key(message_id) in resolved]


def _combine(a: MessageState, b: MessageState) -> MessageState:
    if type(a) is str and type(b) is str:
        return min(a, b)
    if type(a) is str or type(b) is str:
        return RESOLVED
    return max(a, b)


class _Items(ItemsView[str, MessageState]):
    _mapping: MessageStates

    def __iter__(self) -> Iterator[tuple[str, MessageState]]:
        yield from self._mapping.open.items()
        for key in self._mapping.resolved:
            yield _id(key), RESOLVED


class _Values(ValuesView[MessageState]):
    _mapping: MessageStates

    def __iter__(self) -> Iterator[MessageState]:
        yield from self._mapping.open.values()
        yield from repeat(RESOLVED, len(self._mapping.resolved))


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
    states = messages.open
    for message_id in [m for m in mine if states.get(m) != LIFECYCLE_ONLY]:
        del mine[message_id]
