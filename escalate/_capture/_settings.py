"""Capture settings (fingerprint key, opt-ins) and the fingerprint function that uses them."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from typing import Any

#: Default key: fixed, so fingerprints from several services of one team match.
DEFAULT_FINGERPRINT_KEY = b"escalate.evidence/1 fingerprint key"
FINGERPRINT_KEY_ENV = "ESCALATE_FINGERPRINT_KEY"


@dataclasses.dataclass(frozen=True)
class Settings:
    """What redaction needs to know beyond the record itself."""

    fingerprint_key: bytes = DEFAULT_FINGERPRINT_KEY
    keep_external_reference: bool = False


def settings_from(
    fingerprint_key: str | bytes | None, keep_external_reference: bool
) -> Settings:
    """Build settings, falling back to `ESCALATE_FINGERPRINT_KEY` then the default key."""
    key = fingerprint_key if fingerprint_key is not None else os.environ.get(FINGERPRINT_KEY_ENV)
    if isinstance(key, str):
        key = key.encode()
    return Settings(key or DEFAULT_FINGERPRINT_KEY, keep_external_reference)


#: Fingerprints repeat (the same token on every call): a small cache, dropped when full.
MAX_CACHED_FINGERPRINTS = 2048


class Fingerprinter:
    """Keyed BLAKE2b (RFC 7693's MAC mode: the key is a parameter of the hash), 6 bytes of
    digest, and a cache.

    A new value costs three C calls into CPython's own BLAKE2 (copy the keyed state, update,
    digest; no OpenSSL on the hot path). The HMAC-SHA256 it replaces went through OpenSSL's
    digest copies: 27.6 k instructions a call when a send's key, reference and operation are
    all new (benchmarks/capture_overhead.py `--instructions`, `vary`). A key longer than
    BLAKE2b's 64-byte limit is replaced by its 64-byte BLAKE2b digest, as HMAC hashes a key
    longer than its block.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        #: The keyed state before any data (BLAKE2b compresses the key as a first block):
        #: copied for each value, which saves that block and the constructor's arguments.
        self._keyed = hashlib.blake2b(key=fingerprint_key_bytes(settings.fingerprint_key),
                                      digest_size=6)
        self.cache: dict[str | bytes, str] = {}

    def __call__(self, value: str | bytes) -> str:
        cached = self.cache.get(value)
        if cached is not None:
            return cached
        result = self.uncached(value)
        if len(self.cache) >= MAX_CACHED_FINGERPRINTS:
            self.cache = {}
        self.cache[value] = result
        return result

    def uncached(self, value: str | bytes) -> str:
        """The fingerprint, computed, and the value not kept: for values that are sensitive and
        rarely repeat (a send's canonical body holds its text and recipients)."""
        state = self._keyed.copy()
        state.update(value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value)
        return "fp_" + state.hexdigest()


MAX_KEY_BYTES = 64  # BLAKE2b's longest key


def fingerprint_key_bytes(key: bytes) -> bytes:
    """The key BLAKE2b is given: the configured one, or its 64-byte digest when it is longer."""
    return key if len(key) <= MAX_KEY_BYTES else hashlib.blake2b(key).digest()


_current = [Fingerprinter(settings_from(None, False))]
#: The fingerprinter in force, for hot paths that look its cache up themselves (no call on a
#: hit): `FINGERPRINTER[0].cache.get(value) or FINGERPRINTER[0](value)` is `fingerprint(value)`.
FINGERPRINTER = _current


def current() -> Settings:
    """The settings in force."""
    return _current[0].settings


#: Caches holding values derived from the settings (fingerprints), emptied when they change.
DERIVED_CACHES: list[dict[Any, Any]] = []


def install(settings: Settings) -> None:
    """Replace the settings in force (one reference swap: safe against concurrent readers)."""
    _current[0] = Fingerprinter(settings)
    for cache in DERIVED_CACHES:
        cache.clear()


def fingerprint(value: str | bytes) -> str:
    """`fp_` + 12 hex characters: keyed BLAKE2b (6-byte digest) of the value (UTF-8) with the
    configured key."""
    fingerprinter = _current[0]
    return fingerprinter.cache.get(value) or fingerprinter(value)
