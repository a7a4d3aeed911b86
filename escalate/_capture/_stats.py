"""Counters of what capture did: records written and errors swallowed, by kind."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from typing import Any

from escalate._capture._forks import renew_lock_in_child


class CaptureStats:
    """Thread-safe counters; `snapshot` is what `escalate.capture_stats()` returns."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: Advanced once per record with `next(STATS.written)`: one C call (atomic, no lock).
        self.written = itertools.count()
        self._errors: Counter[str] = Counter()

    def error(self, where: str, exc: BaseException) -> None:
        """Count one swallowed error as `<where>.<ExceptionClass>`."""
        with self._lock:
            self._errors[f"{where}.{type(exc).__name__}"] += 1

    def snapshot(self) -> dict[str, Any]:
        """Return a copy: `records_written`, `errors_total` and `errors` by kind."""
        with self._lock:
            return {
                "records_written": _current_value(self.written),
                "errors_total": sum(self._errors.values()),
                "errors": dict(self._errors),
            }


def _current_value(counter: itertools.count[int]) -> int:
    """The next value of a count without advancing it (its repr is `count(N)`)."""
    return int(repr(counter)[len("count("):-1])


STATS = CaptureStats()
renew_lock_in_child(STATS)
