"""The one sink: records go through structlog (orjson rendering) to a file, a stream or a logger.

Each record is rendered to one line. The records of one batch (what the writer thread takes at
a time, or what a call writes itself) are appended to a regular file with a single `write(2)`
on an `O_APPEND` descriptor, so lines from many threads or processes appending to one file
never interleave; anything else (a pipe, a stream) gets one `write` per line. Every failure is
swallowed and counted in `STATS`; nothing here raises into the user's call.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any, Protocol

import orjson
from structlog.typing import EventDict, Processor, WrappedLogger

from escalate._capture import _scan
from escalate._capture._forks import renew_lock_in_child
from escalate._capture._stats import STATS

LOG_ENV = "ESCALATE_LOG"
DEFAULT_PATH = "redcloud-evidence.jsonl"
#: The event name records carry when they go into a service's own structlog logger.
LOGGER_EVENT = "escalate.evidence"


def _render(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> bytes:
    """Render one record as one orjson line (the `\\n` included, so one write suffices), then
    the last safety net: any E.164 number that slipped through redaction is replaced.

    One processor, not two: structlog's chain is the per-record cost, and the scan is a byte
    search (`+`) that rarely finds anything.
    """
    line = orjson.dumps(event_dict, option=orjson.OPT_APPEND_NEWLINE)
    return line if b"+" not in line else _scan.scan_line(line)


#: The structlog processor chain of escalate's own targets, declared once.
PROCESSORS: tuple[Processor, ...] = (_render,)


class Target(Protocol):
    """Where records go."""

    #: Whether records may be written from escalate's writer thread (a service's own logger
    #: is called on the caller's thread: its processors may read the caller's context).
    background: bool

    def emit(self, record: dict[str, Any]) -> None:
        """Write one record (may raise: the caller counts and swallows)."""

    def close(self) -> None:
        """Release what this target opened."""


def write_fully(write: Callable[[bytes], int | None], line: bytes) -> None:
    """Write all of `line`: a short write is completed by writing the rest."""
    while line:
        written = write(line)
        if written is None:  # a buffered stream takes everything or raises
            return
        if written <= 0:
            raise OSError("short write: the target took no bytes (is the disk full?)")
        line = line[written:]


class _Lines:
    """What the writers share: a line that failed part-way is followed by a newline, so the
    next record starts on a fresh line instead of being glued to the broken one. Only a write
    that failed marks the line broken, not one in progress: a child forked meanwhile copies
    this state, and the parent's write is not the child's."""

    def __init__(self) -> None:
        self._broken = False

    def _put(self, write: Callable[[bytes], int | None], line: bytes) -> None:
        if self._broken:
            line = b"\n" + line
        try:
            write_fully(write, line)
        except BaseException:
            self._broken = True  # how much of the line the target took is not known
            raise
        self._broken = False


class _LineWriter(_Lines):
    """The writer for a stream: one `write` per line."""

    def __init__(self, stream: IO[bytes], flush: bool) -> None:
        super().__init__()
        self._flush = stream.flush if flush else None
        self.stream = stream

    def write_lines(self, lines: Sequence[bytes]) -> None:
        """Write the rendered lines, one `write` each (then flush a buffered stream)."""
        write = self.stream.write
        for line in lines:
            self._put(write, line)
        if self._flush is not None:
            self._flush()

    def close(self) -> None:
        """Close the stream."""
        self.stream.close()


class _DescriptorWriter(_Lines):
    """The writer for a path: an `O_APPEND` descriptor, reopened when the file at the path was
    renamed or deleted (as `WatchedFileHandler` does, but checked once a batch, not once a
    record); a batch is one `write(2)` to a regular file (appends of one `write` never
    interleave there), one per line to anything else (a FIFO keeps only `PIPE_BUF` atomic)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self._path = os.fspath(path)
        self._fd, self._identity, self._regular = self._open()

    def _open(self) -> tuple[int, tuple[int, int], bool]:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        descriptor = os.open(self._path, flags, 0o666)
        status = os.fstat(descriptor)
        return descriptor, (status.st_dev, status.st_ino), stat.S_ISREG(status.st_mode)

    def _reopen_if_moved(self) -> None:
        try:
            status = os.stat(self._path)
            moved = (status.st_dev, status.st_ino) != self._identity
        except FileNotFoundError:
            moved = True
        if moved:
            old = self._fd
            self._fd, self._identity, self._regular = self._open()
            self._broken = False
            os.close(old)

    def write_lines(self, lines: Sequence[bytes]) -> None:
        """Append the lines (to the file now at the path); a short write is completed."""
        self._reopen_if_moved()
        if self._regular:
            self._put(self._write, b"".join(lines))
        else:
            for line in lines:
                self._put(self._write, line)

    def _write(self, data: bytes) -> int:
        return os.write(self._fd, data)

    def close(self) -> None:
        """Close the descriptor."""
        os.close(self._fd)


