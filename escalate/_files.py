"""Writing an output file so that no reader ever sees half of it."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same directory, then rename.

    A failed write (a full disk, an interrupt) leaves `path` as it was. The file gets the mode a
    plain `open(path, "w")` would give it: an existing file's, else 0o666 less the umask. A path
    that is not a regular file (`/dev/stdout`, a pipe) cannot be renamed over: it is written to.
    A symbolic link's target is replaced, not the link. A file you may write in a directory you
    may not (no temporary file can be made beside it) is overwritten in place, as before.
    """
    target = path.resolve()
    existing = _mode(target)
    if existing is not None and not stat.S_ISREG(existing):
        target.write_bytes(data)
        return
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        # O_EXCL: never write through a file or link someone else placed under this name
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except PermissionError:
        if existing is None:
            raise
        target.write_bytes(data)
        return
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        if existing is not None:
            os.chmod(temporary, stat.S_IMODE(existing))
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _mode(path: Path) -> int | None:
    """The mode of `path`, or None when there is no such file."""
    try:
        return path.stat().st_mode
    except FileNotFoundError:
        return None
