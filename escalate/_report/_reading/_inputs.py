"""Inputs: resolve paths, directories, globs and `-` into sources, and read them in big chunks.

Compression is detected from the first bytes (gzip, zstd), not from the file name, so a renamed
`.gz` still reads; a corrupt or truncated one raises `InputError`. An input given by name that
cannot be read raises `InputError` naming it. Inside a directory (or a glob), one rule: an entry
that is not a readable regular file (a FIFO, a socket, a device or a symlink to one, a dangling
symlink, an unreadable file or subdirectory) is skipped and listed in `ResolvedInputs.skipped`,
which the report counts and shows; reading goes on. Nothing waits on a FIFO or reads /dev/zero.
"""

from __future__ import annotations

import glob
import gzip
import io
import itertools
import os
import stat
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Final

from escalate._report._reading._framing import SNIFF_BYTES, Layout, next_final_line_end, sniff

CHUNK_SIZE = 16 * 1024 * 1024
STDIN = "-"
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: Compressed bytes fed to zstd at a time: one call's output stays bounded (a zstd bomb expands
#: 4 bytes into a 128 KiB block, so 1 KiB gives at most ~32 MiB) while a normal log costs one call
#: per ~10 KiB of text.
_ZSTD_INPUT_BLOCK: Final = 1024
#: Why a directory entry was skipped (the report's skipped-by-reason counts).
REASON_NOT_REGULAR: Final = "not_a_regular_file"
REASON_UNREADABLE: Final = "unreadable_entry"
ENTRY_REASONS: Final = (REASON_NOT_REGULAR, REASON_UNREADABLE)


class InputError(Exception):
    """An input that cannot be read: a missing file, an empty directory, a permission error."""


@dataclass(frozen=True, slots=True)
class Source:
    """One unit of reading: a whole file, stdin, or a newline-aligned byte range of a plain file."""

    name: str  #: the path as given (or `-`)
    start: int = 0
    end: int | None = None  #: exclusive; None = to the end


@dataclass(frozen=True)
class ResolvedInputs:
    """The sources to read, and the directory or glob entries skipped: `(path, reason)`."""

    sources: tuple[Source, ...]
    skipped: tuple[tuple[str, str], ...] = ()


def resolve_sources(paths: Sequence[str]) -> tuple[Source, ...]:
    """Expand paths, directories (recursively, sorted) and globs into sources, in order given."""
    return resolve_inputs(paths).sources


def resolve_inputs(paths: Sequence[str]) -> ResolvedInputs:
    """`resolve_sources`, with the entries skipped inside directories and globs."""
    sources: list[Source] = []
    skipped: list[tuple[str, str]] = []
    for path in paths:
        sources.extend(Source(name) for name in _expand(path, skipped))
    return ResolvedInputs(tuple(sources), tuple(skipped))


def _expand(path: str, skipped: list[tuple[str, str]]) -> list[str]:
    if path == STDIN:
        return [STDIN]
    if "://" in path:  # s3://, gs://, https://...: `_reading._remote`, imported when used
        from escalate._report._reading._remote import expand_remote

        return expand_remote(path)
    if os.path.isdir(path):
        return _walk(path, skipped)
    if os.path.exists(path):
        _check_given(path)
        return [path]
    if glob.has_magic(path):
        matches = sorted(glob.glob(path, recursive=True))
        files = _readable([m for m in matches if not os.path.isdir(m)], skipped)
        if files:
            return files
        raise InputError(f"{path}: no readable file matches this pattern")
    raise InputError(f"{path}: no such file or directory")


def _walk(directory: str, skipped: list[tuple[str, str]]) -> list[str]:
    found: list[str] = []

    def unreadable(error: OSError) -> None:
        skipped.append((str(error.filename or directory), REASON_UNREADABLE))

    for root, dirs, files in os.walk(directory, onerror=unreadable):
        dirs.sort()
        names = [os.path.join(root, n) for n in sorted(files) if not n.startswith(".")]
        found.extend(_readable(names, skipped))
    if not found:
        raise InputError(f"{directory}: directory holds no readable files")
    return found


def _readable(paths: list[str], skipped: list[tuple[str, str]]) -> list[str]:
    """The paths that are readable regular files; the others go to `skipped` with a reason."""
    found = []
    for path in paths:
        problem = _entry_problem(path)
        if problem is None:
            found.append(path)
        else:
            skipped.append((path, problem))
    return found


def _entry_problem(path: str) -> str | None:
    """Why a directory entry cannot be read as a log, or None (symlinks are followed)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:  # a dangling symlink, a symlink loop, a vanished file
        return REASON_UNREADABLE
    if not stat.S_ISREG(mode):
        return REASON_NOT_REGULAR
    return None if os.access(path, os.R_OK) else REASON_UNREADABLE


def _check_given(path: str) -> None:
    """A path given by name: a regular file or a pipe (`<(zcat log.gz)`), and readable."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        raise InputError(f"{path}: not a regular file or a pipe")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")


