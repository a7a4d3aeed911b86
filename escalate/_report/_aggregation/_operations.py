"""The business operations seen: most once (packed in a `PackedTable`), a few several times.

An operation seen once and accepted with one messageId (the common send, `single_attempt`) is one
record of 33 bytes: its fingerprint, the attempt's timestamp, idempotency fingerprint and
messageId, each packed (`_packed`); one whose texts do not pack keeps its `single_attempt` text
in `odd`. A second attempt turns it into an `OperationStats` in a dict, which the rules read
(`with_stats`).
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping
from collections.abc import Set as AbstractSet
from itertools import chain

from escalate._report._aggregation._groups import (
    PACKED,
    Operation,
    OperationStats,
    SingleAttempt,
    operation_fps,
    single_attempt,
)
from escalate._report._aggregation._messages import ID_PREFIX, ID_WIDTH, RECENT
from escalate._report._aggregation._packed import (
    TS_WIDTH,
    PackedTable,
    joined_ids,
    joined_timestamps,
    pack_id,
    pack_ts,
    unpack_id,
    unpack_ts,
)

#: a capture fingerprint (`fp_` and 12 hex digits) and a messageId (`msg_`, 16 hex digits) packed
FINGERPRINT_PREFIX, FINGERPRINT_WIDTH = "fp_", 7
_ATTEMPT_WIDTH = TS_WIDTH + FINGERPRINT_WIDTH + ID_WIDTH
_TS_END, _FINGERPRINT_END = TS_WIDTH, TS_WIDTH + FINGERPRINT_WIDTH


class Operations(Mapping[str, Operation]):
    """operation fingerprint -> its single accepted attempt or its `OperationStats`.

    A single attempt is in exactly one of: `recent` (the newest, as `single_attempt` texts),
    the packed table (the older ones, moved there half of `recent` at a time), `odd` (texts
    that do not pack).
    """

    __slots__ = ("_once", "odd", "recent", "several")

    def __init__(self) -> None:
        self._once = PackedTable(FINGERPRINT_PREFIX, FINGERPRINT_WIDTH, _ATTEMPT_WIDTH)
        self.recent: dict[str, SingleAttempt] = {}  #: the newest single attempts, at most RECENT
        self.odd: dict[str, SingleAttempt] = {}  #: single attempts whose texts do not pack
        self.several: dict[str, OperationStats] = {}  #: the operations with stats

    def __getitem__(self, operation: str) -> Operation:
        stats = self.several.get(operation)
        if stats is not None:
            return stats
        value = self._single(operation)
        if value is None:
            raise KeyError(operation)
        return value

    def __contains__(self, operation: object) -> bool:
        if not isinstance(operation, str):
            return False
        if operation in self.recent or operation in self.several or operation in self.odd:
            return True
        return bool(self._once.size) and self._once.get(operation) is not None

    def __iter__(self) -> Iterator[str]:
        yield from self.several
        yield from (operation for operation, _ in self._once_items())

    def __len__(self) -> int:
        return len(self.several) + len(self._once) + len(self.recent) + len(self.odd)

    def with_stats(self) -> ItemsView[str, OperationStats]:
        """The operations seen more than once (or not accepted): what duplicates are made of."""
        return self.several.items()

    def count_by_key(self, keys: AbstractSet[str]) -> dict[str, int]:
        """How many operations were sent under each of the idempotency fingerprints `keys`."""
        seen: dict[str, int] = {}
        values: Iterator[Operation] = chain(
            self.several.values(), (value for _, value in self._once_items())
        )
        for value in values:
            for fingerprint in operation_fps(value) & keys:
                seen[fingerprint] = seen.get(fingerprint, 0) + 1
        return seen

    def _once_items(self) -> Iterator[tuple[str, Operation]]:
        yield from ((operation, _unpacked(packed)) for operation, packed in self._once.items())
        yield from self.recent.items()
        yield from self.odd.items()

    def _single(self, operation: str) -> SingleAttempt | None:
        value = self.recent.get(operation)
        if value is not None:
            return value
        packed = self._once.get(operation) if self._once.size else None
        if packed is not None:
            return _unpacked(packed)
        return self.odd.get(operation) if self.odd else None

    def set(self, operation: str, value: Operation) -> None:
        """Store an operation's value: its stats, or a single attempt (among the recent ones)."""
        self._forget(operation)
        if isinstance(value, OperationStats):
            self.several[operation] = value
        else:
            self._add(operation, value)

    def first(self, operation: str, ts: str, fingerprint: str | None, message_id: str) -> None:
        """Store the first attempt of `operation`, known to be new, accepted with `message_id`."""
        value = single_attempt(ts, fingerprint, message_id)
        if isinstance(value, OperationStats):
            self.several[operation] = value
        else:
            self._add(operation, value)

    def stats(self, operation: str, ts: str) -> OperationStats:
        """The stats of `operation` to count a new attempt in (new at `ts` when unknown)."""
        known = self.get(operation)
        stats = OperationStats(ts) if known is None else OperationStats.of(known)
        self.set(operation, stats)
        return stats

    def merge(self, other: Operations) -> None:
        """Add another partial view (the result does not depend on the order)."""
        if not self:  # taken over, not copied (as the groups are): no second table at once
            self._once, self.recent, self.odd = other._once, other.recent, other.odd
            self.several = other.several
            return
        entries: Iterator[tuple[str, Operation]] = chain(other.several.items(), other._once_items())
        for operation, value in entries:
            known = self.get(operation)
            if known is None:
                self.set(operation, value)
            else:
                stats = OperationStats.of(known)
                stats.merge(OperationStats.of(value))
                self.set(operation, stats)

    def _forget(self, operation: str) -> None:
        self.several.pop(operation, None)
        self.recent.pop(operation, None)
        if self._once:
            self._once.delete(operation)
        self.odd.pop(operation, None)

    def _add(self, operation: str, attempt: SingleAttempt) -> None:
        recent = self.recent
        recent[operation] = attempt
        if len(recent) > RECENT:
            self._move_oldest()

    def _move_oldest(self) -> None:
        """Pack the oldest half of `recent`, in one batch when it can (none is packed yet)."""
        keys, values = list(self.recent), list(self.recent.values())
        half = len(keys) // 2
        operations, attempts = keys[:half], values[:half]
        columns = _columns(attempts)
        if columns is None or not self._once.add_batch(operations, columns):
            for operation, attempt in zip(operations, attempts, strict=True):
                packed = _packed(*attempt.split(PACKED, 2))
                if packed is None or not self._once.add(operation, packed):
                    self.odd[operation] = attempt
        self.recent = dict(zip(keys[half:], values[half:], strict=True))


