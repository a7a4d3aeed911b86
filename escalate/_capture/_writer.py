"""The writer thread: records are built and written off the caller's thread, when nothing can be
lost that way.

Queued for one daemon thread, a successful call only pays for an `append`; the thread wakes once
for a batch (`BATCH_DELAY_S` after the first record of it) and writes it `CHUNK` records at a
time. The pattern of the standard library's `QueueHandler` / `QueueListener` and of
OpenTelemetry's batch span processor.

What is never lost:
- **Failures are on disk before the call returns.** A call that raised or got a status of 400
  or more (and a webhook answered with a non-2xx status) writes, on its own thread, every
  record still pending and then its own.
- **Order.** Records leave the queue only under one lock, oldest first, whoever writes them.
- **Memory.** Past `MAX_PENDING` records pending, the call writes them itself.
- **Exit.** Pending records are written at interpreter exit, when a `multiprocessing` child
  ends (it leaves with `os._exit`, which skips `atexit`), by `escalate.flush()`, and before
  `escalate.configure()` changes the target or the settings.
- **SIGTERM.** A process whose SIGTERM disposition is the default dies without running any
  Python code, so escalate installs no handler behind the application's back and writes every
  record on the caller's thread while that is so. An application that handles SIGTERM (servers
  do: they exit through `sys.exit`, which runs `atexit`) or ignores it gets the writer thread.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from queue import SimpleQueue
from typing import Generic, TypeVar

from escalate._capture._stats import STATS

Item = TypeVar("Item")

#: The writer thread's name (the benchmark finds it by name to read its CPU clock).
THREAD_NAME = "escalate-writer"
#: How long the writer lets a batch gather after its first record.
BATCH_DELAY_S = 0.1
#: The writer sleeps this long after every `CHUNK` records of a batch, so that a caller whose
#: response arrived gets the GIL back (CPython hands it over on I/O only to a running thread).
YIELD_S = 0.0001
#: Records the writer writes between two such sleeps.
CHUNK = 16
#: Records pending beyond which a call writes them (and its own) itself.
MAX_PENDING = 1024
#: How long a call waits at most for the lock to write its own record (a stuck target, such as
#: a full pipe, must not hang the caller: the record stays pending and the error is counted).
WAIT_TIMEOUT_S = 5.0
#: How long `flush` waits at most by default (and at interpreter exit).
FLUSH_TIMEOUT_S = 10.0


#: `signal.getsignal` without its conversion to `signal.Handlers`, which raises and catches a
#: `ValueError` for every Python handler: 2 us a call, on every call's path (servers handle
#: SIGTERM). `_signal` is the C module `signal` wraps (CPython; else the public function).
_getsignal: Callable[[int], object]
try:
    from _signal import getsignal as _getsignal  # type: ignore[import-not-found,no-redef,unused-ignore]  # no stub for CPython's C module
except ImportError:  # pragma: no cover - another interpreter
    _getsignal = signal.getsignal


def sigterm_kills_outright() -> bool:
    """True while SIGTERM would end this process without running Python code (its default
    disposition, or a handler Python does not know): pending records would be lost."""
    if not hasattr(signal, "SIGTERM"):
        return False
    handler = _getsignal(signal.SIGTERM)
    return handler is None or (isinstance(handler, int) and handler == signal.SIG_DFL)


class BackgroundWriter(Generic[Item]):
    """Pending items, handed to `write` in order, in batches of at most `CHUNK`, by one daemon
    thread or by a caller that must not return before its record is written.

    `write` must not raise. The thread starts with the first deferred record, not on import,
    and again in a forked child, which starts with nothing pending (the parent's records are the
    parent's to write).
    """

    def __init__(self, write: Callable[[list[Item]], None]) -> None:
        self._write = write
        self._pending: deque[Item] = deque()
        #: One item per batch: put when a record arrives to an empty queue.
        self._wake: SimpleQueue[None] = SimpleQueue()
        #: Held by whoever writes pending records: they leave in order.
        self._writing = threading.Lock()
        self._start_lock = threading.Lock()
        #: False before the thread runs, once interpreter exit began, or when it cannot start.
        self.running = False
        self._closed = False

    def submit(self, item: Item, *, wait: bool) -> None:
        """Queue `item`; write it before returning with `wait`, with too many pending, or when
        a deferred record could be lost (`sigterm_kills_outright`)."""
        pending = self._pending
        pending.append(item)
        if (wait or len(pending) > MAX_PENDING or sigterm_kills_outright()
                or not (self.running or self._start())):
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

    def install_exit_hooks(self) -> None:
        """Write pending records at interpreter exit and when a `multiprocessing` child ends;
        start anew in a forked child."""
        import atexit
        import multiprocessing.util

        atexit.register(self.close)
        multiprocessing.util.register_after_fork(self, BackgroundWriter._flush_at_child_exit)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self.after_fork_in_child)

    def _flush_at_child_exit(self) -> None:
        import multiprocessing.util

        multiprocessing.util.Finalize(None, self.close, exitpriority=0)

    def _write_pending(self, timeout: float, most: int = -1) -> bool:
        """Write the pending records oldest first (all, or `most` of them), `CHUNK` at a time,
        under the writing lock; False when the lock was not free within `timeout`."""
        if not self._writing.acquire(timeout=timeout):
            return False
        try:
            pending, write = self._pending, self._write
            while pending and most != 0:
                count = min(len(pending), CHUNK if most < 0 else min(most, CHUNK))
                write([pending.popleft() for _ in range(count)])
                most -= count
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
