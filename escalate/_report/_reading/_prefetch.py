"""Read the next chunks while this one is scanned: a reader thread, a bounded queue.

Reading a file (and decompressing gzip or zstd) releases the GIL, so a thread can fill the next
chunks while the scanner works on this one; on a 2-core machine the copy from the page cache (and
the page faults of each new 16 MiB buffer) move off the scanning core. The queue holds at most
`depth` chunks, so memory stays bounded; an error of the reader (an unreadable or corrupt file)
is raised in the consumer, in order, as if it had read the chunks itself; a consumer that stops
early stops the reader and closes its source. Every wait is bounded, so no thread outlives a
stopped consumer by more than one poll.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

#: how long a blocked reader waits before it checks whether the consumer has gone away
_POLL_S = 0.1
_END = object()


class _Failure:
    """An exception of the reader, carried to the consumer."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(chunks: Iterator[bytes], depth: int = 2) -> Iterator[bytes]:
    """Yield `chunks` in order, read ahead by a thread by up to `depth` chunks."""
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    reader = threading.Thread(
        target=_read_ahead, args=(chunks, ready, stop), name="escalate-prefetch", daemon=True
    )
    reader.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            assert isinstance(item, bytes)
            yield item
    finally:
        stop.set()
        reader.join(timeout=5 * _POLL_S + 1)


def _read_ahead(chunks: Iterator[bytes], ready: queue.Queue[object], stop: threading.Event) -> None:
    try:
        for chunk in chunks:
            if not _put(ready, chunk, stop):
                return
        _put(ready, _END, stop)
    except BaseException as error:  # handed to the consumer, raised there
        _put(ready, _Failure(error), stop)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def _put(ready: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    """Queue `item` unless the consumer stopped; False when it did."""
    while not stop.is_set():
        try:
            ready.put(item, timeout=_POLL_S)
        except queue.Full:
            continue
        return True
    return False
