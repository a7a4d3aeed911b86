"""Counters of what capture did: records written and errors swallowed, by kind."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from escalate._capture._forks import renew_lock_in_child


class CaptureStats:
    """Thread-safe counters; `snapshot` is what `escalate.capture_stats()` returns."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._written = 0
        self._errors: Counter[str] = Counter()

    def written(self, count: int = 1) -> None:
        """Count records written."""
        with self._lock:
            self._written += count

    def error(self, where: str, exc: BaseException, count: int = 1) -> None:
        """Count a swallowed error as `<where>.<ExceptionClass>` (`count` records lost)."""
        with self._lock:
            self._errors[f"{where}.{type(exc).__name__}"] += count

    def snapshot(self) -> dict[str, Any]:
        """Return a copy: `records_written`, `errors_total` and `errors` by kind."""
        with self._lock:
            return {
                "records_written": self._written,
                "errors_total": sum(self._errors.values()),
                "errors": dict(self._errors),
            }


STATS = CaptureStats()
renew_lock_in_child(STATS)
