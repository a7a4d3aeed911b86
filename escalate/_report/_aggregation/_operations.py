"""The business operations seen: most once (packed in a `PackedTable`), a few several times.

An operation seen once and accepted with one messageId (the common send) is one record
`operation -> ts NUL fingerprint NUL messageId` (`single_attempt`), about 88 B; a second attempt
turns it into an `OperationStats` in a dict, which the rules read (`several`).
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping
from collections.abc import Set as AbstractSet
from itertools import chain

from escalate._report._aggregation._groups import Operation, OperationStats, operation_fps
from escalate._report._aggregation._packed import PackedTable

#: an operation is a capture fingerprint, `fp_` and 12 hex digits; a longer one goes to a dict
OPERATION_WIDTH = 16
#: a packed single attempt: a timestamp (27), a fingerprint (15), a messageId (up to 27), two
#: separators and the length byte; a longer one goes to a dict
_ATTEMPT_WIDTH = 72


class Operations(Mapping[str, Operation]):
    """operation fingerprint -> its single accepted attempt (packed) or its `OperationStats`."""

    __slots__ = ("_once", "several")

    def __init__(self) -> None:
        self._once = PackedTable(OPERATION_WIDTH, _ATTEMPT_WIDTH)
        self.several: dict[str, OperationStats] = {}  #: the operations with stats

    def __getitem__(self, operation: str) -> Operation:
        stats = self.several.get(operation)
        if stats is not None:
            return stats
        value = self._once.get(operation)
        if value is None:
            raise KeyError(operation)
        return value

    def __contains__(self, operation: object) -> bool:
        if not isinstance(operation, str):
            return False
        return operation in self.several or operation in self._once

    def __iter__(self) -> Iterator[str]:
        yield from self.several
        for operation, _ in self._once.items():
            yield operation

    def __len__(self) -> int:
        return len(self.several) + len(self._once)

    def with_stats(self) -> ItemsView[str, OperationStats]:
        """The operations seen more than once (or not accepted): what duplicates are made of."""
        return self.several.items()

    def count_by_key(self, keys: AbstractSet[str]) -> dict[str, int]:
        """How many operations were sent under each of the idempotency fingerprints `keys`."""
        seen: dict[str, int] = {}
        values: Iterator[Operation] = chain(self.several.values(), self._once_values())
        for value in values:
            for fingerprint in operation_fps(value) & keys:
                seen[fingerprint] = seen.get(fingerprint, 0) + 1
        return seen

    def _once_values(self) -> Iterator[Operation]:
        return (value for _, value in self._once.items())

    def set(self, operation: str, value: Operation) -> None:
        """Store an operation's value: packed when single, its stats otherwise."""
        if isinstance(value, OperationStats):
            self._once.delete(operation)
            self.several[operation] = value
        else:
            self.several.pop(operation, None)
            self._once.put(operation, value)

    def stats(self, operation: str, ts: str) -> OperationStats:
        """The stats of `operation` to count a new attempt in (new at `ts` when unknown)."""
        known = self.get(operation)
        stats = OperationStats(ts) if known is None else OperationStats.of(known)
        self.set(operation, stats)
        return stats

    def merge(self, other: Operations) -> None:
        """Add another partial view (the result does not depend on the order)."""
        if not self:
            self._once, self.several = other._once.copy(), dict(other.several)
            return
        entries: Iterator[tuple[str, Operation]] = chain(other.several.items(), other._once.items())
        for operation, value in entries:
            known = self.get(operation)
            if known is None:
                self.set(operation, value)
            else:
                stats = OperationStats.of(known)
                stats.merge(OperationStats.of(value))
                self.set(operation, stats)
