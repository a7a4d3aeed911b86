"""Read files as they grow, across rotation (rename and re-create) and truncation.

A file is known by its identity (device, inode), not its name: a rotated file renamed into a
followed directory keeps its read position, so nothing is counted twice. Each poll drains every
open file to its end and hands on only whole lines; a partial last line waits for its newline.
Memory per file is one chunk being read plus at most one partial line (`MAX_LINE`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from escalate._report._reading._compression import is_compressed
from escalate._report._reading._inputs import files_present, resolve_sources
from escalate._report._reading._reader import MAX_LINE, LineStats
from escalate._report._reading._sources import CHUNK_SIZE, InputError


@dataclass
class Generation:
    """One file being read: one inode under a name, from its start (again after a truncation)."""

    name: str
    handle: BinaryIO
    identity: tuple[int, int]
    offset: int = 0
    pending: bytes = b""  #: the partial last line, waiting for its newline
    skipping: bool = False  #: inside a line over MAX_LINE: drop bytes up to its newline
    stats: LineStats = field(default_factory=LineStats)


@dataclass(frozen=True)
class Block:
    """Whole lines read from one generation (ending in a newline), or an event to report."""

    generation: Generation
    data: bytes = b""
    event: str = ""  #: "following", "truncated", "rotated", "compressed"
    retired: LineStats | None = None  #: line counts of a generation that ended (rotated, truncated)


class Tail:
    """The files that `paths` (files, directories, globs) name at each poll, read as they grow."""

    def __init__(self, paths: Sequence[str], chunk_size: int = CHUNK_SIZE) -> None:
        # every path must exist at the start (a typo is an error), and be local files
        for source in resolve_sources(paths):
            if source.path is None:
                raise InputError(
                    f"--follow reads local files, directories or globs, not {source.name}"
                )
        self.paths = tuple(paths)
        self.chunk_size = chunk_size
        self.open: dict[tuple[int, int], Generation] = {}
        self.refused: set[tuple[int, int]] = set()

    def poll(self) -> Iterator[Block]:
        """Everything new since the last poll, file by file; files gone away are drained, closed."""
        present = self._present()
        for identity, name in present.items():
            if identity not in self.open and identity not in self.refused:
                yield from self._start(identity, name)
        for identity, generation in list(self.open.items()):
            yield from self._drain(generation)
            if identity not in present:
                generation.handle.close()
                del self.open[identity]
                yield Block(generation, event="rotated", retired=generation.stats)

    def close(self) -> None:
        """Close every open file."""
        for generation in self.open.values():
            generation.handle.close()
        self.open.clear()

    def _present(self) -> dict[tuple[int, int], str]:
        """The identity of every file the paths name now (a rotated name may be missing)."""
        present: dict[tuple[int, int], str] = {}
        for name in files_present(self.paths):
            try:
                stat = os.stat(name)
            except OSError:
                continue
            present.setdefault((stat.st_dev, stat.st_ino), name)
        return present

    def _start(self, identity: tuple[int, int], name: str) -> Iterator[Block]:
        try:
            handle = open(name, "rb")  # noqa: SIM115 - kept open while followed, closed in poll
        except OSError:
            return  # gone or unreadable between stat and open: the next poll tries again
        generation = Generation(name, handle, identity)
        if is_compressed(handle.read(4)):  # read whole by `escalate report`
            handle.close()
            self.refused.add(identity)
            yield Block(generation, event="compressed")
            return
        handle.seek(0)
        self.open[identity] = generation
        yield Block(generation, event="following")

    def _drain(self, generation: Generation) -> Iterator[Block]:
        if os.fstat(generation.handle.fileno()).st_size < generation.offset:
            generation.handle.seek(0)
            generation.offset, generation.pending, generation.skipping = 0, b"", False
            retired, generation.stats = generation.stats, LineStats()
            yield Block(generation, event="truncated", retired=retired)
        while chunk := generation.handle.read(self.chunk_size):
            generation.offset += len(chunk)
            lines = whole_lines(generation, chunk)
            if lines:
                yield Block(generation, lines)


def whole_lines(generation: Generation, chunk: bytes) -> bytes:
    """The whole lines that `chunk` completes; keep the rest as the generation's partial line.

    A partial line longer than MAX_LINE is handed on at once (the reader counts it as too long)
    and the rest of it is dropped, so a file without newlines cannot grow memory.
    """
    if generation.skipping:
        newline = chunk.find(b"\n")
        if newline == -1:
            return b""
        generation.skipping, chunk = False, chunk[newline + 1 :]
    data = generation.pending + chunk
    cut = data.rfind(b"\n") + 1
    lines, generation.pending = data[:cut], data[cut:]
    if len(generation.pending) > MAX_LINE:
        lines, generation.pending, generation.skipping = lines + generation.pending, b"", True
    return lines
