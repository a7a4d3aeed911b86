"""The fingerprint key of this installation: given by configuration, or generated on first use
and kept in a file only its owner can read.

Fingerprints only link records ("the same token as"); with a key the readers of the records do not
have, a low-entropy value (a one-time code, a phone number) cannot be recovered from them by
trying every candidate.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

#: The key itself (text), for every process of a service or a fleet that must agree.
KEY_ENV = "ESCALATE_FINGERPRINT_KEY"
#: A file holding the key (created with a new key on first use when it does not exist).
KEY_FILE_ENV = "ESCALATE_FINGERPRINT_KEY_FILE"
KEY_FILE_NAME = "fingerprint.key"
KEY_BYTES = 32


class KeyFileError(Exception):
    """The key file could not be read or created (the message says why)."""


def default_key_file() -> Path:
    """`$ESCALATE_FINGERPRINT_KEY_FILE`, else `$XDG_STATE_HOME/escalate/fingerprint.key`
    (`~/.local/state/escalate/fingerprint.key` when XDG_STATE_HOME is unset); `KeyFileError`
    without a home directory."""
    named = os.environ.get(KEY_FILE_ENV)
    if named:
        return Path(named)
    state = os.environ.get("XDG_STATE_HOME")
    if not state:
        try:
            state = os.path.join(Path.home(), ".local", "state")
        except RuntimeError as exc:  # no home directory to be found
            raise KeyFileError(f"fingerprint key file: {exc}") from exc
    return Path(state) / "escalate" / KEY_FILE_NAME


def configured_key() -> bytes | None:
    """`$ESCALATE_FINGERPRINT_KEY`, when set."""
    key = os.environ.get(KEY_ENV)
    return key.encode() if key else None


def installation_key(path: Path) -> bytes:
    """The key in `path`, created (owner-only, atomically) with a new random key when absent.

    Raises `KeyFileError` when the file cannot be created or read, or when others may read it.
    """
    try:
        if not path.exists():
            _create(path)
        return _read(path)
    except OSError as exc:
        raise KeyFileError(f"fingerprint key file {path}: {exc.strerror or exc}") from exc


def _create(path: Path) -> None:
    """Write a new key beside `path` and link it into place: of two processes creating it at
    once, one wins and both read the winner's key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(KEY_BYTES) + "\n")
        with contextlib.suppress(FileExistsError):  # another process won: read its key
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _read(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"fingerprint key file {path}: readable by others "
                           f"(mode {stat.filemode(mode)}); chmod 600 it")
    key = path.read_text().strip()
    if not key:
        raise KeyFileError(f"fingerprint key file {path}: empty")
    return key.encode()
