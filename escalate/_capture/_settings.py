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
    """HMAC-SHA256 (RFC 2104) with the key schedule done once, and a cache.

    The padded key's inner and outer SHA-256 states are computed once; a fingerprint is then a
    few C calls (`copy`, `update`, `digest`) instead of `hmac.HMAC.copy()`'s Python code: the
    same value as `hmac.new(key, value, "sha256")`, for about half the instructions.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        key = settings.fingerprint_key
        if len(key) > _BLOCK_SIZE:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK_SIZE, b"\0")
        self._inner = hashlib.sha256(key.translate(_INNER_PAD))
        self._outer = hashlib.sha256(key.translate(_OUTER_PAD))
        self.cache: dict[str | bytes, str] = {}

    def __call__(self, value: str | bytes) -> str:
        cached = self.cache.get(value)
        if cached is not None:
            return cached
        inner = self._inner.copy()
        inner.update(value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value)
        outer = self._outer.copy()
        outer.update(inner.digest())
        result = "fp_" + outer.hexdigest()[:12]
        if len(self.cache) >= MAX_CACHED_FINGERPRINTS:
            self.cache = {}
        self.cache[value] = result
        return result


_BLOCK_SIZE = 64  # SHA-256's block size: the HMAC key is padded to it
_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))
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
    """`fp_` + 12 hex characters of HMAC-SHA256 over the value with the configured key."""
    fingerprinter = _current[0]
    return fingerprinter.cache.get(value) or fingerprinter(value)
