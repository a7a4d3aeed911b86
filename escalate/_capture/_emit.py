"""The hand-off every adapter uses: a finished call (`PendingCall`) in, its record built and
written (on the writer thread or the caller's), nothing raised."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from escalate._capture._exchange import PendingCall
from escalate._capture._record import build_call_record
from escalate._capture._sink import SINK
from escalate._capture._stats import STATS
from escalate._capture._writer import FLUSH_TIMEOUT_S, BackgroundWriter

_SEQUENCE = itertools.count(1)


#: The next per-process record sequence number (a forked child goes on from its parent's): the
#: counter's own method, no Python frame on the caller's path.
next_seq = _SEQUENCE.__next__


def submit(item: PendingCall | dict[str, Any], *, urgent: bool) -> None:
    """Queue a finished call or a built webhook record for the writer (or write it now when the
    target or the process needs that: `SINK.background`, `WRITER` decides). `urgent` (a call
    that raised or got a status of 400 or more, a webhook answered non-2xx): return only once
    its record is written (docs/capture.md, "Guarantees")."""
    if not SINK.background:
        write_item(item)
        return
    WRITER.submit(item, wait=urgent)


def write_item(item: PendingCall | dict[str, Any]) -> None:
    """Build the call record (a webhook record comes built) and write it; count and swallow
    any failure."""
    write_items((item,))


def write_items(items: Sequence[PendingCall | dict[str, Any]]) -> None:
    """Build the call records (webhook records come built) and write them in order, as one
    batch; count and swallow any failure (a record that cannot be built is left out)."""
    records = []
    for item in items:
        try:
            records.append(item if isinstance(item, dict) else build_call_record(item.exchange()))
        except Exception as exc:  # an escalate bug must never reach the user's call
            STATS.error("record", exc)
    if records:
        SINK.emit_all(records)


#: The one writer thread of this process.
WRITER = BackgroundWriter(write_items)
WRITER.install_exit_hooks()


def flush(timeout: float = FLUSH_TIMEOUT_S) -> bool:
    """Write every record still pending, on this thread, so the file holds every call made
    before this one; False when the writer thread kept its lock past `timeout` seconds (a
    target that does not take lines)."""
    return WRITER.flush(timeout)


def count_error(where: str, exc: BaseException) -> None:
    """Count an error an adapter swallowed."""
    STATS.error(where, exc)
