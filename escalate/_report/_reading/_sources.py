"""Sources: what the reader reads, one interface and one implementation per place bytes live.

A `Source` has a name (as the user gave it), a size when known, and `chunks()`: its bytes in big
chunks, decompressed when they are gzip or zstd (told by their first bytes, never by the name:
`_compression`). Given a `StoredBytes`, `chunks()` also counts the bytes as stored (before
decompression) as it reads them (what a progress bar, sized in stored bytes, advances by); given a
`Checksum`, it hashes them too: the checksum costs no second read. Implementations: a local file
(`FileSource`, also a pipe given by name), standard input (`StdinSource`), a newline-aligned byte
range of a plain file (`ByteRange`, for `--jobs`), and an object-store URL (`_remote.RemoteSource`).
Directories and globs are not sources: `_inputs.resolve_inputs` expands them into file sources.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import stat
import sys
from abc import ABC, abstractmethod
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Final, NamedTuple

from escalate._report._reading._compression import (
    Decoder,
    Readable,
    Unreadable,
    decoder_for,
    is_compressed,
    plain_chunks,
)
from escalate._report._reading._framing import SNIFF_BYTES, Layout, next_final_line_end, sniff

CHUNK_SIZE: Final = 16 * 1024 * 1024
STDIN: Final = "-"
#: the read buffer in front of a counted stream: small reads (zstd's) are counted and hashed in
#: big blocks
_COUNTED_BUFFER: Final = 1024 * 1024


class InputError(Exception):
    """An input that cannot be read: a missing file, an empty directory, a permission error."""


class InputChecksum(NamedTuple):
    """An input's bytes as stored: how many, and their SHA-256 (what bundle manifests list)."""

    name: str
    size: int
    sha256: str


class StoredBytes:
    """How many of a source's bytes as stored `Source.chunks` has read so far."""

    __slots__ = ("size",)

    def __init__(self, size: int = 0) -> None:
        self.size = size

    def update(self, data: bytes | memoryview) -> None:
        """Count bytes just read."""
        self.size += len(data)


class Checksum(StoredBytes):
    """The SHA-256 and size of a source's stored bytes, updated as `Source.chunks` reads them."""

    __slots__ = ("_digest", "name")

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self._digest = hashlib.sha256()

    def update(self, data: bytes | memoryview) -> None:
        """Count and hash bytes just read (hashlib releases the GIL for blocks over 2 KiB)."""
        super().update(data)
        self._digest.update(data)

    def value(self) -> InputChecksum:
        """The checksum of what was read (of the whole input once `chunks()` is exhausted)."""
        return InputChecksum(self.name, self.size, self._digest.hexdigest())


