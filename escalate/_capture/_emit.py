"""The hand-off every adapter uses: an `Exchange` in, a record built and written, nothing raised."""

from __future__ import annotations

import atexit
import os
import zlib

from escalate._capture._exchange import MAX_TEED_BYTES, Exchange
from escalate._capture._record import build_call_record
from escalate._capture._sink import SINK
from escalate._capture._stats import STATS
from escalate._capture._writer import FLUSH_TIMEOUT_S, BackgroundWriter


def emit_exchange(exchange: Exchange) -> None:
    """Record one exchange: on the writer thread, or on this one when the target wants that.

    A call that raised or got a status of 400 or more returns only once its record is written
    (docs/capture.md, "The writer thread").
    """
    if not SINK.background:
        write_exchange(exchange)
        return
    status = exchange.status
    WRITER.submit(exchange, wait=exchange.exception is not None or (
        status is not None and status >= 400))


def write_exchange(exchange: Exchange) -> None:
    """Build the call record and write it; count and swallow any failure."""
    try:
        record = build_call_record(exchange)
    except Exception as exc:  # an escalate bug must never reach the user's call
        STATS.error("record", exc)
        return
    SINK.emit(record)


#: The one writer thread of this process.
WRITER = BackgroundWriter(write_exchange)
atexit.register(WRITER.close)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=WRITER.after_fork_in_child)


def flush(timeout: float = FLUSH_TIMEOUT_S) -> bool:
    """Write every record still pending, on this thread, so the file holds every call made
    before this one; False when the writer thread kept its lock past `timeout` seconds (a
    target that does not take lines)."""
    return WRITER.flush(timeout)


def count_error(where: str, exc: Exception) -> None:
    """Count an error an adapter swallowed."""
    STATS.error(where, exc)


class BodyTee:
    """Keeps a copy of the first `MAX_TEED_BYTES` of a body as the user reads it."""

    __slots__ = ("_chunks", "_size")

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._size = 0

    def keep(self, chunk: bytes) -> None:
        """Copy a chunk (or the part of it under the cap)."""
        room = MAX_TEED_BYTES - self._size
        if room > 0 and chunk:
            self._chunks.append(chunk[:room] if len(chunk) > room else chunk)
            self._size += min(len(chunk), room)

    def body(self, content_encoding: str | None) -> bytes:
        """The kept bytes, decompressed when the transport saw them gzip/deflate-encoded."""
        raw = b"".join(self._chunks)
        encoding = (content_encoding or "").strip().lower()
        if encoding not in ("gzip", "deflate") or not raw:
            return raw
        try:
            return zlib.decompressobj(47).decompress(raw, MAX_TEED_BYTES)
        except zlib.error:
            return b""