def render(record: dict[str, Any]) -> bytes:
    """A record as its line: the structlog processor chain (`PROCESSORS`) run over it.

    structlog's own bound logger would first copy the record twice (context copy, then
    `update(**record)`) and add nothing our processors need: they never mutate the record,
    and the record is passed whole because a webhook record has its own `event` field.
    """
    line: Any = record
    for processor in PROCESSORS:
        line = processor(None, "msg", line)
    return bytes(line)


class StreamTarget:
    """Records rendered by `PROCESSORS` and handed to a writer (a stream or a descriptor)."""

    background = True

    def __init__(self, stream: IO[bytes] | None = None, *, owned: bool, flush: bool,
                 writer: _DescriptorWriter | None = None) -> None:
        self._writer: _LineWriter | _DescriptorWriter = (
            writer if writer is not None else _LineWriter(_require(stream), flush))
        self._owned = owned

    def emit(self, record: dict[str, Any]) -> None:
        """Render one record and write its line."""
        self._writer.write_lines((render(record),))

    def emit_all(self, records: Sequence[dict[str, Any]]) -> int:
        """Render the records and write their lines in order, as one batch; a record that
        cannot be rendered is counted and left out. Return how many lines were written."""
        lines = []
        for record in records:
            try:
                lines.append(render(record))
            except Exception as exc:
                STATS.error("sink", exc)
        if lines:
            self._writer.write_lines(lines)
        return len(lines)

    def close(self) -> None:
        """Close the stream or descriptor when this target opened it."""
        if self._owned:
            self._writer.close()


def _require(stream: IO[bytes] | None) -> IO[bytes]:
    if stream is None:
        raise ValueError("a stream or a writer is required")
    return stream


class LoggerRaised(Exception):
    """A logger target raised a `BaseException` that is not the application's to see."""


def _may_be_the_apps_signal(exc: BaseException) -> bool:
    return isinstance(exc, KeyboardInterrupt | SystemExit) and (
        threading.current_thread() is threading.main_thread())


class LoggerTarget:
    """Records handed to a service's own structlog logger as key-value pairs."""

    background = False

    def __init__(self, logger: Any) -> None:
        self._info = logger.info

    def emit(self, record: dict[str, Any]) -> None:
        """`logger.info(event, **fields)`: the service's processors render the record.

        structlog's positional `event` becomes the line's `event` key: a webhook record's own
        `event` is passed there; a call record (no `event` field) passes `escalate.evidence`.
        Whatever the logger raises is re-raised as an `Exception` (counted, never the app's),
        but for `KeyboardInterrupt` and `SystemExit` on the main thread: there they may be the
        application's own signal handler, which escalate cannot tell apart.
        """
        fields = dict(record)
        event = fields.pop("event") if "event" in fields else LOGGER_EVENT
        try:
            self._info(event, **fields)
        except Exception:
            raise
        except BaseException as exc:
            if _may_be_the_apps_signal(exc):
                raise
            raise LoggerRaised(type(exc).__name__) from exc

    def close(self) -> None:
        """Nothing to release: the logger belongs to the service."""


def open_path(path: str | os.PathLike[str]) -> StreamTarget:
    """Open `path` for appending (O_APPEND: each line is one `write(2)`)."""
    return StreamTarget(owned=True, flush=False, writer=_DescriptorWriter(path))


def default_path() -> str:
    """`$ESCALATE_LOG`, else `./redcloud-evidence.jsonl`."""
    return os.environ.get(LOG_ENV) or DEFAULT_PATH


class Sink:
    """Holds the configured target; opens the default target lazily on the first record."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._target: Target | None = None
        #: Whether call records go through the writer thread (the default target: a path).
        self.background = True

    def replace(self, target: Target | None, *, background: bool = True) -> None:
        """Install a new target (None: the default, opened on first use) and close the old one.

        `background`: whether call records may be written from the writer thread (only when
        the target allows it too).
        """
        with self._lock:
            old, self._target = self._target, target
            self.background = background and (target is None or target.background)
        if old is not None:
            old.close()

    def emit(self, record: dict[str, Any]) -> None:
        """Write one record; count it, or count and swallow the error."""
        try:
            target = self._target or self._open_default()
            target.emit(record)
        except Exception as exc:  # an escalate failure must never reach the user's call
            STATS.error("sink", exc)
        else:
            STATS.written()

    def emit_all(self, records: Sequence[dict[str, Any]]) -> None:
        """Write records in order, a file's in one batch; count them, or count and swallow
        the error (once for each record the failed write held)."""
        try:
            target = self._target or self._open_default()
            if not isinstance(target, StreamTarget):
                for record in records:
                    self.emit(record)
                return
            written = target.emit_all(records)
        except Exception as exc:  # an escalate failure must never reach the user's call
            STATS.error("sink", exc, len(records))
        else:
            STATS.written(written)

    def _open_default(self) -> Target:
        with self._lock:
            if self._target is None:
                self._target = open_path(default_path())
            return self._target


SINK = Sink()
renew_lock_in_child(SINK)