class Source(ABC):
    """One input: a name, a size when known, its bytes as a stream of decompressed chunks."""

    __slots__ = ()

    @property
    @abstractmethod
    def name(self) -> str:
        """The input as the user named it: a path, `-`, a URL."""

    @property
    def offset(self) -> int:
        """Where this source's bytes start in the input it names (a byte range's start)."""
        return 0

    @property
    def path(self) -> str | None:
        """The local file holding the bytes, when there is one (`--follow` reads only those)."""
        return None

    @property
    def whole(self) -> bool:
        """Whether it is a whole input (a byte range is not: its checksum is not the input's)."""
        return True

    @property
    def portable(self) -> bool:
        """Whether it can be read again, by another process too (standard input cannot)."""
        return True

    def size(self) -> int | None:
        """Its size in bytes as stored, when known without reading it."""
        return None

    def located(self) -> Source:
        """The same input, named so that a worker on another machine with shared storage finds it
        (its name as the user gave it stays the same)."""
        return self

    def layout(self) -> Layout | None:
        """The layout to read it as, when not its own first line's (a byte range past the start)."""
        return None

    @abstractmethod
    def open(self) -> IO[bytes]:
        """The bytes as stored, as a buffered stream (raises `OSError` or `InputError`)."""

    def byte_ranges(self, parts: int, min_part: int) -> tuple[Source, ...]:
        """Up to `parts` newline-aligned byte ranges of a plain file, or the source whole.

        A compressed input, a JSON document (values over many lines) or one smaller than
        `2 * min_part` is not split; a CRI log is cut after final lines.
        """
        if parts < 2:
            return (self,)
        try:
            with self._opened() as handle:
                size = handle.seek(0, os.SEEK_END)
                handle.seek(0)
                head = handle.read(SNIFF_BYTES)
                layout = sniff(head)  # a JSON document cannot be cut by lines
                if is_compressed(head) or size < 2 * min_part or layout is Layout.DOCUMENT:
                    return (self,)
                cut = next_final_line_end if layout is Layout.CRI else _next_line_start
                cuts = [cut(handle, size * index // parts) for index in range(1, parts)]
        except OSError as error:
            raise InputError(f"{self.name}: {error.strerror or error}") from None
        bounds = sorted({0, *cuts, size})
        return tuple(
            ByteRange(self, start, end) for start, end in itertools.pairwise(bounds) if end > start
        )

    def chunks(
        self, chunk_size: int = CHUNK_SIZE, counter: StoredBytes | None = None
    ) -> Generator[bytes, None, None]:
        """The bytes in chunks of about `chunk_size`, decompressed; `counter` counts them as
        stored (a `Checksum` hashes them too). An input that cannot be read, or corrupt compressed
        data, raises `InputError`."""
        stored = self._open_named()
        try:  # written flat, not with a context manager: ten thousand small files add it up
            stream = self._bounded(stored)
            decode = self._decoder(stream)
            if counter is None:
                yield from decode(stream, chunk_size)
            elif decode is plain_chunks:  # the chunks are the stored bytes: counted as they pass
                for chunk in plain_chunks(stream, chunk_size):
                    counter.update(chunk)
                    yield chunk
            else:  # counted as the decoder reads them
                yield from decode(_counted(stream, counter), chunk_size)
        except (OSError, Unreadable) as error:
            raise InputError(f"{self.name}: cannot read: {error}") from None
        finally:
            self._close(stored)

    def _bounded(self, stored: IO[bytes]) -> Readable:
        """The stored bytes this source is (a byte range's end is applied here, before anything
        reads or counts them)."""
        return stored

    def _decoder(self, stream: Readable) -> Decoder:
        """How the stored bytes decode, from their first bytes (peeked, not consumed)."""
        return decoder_for(_peek(stream))

    def _open_named(self) -> IO[bytes]:
        try:
            return self.open()
        except OSError as error:
            raise InputError(f"{self.name}: {error.strerror or error}") from None

    def _close(self, stored: IO[bytes]) -> None:
        stored.close()

    @contextmanager
    def _opened(self) -> Iterator[IO[bytes]]:
        handle = self._open_named()
        with handle:
            yield handle


@dataclass(frozen=True, slots=True)
class FileSource(Source):
    """A local file (or a pipe given by name, `<(zcat log.gz)`)."""

    name: str  #: the path as given
    file: str | None = None  #: where to read it when not at `name` (a spooled stdin, a worker's)

    @property
    def path(self) -> str:
        return self.file or self.name

    def size(self) -> int | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return info.st_size if stat.S_ISREG(info.st_mode) else None

    def located(self) -> FileSource:
        return FileSource(self.name, os.path.abspath(self.path))

    def byte_ranges(self, parts: int, min_part: int) -> tuple[Source, ...]:
        size = self.size()
        if size is None or size < 2 * min_part:  # a pipe (opening it would take its data) or small
            return (self,)
        return Source.byte_ranges(self, parts, min_part)

    def open(self) -> IO[bytes]:
        return open(self.path, "rb")


@dataclass(frozen=True, slots=True)
class StdinSource(Source):
    """Standard input, read once, by this process."""

    name: str = STDIN

    @property
    def portable(self) -> bool:
        return False

    def open(self) -> IO[bytes]:
        stream: Any = sys.stdin.buffer
        return stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)

    def byte_ranges(self, parts: int, min_part: int) -> tuple[Source, ...]:
        return (self,)

    def _close(self, stored: IO[bytes]) -> None:
        pass  # not closed: standard input belongs to the process


@dataclass(frozen=True, slots=True)
class ByteRange(Source):
    """Bytes `start` to `end` (exclusive) of a plain file, cut at line ends (`byte_ranges`)."""

    of: Source  #: the whole input
    start: int
    end: int

    @property
    def name(self) -> str:
        return self.of.name

    @property
    def whole(self) -> bool:
        return False

    @property
    def offset(self) -> int:
        return self.start

    @property
    def path(self) -> str | None:
        return self.of.path

    def size(self) -> int:
        return self.end - self.start

    def located(self) -> ByteRange:
        return ByteRange(self.of.located(), self.start, self.end)

    def layout(self) -> Layout | None:
        if not self.start:
            return None
        try:
            with self.of.open() as handle:
                return sniff(handle.read(SNIFF_BYTES))
        except (OSError, InputError):
            return None

    def open(self) -> IO[bytes]:
        handle = self.of.open()
        handle.seek(self.start)
        return handle

    def byte_ranges(self, parts: int, min_part: int) -> tuple[Source, ...]:
        return (self,)

    def _bounded(self, stored: IO[bytes]) -> Readable:
        return _Limited(stored, self.end - self.start)

    def _decoder(self, stream: Readable) -> Decoder:
        return plain_chunks  # only plain files are cut into byte ranges


def _peek(stream: Readable) -> bytes:
    peek = getattr(stream, "peek", None)
    return bytes(peek(4)[:4]) if peek is not None else b""


def _counted(stream: Readable, counter: StoredBytes) -> IO[bytes]:
    return io.BufferedReader(_CountedRaw(stream, counter), buffer_size=_COUNTED_BUFFER)


class _CountedRaw(io.RawIOBase):
    """A stream whose every read also updates a counter (a count of bytes, or a checksum)."""

    def __init__(self, stream: Any, counter: StoredBytes) -> None:
        self._stream, self._counter = stream, counter  # Any: IO[bytes] declares no readinto

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with memoryview(buffer) as view, view.cast("B") as target:
            count: int = self._stream.readinto(target)
            self._counter.update(target[:count])
        return count


class _Limited:
    """The first `size` bytes of a stream (the rest of a byte range's file is not read)."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self._stream, self._remaining = stream, size

    def read(self, size: int) -> bytes:
        if self._remaining <= 0:
            return b""
        data = self._stream.read(min(size, self._remaining))
        self._remaining -= len(data)
        return data


def _next_line_start(handle: IO[bytes], offset: int) -> int:
    handle.seek(offset)
    while True:
        block = handle.read(65536)
        if not block:
            return handle.tell()
        newline = block.find(b"\n")
        if newline != -1:
            return offset + newline + 1
        offset += len(block)