def read_chunks(source: Source, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the raw bytes of a source in chunks (decompressed when the file is gzip or zstd)."""
    if source.name == STDIN:
        yield from _decompressed(_stdin(), source.name, chunk_size)
        return
    try:
        handle = open_binary(source.name)
    except OSError as error:
        raise InputError(f"{source.name}: {error.strerror or error}") from None
    with handle:
        if source.end is not None:
            yield from _byte_range(handle, source.start, source.end, chunk_size)
        else:
            yield from _decompressed(handle, source.name, chunk_size)


def open_binary(name: str) -> io.BufferedReader:
    """A local file, or the object a URL names (`s3://`, `https://`: `_reading._remote`)."""
    if "://" not in name:
        return open(name, "rb")
    from escalate._report._reading._remote import open_remote

    return open_remote(name)


def _stdin() -> io.BufferedReader:
    stream = sys.stdin.buffer
    return stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)  # type: ignore[arg-type]


def _byte_range(handle: IO[bytes], start: int, end: int, chunk_size: int) -> Iterator[bytes]:
    handle.seek(start)
    remaining = end - start
    while remaining > 0:
        chunk = handle.read(min(chunk_size, remaining))
        if not chunk:
            return
        remaining -= len(chunk)
        yield chunk


def _decompressed(raw: io.BufferedReader, name: str, chunk_size: int) -> Iterator[bytes]:
    try:
        head = raw.peek(4)[:4]
        if head.startswith(_GZIP_MAGIC):
            yield from _chunks(gzip.GzipFile(fileobj=raw, mode="rb"), chunk_size)
        elif head.startswith(_ZSTD_MAGIC):
            yield from _zstd_chunks(raw, name, chunk_size)
        else:
            yield from _chunks(raw, chunk_size)
    except (OSError, EOFError, zlib.error) as error:  # zlib.error: a corrupt deflate stream
        raise InputError(f"{name}: cannot read: {error}") from None


def _zstd_chunks(raw: IO[bytes], name: str, chunk_size: int) -> Iterator[bytes]:
    """Decompress zstd frames in chunks of about `chunk_size`; corrupt or cut short: InputError.

    `stream_reader` returns nothing at all for a truncated frame; `decompressobj` says whether
    its frame ended (`eof`), and fed small blocks, its output stays bounded.
    """
    import zstandard

    decompressor = zstandard.ZstdDecompressor()
    frame, in_frame = decompressor.decompressobj(), False
    pending: list[bytes] = []
    size = 0
    try:
        while block := raw.read(_ZSTD_INPUT_BLOCK):
            while block:
                output, in_frame = frame.decompress(block), True
                pending.append(output)
                size += len(output)
                block = b""
                if frame.eof:
                    block, in_frame = frame.unused_data, False
                    frame = decompressor.decompressobj()
            if size >= chunk_size:
                yield b"".join(pending)
                pending, size = [], 0
    except zstandard.ZstdError as error:
        raise InputError(f"{name}: cannot read: corrupt zstd data ({error})") from None
    if in_frame:
        raise InputError(f"{name}: cannot read: zstd data ends before its frame does (truncated)")
    if size:
        yield b"".join(pending)


def _chunks(stream: IO[bytes] | gzip.GzipFile, chunk_size: int) -> Iterator[bytes]:
    while chunk := stream.read(chunk_size):
        yield chunk


def split_file(name: str, parts: int, min_part: int) -> tuple[Source, ...]:
    """Split a plain (uncompressed) file into up to `parts` newline-aligned byte ranges.

    A JSON document (values over many lines) is not split; a CRI log is cut after final lines.
    """
    if name == STDIN or parts < 2:
        return (Source(name),)
    try:
        with open_binary(name) as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(0)
            head = handle.read(SNIFF_BYTES)
            compressed = head.startswith(_GZIP_MAGIC) or head.startswith(_ZSTD_MAGIC)
            layout = sniff(head)  # a JSON document cannot be cut by lines
            if compressed or size < 2 * min_part or layout is Layout.DOCUMENT:
                return (Source(name),)
            cut = next_final_line_end if layout is Layout.CRI else _next_line_start
            cuts = [cut(handle, size * index // parts) for index in range(1, parts)]
    except OSError as error:
        raise InputError(f"{name}: {error.strerror or error}") from None
    bounds = sorted({0, *cuts, size})
    return tuple(
        Source(name, start, end) for start, end in itertools.pairwise(bounds) if end > start
    )


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
