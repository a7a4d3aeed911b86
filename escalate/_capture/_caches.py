"""Every cache of capture, registered here: bounded, emptied by `configure()` (they may hold
fingerprints under the old key) and in a forked child.

Only what repeats on every call and costs the record builder most is cached: what a call site
(URL path, `Authorization` value, `Content-Type`) implies. Nothing derived from a message body
is cached, so no cache holds a message's text or recipients past its call.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")

_REGISTRY: list[BoundedCache[object, object]] = []


class BoundedCache(Generic[Key, Value]):
    """A dict of at most `size` entries, emptied when full (a service has few call sites)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[Key, Value] = {}
        _REGISTRY.append(self)  # type: ignore[arg-type]  # invariance: only `clear` is called

    def get(self, key: Key, compute: Callable[[Key], Value]) -> Value:
        """The value of `key`, computed (and kept) on a miss."""
        found = self._entries.get(key)
        if found is None:
            found = compute(key)
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[key] = found
        return found

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()


def clear_all() -> None:
    """Empty every cache (a new fingerprint key, or a new process)."""
    for cache in _REGISTRY:
        cache.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=clear_all)
