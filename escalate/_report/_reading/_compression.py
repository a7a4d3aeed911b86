"""Compressed inputs: gzip and zstd, told by their first bytes, decompressed in bounded chunks.

Each format is one decoder: a function from a buffered stream of the bytes as stored to the
decompressed bytes in chunks of about `chunk_size`. A corrupt or truncated stream raises
`Unreadable` (the source names itself in the error). Output stays bounded however much the data
expands (a "bomb"): gzip is inflated `chunk_size` at a time from 1 MiB input blocks, zstd from
1 KiB blocks. zlib and zstd release the GIL while they work, so a reader thread decompresses
while the scanner scans.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Final, Protocol

GZIP_MAGIC: Final = b"\x1f\x8b"
ZSTD_MAGIC: Final = b"\x28\xb5\x2f\xfd"
#: compressed bytes inflated at a time: few calls, and zlib releases the GIL for each
_GZIP_INPUT_BLOCK: Final = 1024 * 1024
#: gzip (a header and trailer around deflate data), for `zlib.decompressobj`
_GZIP_WBITS: Final = 16 + zlib.MAX_WBITS
#: Compressed bytes fed to zstd at a time: one call's output stays bounded (a zstd bomb expands
#: 4 bytes into a 128 KiB block, so 1 KiB gives at most ~32 MiB) while a normal log costs one call
#: per ~10 KiB of text.
_ZSTD_INPUT_BLOCK: Final = 1024


class Readable(Protocol):
    """A stream of bytes as stored (a file, a pipe, a byte range, a remote object)."""

    def read(self, size: int, /) -> bytes:
        """Up to `size` bytes; empty at the end."""
        ...


Decoder = Callable[[Readable, int], Iterator[bytes]]


class Unreadable(Exception):
    """Compressed data that is corrupt or cut short (the message says which)."""


def is_compressed(head: bytes) -> bool:
    """Whether bytes starting with `head` are gzip or zstd."""
    return head.startswith(GZIP_MAGIC) or head.startswith(ZSTD_MAGIC)


def decoder_for(head: bytes) -> Decoder:
    """How to read bytes that start with `head`: gunzip, unzstd, or as they are."""
    if head.startswith(GZIP_MAGIC):
        return gzip_chunks
    if head.startswith(ZSTD_MAGIC):
        return zstd_chunks
    return plain_chunks


def plain_chunks(stream: Readable, chunk_size: int) -> Iterator[bytes]:
    """The bytes as they are, `chunk_size` at a time."""
    while chunk := stream.read(chunk_size):
        yield chunk


def gzip_chunks(stream: Readable, chunk_size: int) -> Iterator[bytes]:
    """Inflate gzip members one after the other (zero padding between them is skipped)."""
    inflater: zlib._Decompress | None = None
    try:
        while block := stream.read(_GZIP_INPUT_BLOCK):
            while block:
                if inflater is None:
                    block = block.lstrip(b"\0")  # padding after a member, as gzip(1) allows
                    if not block:
                        break
                    inflater = zlib.decompressobj(_GZIP_WBITS)
                yield from _inflated(inflater, block, chunk_size)
                block = inflater.unused_data if inflater.eof else b""
                inflater = None if inflater.eof else inflater
    except zlib.error as error:
        raise Unreadable(f"corrupt gzip data ({error})") from None
    if inflater is not None:
        raise Unreadable("gzip data ends before its stream does (truncated)")


def _inflated(inflater: zlib._Decompress, block: bytes, chunk_size: int) -> Iterator[bytes]:
    """All that `block` gives, at most `chunk_size` bytes at a time."""
    while True:
        output = inflater.decompress(block, chunk_size)
        if output:
            yield output
        block = inflater.unconsumed_tail
        # a full output may leave more in zlib even when the input is all taken
        if inflater.eof or not (block or len(output) == chunk_size):
            return


def zstd_chunks(stream: Readable, chunk_size: int) -> Iterator[bytes]:
    """Decompress zstd frames in chunks of about `chunk_size`; corrupt or cut short: Unreadable.

    `stream_reader` returns nothing at all for a truncated frame; `decompressobj` says whether
    its frame ended (`eof`), and fed small blocks, its output stays bounded.
    """
    import zstandard

    decompressor = zstandard.ZstdDecompressor()
    frame, in_frame = decompressor.decompressobj(), False
    pending: list[bytes] = []
    size = 0
    try:
        while block := stream.read(_ZSTD_INPUT_BLOCK):
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
        raise Unreadable(f"corrupt zstd data ({error})") from None
    if in_frame:
        raise Unreadable("zstd data ends before its frame does (truncated)")
    if size:
        yield b"".join(pending)
