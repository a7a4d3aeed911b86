"""The writer thread: successful calls' records are built and written off the caller's thread.

Building a record (parse, shape, fingerprints, render) and writing it cost the calling thread
about 150 us a call on the benchmark machine, mostly in cold CPU caches after the wait for the
response. Queued for one daemon thread instead, the call only pays for an `append`; the thread
wakes once for a batch (`BATCH_DELAY_S` after the first record of it) and writes it `CHUNK`
records at a time, its code and data warm from one record to the next: about half the CPU a
record cost the caller. The pattern of the standard library's `QueueHandler` /
`QueueListener` and of OpenTelemetry's batch span processor.

What stays as before:
- **Failures are on disk before the call returns.** A call that raised or got a status of 400
  or more writes, on its own thread, every record still pending and then its own: that is the
  evidence that matters most.
- **Order.** Records leave the queue only under one lock, oldest first, whoever writes them.
- **Nothing is dropped.** Past `MAX_PENDING` records pending, the call writes them itself, which
  bounds the memory and slows only a caller that outruns its own writer.
- **Exit.** Pending records are written at interpreter exit, by `escalate.flush()`, and before
  `escalate.configure()` changes the target or the settings.

What changes: a process killed outright (SIGKILL, `os._exit`, a crash in C) loses the records of
the successful calls of its last `BATCH_DELAY_S` or so. `escalate.configure(..., background=False)`
writes every record on the caller's thread instead.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from queue import SimpleQueue

from escalate._capture._exchange import Exchange
from escalate._capture._stats import STATS

#: The writer thread's name (the benchmark finds it by name to read its CPU clock).
THREAD_NAME = "escalate-writer"
#: How long the writer lets a batch gather after its first record.
BATCH_DELAY_S = 0.1
#: The writer sleeps this long after every `CHUNK` records of a batch. CPython hands the GIL
#: over on I/O only to a thread that is already running, so a writer going through a whole
#: batch kept it from a caller whose response had arrived until the 5 ms switch interval ran
#: out (+1 ms at the p99 of bulk sends, `--block 500`). Sleeping after every record instead
#: cost the writer three times the CPU (each record a cold start, and a GIL hand-off each way).
YIELD_S = 0.0001
#: Records the writer writes between two such sleeps (16: about 1 ms of work).
CHUNK = 16
#: Records pending beyond which a call writes them (and its own) itself.
MAX_PENDING = 1024
#: How long a call waits at most for the lock to write its own record (a stuck target, such as
#: a full pipe, must not hang the caller: the record stays pending and the error is counted).
WAIT_TIMEOUT_S = 5.0
#: How long `flush` waits at most by default (and at interpreter exit).
FLUSH_TIMEOUT_S = 10.0


class BackgroundWriter:
    """Pending exchanges, handed to `write` in order by one daemon thread or by a caller that
    must not return before its record is written.

    `write` must not raise (`write_exchange` counts and swallows every error). The thread starts
    with the first record, not on import, and again in a forked child, which starts with
    nothing pending (the parent's pending records are the parent's to write).
    """

    def __init__(self, write: Callable[[Exchange], None]) -> None:
        self._write = write
        self._pending: deque[Exchange] = deque()
        #: One item per batch: put when a record arrives to an empty queue.
        self._wake: SimpleQueue[None] = SimpleQueue()
        #: Held by whoever writes pending records: they leave in order.
        self._writing = threading.Lock()
        self._start_lock = threading.Lock()
        #: False before the thread runs, once interpreter exit began, or when it cannot start:
        #: then every record is written on the caller's thread.
        self.running = False
        self._closed = False

    def submit(self, exchange: Exchange, *, wait: bool) -> None:
        """Queue `exchange`; with `wait` (or too many pending), write it before returning."""
        pending = self._pending
        pending.append(exchange)
        if wait or len(pending) > MAX_PENDING or not (self.running or self._start()):
            if not self._write_pending(WAIT_TIMEOUT_S):
                STATS.error("writer", TimeoutError("the target did not take records in time"))
        elif len(pending) == 1:
            self._wake.put(None)

    def flush(self, timeout: float = FLUSH_TIMEOUT_S) -> bool:
        """Write every pending record on this thread; False when the writer thread held the
        lock past `timeout` (a target that does not take the lines)."""
        return self._write_pending(timeout)

    def close(self) -> None:
        """At interpreter exit: write what is pending; later records are written inline."""
        self._closed = True
        self.running = False
        self.flush()

    def _write_pending(self, timeout: float, most: int = -1) -> bool:
        """Write the pending records oldest first (all, or `most` of them) under the writing
        lock; False when the lock was not free within `timeout`."""
        if not self._writing.acquire(timeout=timeout):
            return False
        try:
            pending, write = self._pending, self._write
            while pending and most != 0:
                write(pending.popleft())
                most -= 1
        finally:
            self._writing.release()
        return True

    def _start(self) -> bool:
        with self._start_lock:
            if self.running:
                return True
            if self._closed:
                return False
            thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
            try:
                thread.start()
            except RuntimeError:  # the interpreter is shutting down: write inline
                return False
            self.running = True
            return True

    def _run(self) -> None:
        wake = self._wake
        while True:
            wake.get()
            time.sleep(BATCH_DELAY_S)
            try:
                while self._write_pending(FLUSH_TIMEOUT_S, CHUNK) and self._pending:
                    time.sleep(YIELD_S)
            except Exception as exc:  # `write` swallows its errors; the loop must never end
                STATS.error("writer", exc)

    def after_fork_in_child(self) -> None:
        """A forked child has no writer thread and copies of the parent's pending records and
        locks (maybe held by that thread): start anew."""
        self._pending = deque()
        self._wake = SimpleQueue()
        self._writing = threading.Lock()
        self._start_lock = threading.Lock()
        self.running = False