def _columns(attempts: list[SingleAttempt]) -> list[bytes] | None:
    """The single attempts' record values as columns (timestamps, idempotency fingerprints,
    messageIds), each joined; None unless each column packs in one go.

    A single attempt's timestamp and fingerprint hold no separator (`single_attempt`); a
    messageId that does shifts the texts: the batch is then packed attempt by attempt.
    """
    texts = PACKED.join(attempts).split(PACKED)
    if len(texts) != 3 * len(attempts):
        return None
    stamps = joined_timestamps(texts[0::3])
    fingerprints = joined_ids(texts[1::3], FINGERPRINT_PREFIX, FINGERPRINT_WIDTH)
    message_ids = joined_ids(texts[2::3], ID_PREFIX, ID_WIDTH)
    if stamps is None or fingerprints is None or message_ids is None:
        return None
    return [stamps, fingerprints, message_ids]


def _packed(ts: str, fingerprint: str, message_id: str) -> bytes | None:
    """A single attempt's record value, None when one of its texts does not pack."""
    packed_ts = pack_ts(ts)
    packed_fingerprint = pack_id(fingerprint, FINGERPRINT_PREFIX, FINGERPRINT_WIDTH)
    packed_id = pack_id(message_id, ID_PREFIX, ID_WIDTH)
    if packed_ts is None or packed_fingerprint is None or packed_id is None:
        return None
    return packed_ts + packed_fingerprint + packed_id


def _unpacked(packed: bytes) -> SingleAttempt:
    ts = unpack_ts(packed[:_TS_END])
    fingerprint = unpack_id(packed[_TS_END:_FINGERPRINT_END], FINGERPRINT_PREFIX)
    return f"{ts}{PACKED}{fingerprint}{PACKED}{unpack_id(packed[_FINGERPRINT_END:], ID_PREFIX)}"
