"""Inputs: resolve paths, directories, globs, URLs and `-` into sources (`_sources`), in order.

An input given by name that
cannot be read raises `InputError` naming it. Inside a directory (or a glob), one rule: an entry
that is not a readable regular file (a FIFO, a socket, a device or a symlink to one, a dangling
symlink, an unreadable file or subdirectory) is skipped and listed in `ResolvedInputs.skipped`,
which the report counts and shows; reading goes on. Nothing waits on a FIFO or reads /dev/zero.
"""

from __future__ import annotations

import contextlib
import glob
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from escalate._report._reading._sources import (
    CHUNK_SIZE as CHUNK_SIZE,  # the reader's import
)
from escalate._report._reading._sources import (
    STDIN,
    FileSource,
    InputError,
    Source,
    StdinSource,
)

#: Why a directory entry was skipped (the report's skipped-by-reason counts).
REASON_NOT_REGULAR: Final = "not_a_regular_file"
REASON_UNREADABLE: Final = "unreadable_entry"
ENTRY_REASONS: Final = (REASON_NOT_REGULAR, REASON_UNREADABLE)


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
        sources.extend(source_named(name) for name in _expand(path, skipped))
    return ResolvedInputs(tuple(sources), tuple(skipped))


def files_present(paths: Sequence[str]) -> list[str]:
    """The names `paths` expand to now, by `resolve_inputs`'s rules, for `--follow` to poll.

    A path that names nothing at this moment (a file rotated away, a directory emptied, a glob
    matching nothing yet) adds no name and is no error: it may name files at the next poll.
    """
    names: list[str] = []
    for path in paths:
        with contextlib.suppress(InputError):
            names.extend(_expand(path, []))
    return names


def source_named(name: str) -> Source:
    """The source of one expanded name: `-`, a URL, or a local file."""
    if name == STDIN:
        return StdinSource()
    if "://" in name:
        from escalate._report._reading._remote import RemoteSource

        return RemoteSource(name)
    return FileSource(name)


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
