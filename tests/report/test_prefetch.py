"""The read-ahead thread changes nothing the scanner sees, and never outlives its consumer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalate._report._reading._prefetch import prefetched


def _readers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "escalate-prefetch"]


def _wait_for_no_reader() -> None:
    deadline = time.monotonic() + 5
    while _readers() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _readers() == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=64), max_size=20), st.integers(1, 3))
def test_chunks_arrive_complete_and_in_order(chunks: list[bytes], depth: int) -> None:
    """Whatever the depth, the consumer gets exactly the source's chunks, in order."""
    assert list(prefetched(iter(chunks), depth)) == chunks
    _wait_for_no_reader()


def test_a_reader_error_is_raised_in_the_consumer_after_the_chunks_before_it() -> None:
    """An unreadable source fails where the consumer would have read it, with its own error."""

    def source() -> Iterator[bytes]:
        yield b"one"
        yield b"two"
        raise OSError("disk on fire")

    received = []
    with pytest.raises(OSError, match="disk on fire"):
        for chunk in prefetched(source()):
            received.append(chunk)
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

    chunks = prefetched(endless(), depth=2)
    assert next(chunks) == b"x" * 1024
    chunks.close()
    assert closed.wait(timeout=5)
    _wait_for_no_reader()
