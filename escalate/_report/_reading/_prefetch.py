"""Read sources one after the other, each as a `SourceReading`: in turn, or ahead by one thread.

`read_ahead` starts one reader thread for the whole sequence of sources, however many: it opens,
reads, decompresses (gzip, zstd) and hashes while the scanner works on what it read before, and
these release the GIL, so on a 2-core machine they move off the scanning core. What it read is
handed over in batches of about `batch_bytes` (one 16 MiB chunk of a large file, or the next
hundreds of small files together), at most one batch waiting, so memory stays bounded and a
small file costs no thread start and no hand-over of its own. An error of the reader (an
unreadable or corrupt input) is raised in the consumer, in order, as if it had read that source
itself; a consumer that stops early stops the reader and closes its input. Every wait is
bounded, so no thread outlives a stopped consumer by more than one poll. Asked to count (for a
progress bar), the reader hands over with each chunk how many of the source's stored bytes it has
read so far, so that the consumer learns it when it takes the chunk, on its own thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing

from escalate._report._reading._sources import (
    CHUNK_SIZE,
    Checksum,
    InputChecksum,
    Source,
    StoredBytes,
)

#: how long a blocked reader waits before it checks whether the consumer has gone away
_POLL_S = 0.1


class SourceReading:
    """One source's decompressed chunks, how many stored bytes they came from (when counted) and,
    once they are all read, its checksum (when asked for)."""

    __slots__ = ("_counter", "chunks", "source")

    def __init__(self, source: Source, counter: StoredBytes | None = None) -> None:
        self.source = source
        self.chunks: Iterator[bytes] = iter(())
        self._counter = counter

    @property
    def stored(self) -> int:
        """The bytes as stored read for the chunks taken so far (all of them once the chunks are
        exhausted); 0 when not counted."""
        return 0 if self._counter is None else self._counter.size

    @property
    def checksum(self) -> InputChecksum | None:
        """`(name, bytes, sha256)` of the bytes as stored, when asked for and read to the end."""
        counter = self._counter
        return counter.value() if isinstance(counter, Checksum) else None


def read_in_turn(
    sources: Sequence[Source],
    *,
    checksums: bool = False,
    counted: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> Generator[SourceReading, None, None]:
    """Each source in turn, read by the consumer itself (where every core already scans)."""
    for source in sources:
        reading = SourceReading(source, _counter(source, checksums, counted))
        reading.chunks = source.chunks(chunk_size, reading._counter)
        yield reading


def _counter(source: Source, checksums: bool, counted: bool) -> StoredBytes | None:
    """A checksum for a whole input when `checksums`, else a count of bytes when `counted`."""
    if checksums and source.whole:
        return Checksum(source.name)
    return StoredBytes() if counted else None


class _End:
    """The end of one source's chunks, with its final count or checksum."""

    __slots__ = ("counter",)

    def __init__(self, counter: StoredBytes | None) -> None:
        self.counter = counter


class _Failure:
    """An exception of the reader, carried to the consumer."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


#: a `StoredBytes` in a batch is the count so far of the chunk after it
Batch = list[bytes | StoredBytes | _End | _Failure]


def read_ahead(
    sources: Sequence[Source],
    *,
    checksums: bool = False,
    counted: bool = False,
    chunk_size: int = CHUNK_SIZE,
    batch_bytes: int = CHUNK_SIZE,
) -> Generator[SourceReading, None, None]:
    """Each source in turn, read ahead by one thread (for all of them)."""
    ready: queue.Queue[Batch] = queue.Queue(maxsize=1)
    stop = threading.Event()
    reader = threading.Thread(
        target=_read_all,
        args=(sources, checksums, counted, chunk_size, batch_bytes, ready, stop),
        name="escalate-prefetch",
        daemon=True,
    )
    reader.start()
    items = _items(ready)
    try:
        for source in sources:
            reading = SourceReading(source)
            reading.chunks = _chunks_of(reading, items)
            yield reading
            for _ in reading.chunks:  # what the consumer left of this source
                pass
    finally:
        stop.set()
        reader.join(timeout=5 * _POLL_S + 1)


def _items(ready: queue.Queue[Batch]) -> Iterator[bytes | StoredBytes | _End]:
    while True:
        for item in ready.get():
            if isinstance(item, _Failure):
                raise item.error
            yield item


def _chunks_of(
    reading: SourceReading, items: Iterator[bytes | StoredBytes | _End]
) -> Iterator[bytes]:
    for item in items:
        if isinstance(item, _End):
            reading._counter = item.counter
            return
        if isinstance(item, StoredBytes):
            reading._counter = item  # the count up to the next chunk
            continue
        yield item


def _read_all(
    sources: Sequence[Source],
    checksums: bool,
    counted: bool,
    chunk_size: int,
    batch_bytes: int,
    ready: queue.Queue[Batch],
    stop: threading.Event,
) -> None:
    batch: Batch = []
    size = 0
    try:
        for source in sources:
            counter = _counter(source, checksums, counted)
            with closing(source.chunks(chunk_size, counter)) as chunks:
                for chunk in chunks:
                    if counted and counter is not None:  # a copy: the count goes on here
                        batch.append(StoredBytes(counter.size))
                    batch.append(chunk)
                    size += len(chunk)
                    if size >= batch_bytes:
                        if not _put(ready, batch, stop):
                            return
                        batch, size = [], 0
            batch.append(_End(counter))
    except BaseException as error:  # handed to the consumer, raised there
        batch.append(_Failure(error))
    _put(ready, batch, stop)


def _put(ready: queue.Queue[Batch], batch: Batch, stop: threading.Event) -> bool:
    """Queue `batch` unless the consumer stopped; False when it did."""
    while not stop.is_set():
        try:
            ready.put(batch, timeout=_POLL_S)
        except queue.Full:
            continue
        return True
    return False
