"""Inputs: resolve paths, directories, globs and `-` into sources, and read them in big chunks.

Compression is detected from the first bytes (gzip, zstd), not from the file name, so a renamed
`.gz` still reads. An input that cannot be read raises `InputError` naming it.
"""

from __future__ import annotations

import glob
import gzip
import io
import itertools
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from escalate._report._framing import SNIFF_BYTES, Layout, next_final_line_end, sniff

CHUNK_SIZE = 16 * 1024 * 1024
STDIN = "-"
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class InputError(Exception):
    """An input that cannot be read: a missing file, an empty directory, a permission error."""


@dataclass(frozen=True, slots=True)
class Source:
    """One unit of reading: a whole file, stdin, or a newline-aligned byte range of a plain file."""

    name: str  #: the path as given (or `-`)
    start: int = 0
    end: int | None = None  #: exclusive; None = to the end


def resolve_sources(paths: Sequence[str]) -> tuple[Source, ...]:
    """Expand paths, directories (recursively, sorted) and globs into sources, in order given."""
    sources: list[Source] = []
    for path in paths:
        sources.extend(Source(name) for name in _expand(path))
    return tuple(sources)


def _expand(path: str) -> list[str]:
    if path == STDIN:
        return [STDIN]
    if "://" in path:  # s3://, gs://, https://...: escalate._report._remote, imported when used
        from escalate._report._remote import expand_remote

        return expand_remote(path)
    if os.path.isdir(path):
        return _walk(path)
    if os.path.exists(path):
        _check_readable(path)
        return [path]
    if glob.has_magic(path):
        matches = sorted(glob.glob(path, recursive=True))
        files = [match for match in matches if os.path.isfile(match)]
        if files:
            return files
        raise InputError(f"{path}: no file matches this pattern")
    raise InputError(f"{path}: no such file or directory")


def _walk(directory: str) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        found.extend(os.path.join(root, name) for name in sorted(files) if not name.startswith("."))
    if not found:
        raise InputError(f"{directory}: directory holds no files")
    return found


def _check_readable(path: str) -> None:
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
    """A local file, or the object a URL names (`s3://`, `https://`: escalate._report._remote)."""
    if "://" not in name:
        return open(name, "rb")
    from escalate._report._remote import open_remote

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
            yield from _chunks(_zstd_reader(raw), chunk_size)
        else:
            yield from _chunks(raw, chunk_size)
    except (OSError, EOFError) as error:
        raise InputError(f"{name}: cannot read: {error}") from None


def _zstd_reader(raw: IO[bytes]) -> IO[bytes]:
    import zstandard

    reader: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    return reader


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
