"""Capture settings (fingerprint key, opt-ins) and the fingerprint function that uses them."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
import threading

from escalate._capture import _caches, _keys
from escalate._capture._stats import STATS

MAX_KEY_BYTES = 64  # BLAKE2b's longest key


@dataclasses.dataclass(frozen=True)
class Settings:
    """What redaction needs to know beyond the record itself.

    `fingerprint_key` None: `$ESCALATE_FINGERPRINT_KEY`, else the installation's key file
    (`escalate._capture._keys`), read or created on the first fingerprint.
    """

    fingerprint_key: bytes | None = None
    keep_external_reference: bool = False


def settings_from(fingerprint_key: str | bytes | None, keep_external_reference: bool) -> Settings:
    """Build settings from `configure`'s arguments."""
    key = fingerprint_key.encode() if isinstance(fingerprint_key, str) else fingerprint_key
    return Settings(key or None, keep_external_reference)


def resolve_key(settings: Settings) -> bytes:
    """The key in force: configured, from the environment, or the installation's file; when
    that file cannot be used, a random key for this process (counted: fingerprints then link
    records of this process only)."""
    if settings.fingerprint_key:
        return settings.fingerprint_key
    key = _keys.configured_key()
    if key:
        return key
    try:
        return _keys.installation_key(_keys.default_key_file())
    except _keys.KeyFileError as exc:
        STATS.error("fingerprint_key", exc)
        return secrets.token_bytes(_keys.KEY_BYTES)


def fingerprint_key_bytes(key: bytes) -> bytes:
    """The key BLAKE2b is given: the key, or its 64-byte digest when it is longer."""
    return key if len(key) <= MAX_KEY_BYTES else hashlib.blake2b(key).digest()


class Fingerprinter:
    """Keyed BLAKE2b (RFC 7693's MAC mode), 6 bytes of digest. The key is resolved on the first
    fingerprint (never on import), and the keyed state kept to be copied for each value."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._key: bytes | None = None
        self._keyed: hashlib.blake2b | None = None
        self._lock = threading.Lock()

    def key(self) -> bytes:
        """The key in force (resolved once)."""
        if self._key is None:
            with self._lock:
                if self._key is None:
                    key = fingerprint_key_bytes(resolve_key(self.settings))
                    self._keyed = hashlib.blake2b(key=key, digest_size=6)
                    self._key = key
        return self._key

    def __call__(self, value: str | bytes) -> str:
        keyed = self._keyed
        if keyed is None:
            self.key()
            keyed = self._keyed
            assert keyed is not None  # set with the key
        state = keyed.copy()
        state.update(value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value)
        return "fp_" + state.hexdigest()


_current = [Fingerprinter(Settings())]


def current() -> Settings:
    """The settings in force."""
    return _current[0].settings


def install(settings: Settings) -> None:
    """Replace the settings in force (one reference swap: safe against concurrent readers) and
    empty the caches, which may hold fingerprints under the old key."""
    _current[0] = Fingerprinter(settings)
    _caches.clear_all()


def fingerprint(value: str | bytes) -> str:
    """`fp_` + 12 hex characters: keyed BLAKE2b (6-byte digest) of the value (UTF-8)."""
    return _current[0](value)


def keyed_sha256(value: bytes) -> str:
    """Hex HMAC-SHA256 of `value` under the fingerprint key: a digest of a whole body that
    nobody without the key can test guesses against."""
    return hmac.new(_current[0].key(), value, hashlib.sha256).hexdigest()
