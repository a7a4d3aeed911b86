"""A deterministic zip archive: same members, same bytes.

Members are written in sorted order with a fixed timestamp (1980-01-01, the zip epoch), fixed
Unix permissions (0644), a fixed creator system and DEFLATE compression, so the same contents
always give a byte-identical archive.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Final

ZIP_EPOCH: Final = (1980, 1, 1, 0, 0, 0)
_MODE: Final = 0o100644  # a regular file, rw-r--r--
_UNIX: Final = 3


def archive_bytes(members: Mapping[str, bytes]) -> bytes:
    """Return a zip archive holding `members` (name -> content), byte-identical per input."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            archive.writestr(_member_info(name), members[name])
    return buffer.getvalue()


def _member_info(name: str) -> zipfile.ZipInfo:
    """The fixed metadata of one member."""
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = _UNIX
    info.external_attr = _MODE << 16
    return info


def read_members(path: Path) -> dict[str, bytes]:
    """Return every member of a zip archive; raises `zipfile.BadZipFile` or `OSError`."""
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}
