"""The read-ahead thread changes nothing the scanner sees, and never outlives its consumer."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Generator, Iterator
from typing import IO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalate._report._reading._prefetch import read_ahead, read_in_turn
from escalate._report._reading._sources import CHUNK_SIZE, Source, StoredBytes


class _Chunks(Source):
    """A source that yields given chunks (or runs a given generator)."""

    __slots__ = ("_chunks", "_name")

    def __init__(self, name: str, chunks: Iterator[bytes]) -> None:
        self._name, self._chunks = name, chunks

    @property
    def name(self) -> str:
        return self._name

    def open(self) -> IO[bytes]:
        return io.BytesIO()

    def chunks(
        self, chunk_size: int = CHUNK_SIZE, counter: StoredBytes | None = None
    ) -> Generator[bytes, None, None]:
        try:
            for chunk in self._chunks:
                if counter is not None:
                    counter.update(chunk)
                yield chunk
        finally:  # as a file source closes its file
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()


def _readers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "escalate-prefetch"]


def _wait_for_no_reader() -> None:
    deadline = time.monotonic() + 5
    while _readers() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _readers() == []


_SOURCES = st.lists(st.lists(st.binary(min_size=1, max_size=64), max_size=6), max_size=12)


@settings(max_examples=100, deadline=None)
@given(_SOURCES, st.integers(1, 200))
def test_each_source_gets_its_own_chunks_complete_and_in_order(
    sources: list[list[bytes]], batch_bytes: int
) -> None:
    """However reads are batched, each source's reading yields exactly its chunks, in order."""
    given_sources = [_Chunks(f"s{n}", iter(chunks)) for n, chunks in enumerate(sources)]
    seen = [
        (reading.source.name, list(reading.chunks))
        for reading in read_ahead(given_sources, batch_bytes=batch_bytes)
    ]
    assert seen == [(f"s{n}", chunks) for n, chunks in enumerate(sources)]
    _wait_for_no_reader()


def test_one_reader_thread_reads_every_source() -> None:
    """A thousand small sources are read by one thread, not one thread each."""
    names = set()
    sources = [_Chunks(str(n), iter([b"x\n"])) for n in range(1000)]
    for reading in read_ahead(sources, batch_bytes=1):  # a hand-over per source: it waits
        assert list(reading.chunks) == [b"x\n"]
        names.update(thread.ident for thread in _readers())
    assert len(names) == 1
    _wait_for_no_reader()


def test_a_source_left_half_read_does_not_leak_into_the_next() -> None:
    """A consumer that stops reading a source early gets the next source's chunks, not the rest."""
    readings = read_ahead([_Chunks("a", iter([b"1", b"2", b"3"])), _Chunks("b", iter([b"4"]))])
    first = next(readings)
    assert next(first.chunks) == b"1"
    assert list(next(readings).chunks) == [b"4"]
    readings.close()
    _wait_for_no_reader()


@pytest.mark.parametrize("read", [read_ahead, read_in_turn], ids=["ahead", "in-turn"])
def test_checksums_are_known_once_a_source_is_read(read: object) -> None:
    """Each reading's checksum counts and hashes the bytes read, and is None when not asked for."""
    import hashlib

    assert callable(read)
    sources = [_Chunks("a", iter([b"ab", b"c"])), _Chunks("b", iter([]))]
    sums = []
    for reading in read(sources, checksums=True):
        list(reading.chunks)
        sums.append(reading.checksum)
    assert [(s.name, s.size, s.sha256) for s in sums if s] == [
        ("a", 3, hashlib.sha256(b"abc").hexdigest()),
        ("b", 0, hashlib.sha256(b"").hexdigest()),
    ]
    (plain,) = [reading for reading in read([_Chunks("c", iter([b"x"]))])]
    list(plain.chunks)
    assert plain.checksum is None
    _wait_for_no_reader()


def test_a_reader_error_is_raised_in_the_consumer_after_the_chunks_before_it() -> None:
    """An unreadable source fails where the consumer would have read it, with its own error."""

    def failing() -> Iterator[bytes]:
        yield b"two"
        raise OSError("disk on fire")

    received = []
    with pytest.raises(OSError, match="disk on fire"):
        for reading in read_ahead([_Chunks("a", iter([b"one"])), _Chunks("b", failing())]):
            received.extend(reading.chunks)
    assert received == [b"one", b"two"]
    _wait_for_no_reader()


def test_a_consumer_that_stops_early_stops_the_reader_and_closes_the_source() -> None:
    """Breaking out of the loop ends the thread and runs the source's cleanup, within seconds."""
    closed = threading.Event()

    def endless() -> Iterator[bytes]:
        try:
            while True:
                yield b"x" * 1024
        finally:
            closed.set()

    readings = read_ahead([_Chunks("endless", endless())], batch_bytes=2048)
    assert next(next(readings).chunks) == b"x" * 1024
    readings.close()
    assert closed.wait(timeout=5)
    _wait_for_no_reader()
