"""The one sink: records go through structlog (orjson rendering) to a file, a stream or a logger.

Each record is rendered to one line and written with a single `write` call, so lines from many
threads or processes appending to one file never interleave. Every failure is swallowed and
counted in `STATS`; nothing here raises into the user's call.
"""

from __future__ import annotations

import os
import threading
from typing import IO, Any, Protocol

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from escalate._capture import _scan
from escalate._capture._stats import STATS

LOG_ENV = "ESCALATE_LOG"
DEFAULT_PATH = "redcloud-evidence.jsonl"
#: The event name records carry when they go into a service's own structlog logger.
LOGGER_EVENT = "escalate.evidence"


def _render(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> bytes:
    """Render one record as one orjson line (the `\\n` included, so one write suffices)."""
    return orjson.dumps(event_dict, option=orjson.OPT_APPEND_NEWLINE)


def _scan_line(_logger: WrappedLogger, _method: str, line: Any) -> bytes:
    """Last safety net: any E.164 number that slipped through redaction is replaced."""
    return _scan.scan_line(bytes(line))


#: The structlog processor chain of escalate's own targets, declared once.
PROCESSORS: tuple[Processor, ...] = (_render, _scan_line)


class Target(Protocol):
    """Where records go."""

    def emit(self, record: dict[str, Any]) -> None:
        """Write one record (may raise: the caller counts and swallows)."""

    def close(self) -> None:
        """Release what this target opened."""


class _LineWriter:
    """The structlog 'logger' at the end of the chain: one `write` per line."""

    def __init__(self, stream: IO[bytes], flush: bool) -> None:
        self._write = stream.write
        self._flush = stream.flush if flush else None
        self.stream = stream

    def msg(self, line: bytes) -> None:
        """Write the rendered line with one call (and flush a buffered stream)."""
        self._write(line)
        if self._flush is not None:
            self._flush()


class _EvidenceLogger(structlog.BoundLoggerBase):
    """A structlog bound logger with one method: a record in, its line out through the chain."""

    def evidence(self, record: dict[str, Any]) -> Any:
        """Process `record` (no `event` key is added) and hand the line to the writer.

        `_process_event` is structlog's documented entry point for custom wrapper classes; the
        record is passed as a dict because a webhook record has its own `event` field.
        """
        args, kwargs = self._process_event("msg", None, record)
        return self._logger.msg(*args, **kwargs)


class StreamTarget:
    """Records rendered by `PROCESSORS` and written to a binary stream."""

    def __init__(self, stream: IO[bytes], *, owned: bool, flush: bool) -> None:
        self._writer = _LineWriter(stream, flush)
        self._evidence = _EvidenceLogger(self._writer, PROCESSORS, {}).evidence
        self._owned = owned

    def emit(self, record: dict[str, Any]) -> None:
        """Run the processor chain and write the line."""
        self._evidence(record)

    def close(self) -> None:
        """Close the stream when this target opened it."""
        if self._owned:
            self._writer.stream.close()


class LoggerTarget:
    """Records handed to a service's own structlog logger as key-value pairs."""

    def __init__(self, logger: Any) -> None:
        self._info = logger.info

    def emit(self, record: dict[str, Any]) -> None:
        """`logger.info(event, **fields)`: the service's processors render the record.

        structlog's positional `event` becomes the line's `event` key: a webhook record's own
        `event` is passed there; a call record (no `event` field) passes `escalate.evidence`.
        """
        fields = dict(record)
        event = fields.pop("event") if "event" in fields else LOGGER_EVENT
        self._info(event, **fields)

    def close(self) -> None:
        """Nothing to release: the logger belongs to the service."""


def open_path(path: str | os.PathLike[str]) -> StreamTarget:
    """Open `path` for appending (O_APPEND, unbuffered: each line is one `write(2)`)."""
    stream = open(path, "ab", buffering=0)  # noqa: SIM115 - owned by the target, closed by it
    return StreamTarget(stream, owned=True, flush=False)


def default_path() -> str:
    """`$ESCALATE_LOG`, else `./redcloud-evidence.jsonl`."""
    return os.environ.get(LOG_ENV) or DEFAULT_PATH


class Sink:
    """Holds the configured target; opens the default target lazily on the first record."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._target: Target | None = None

    def replace(self, target: Target | None) -> None:
        """Install a new target (None: the default, opened on first use) and close the old one."""
        with self._lock:
            old, self._target = self._target, target
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
            STATS.record_written()

    def _open_default(self) -> Target:
        with self._lock:
            if self._target is None:
                self._target = open_path(default_path())
            return self._target


SINK = Sink()
