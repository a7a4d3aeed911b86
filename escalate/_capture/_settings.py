"""Capture settings (fingerprint key, opt-ins) and the fingerprint function that uses them."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os

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


class _Fingerprinter:
    """HMAC-SHA256 with the key schedule done once (`copy()` of a keyed object) and a cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._keyed = hmac.new(settings.fingerprint_key, digestmod=hashlib.sha256)
        self.cache: dict[str | bytes, str] = {}

    def __call__(self, value: str | bytes) -> str:
        cached = self.cache.get(value)
        if cached is not None:
            return cached
        mac = self._keyed.copy()
        mac.update(value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value)
        result = "fp_" + mac.hexdigest()[:12]
        if len(self.cache) >= MAX_CACHED_FINGERPRINTS:
            self.cache = {}
        self.cache[value] = result
        return result


_current = [_Fingerprinter(settings_from(None, False))]


def current() -> Settings:
    """The settings in force."""
    return _current[0].settings


def install(settings: Settings) -> None:
    """Replace the settings in force (one reference swap: safe against concurrent readers)."""
    _current[0] = _Fingerprinter(settings)


def fingerprint(value: str | bytes) -> str:
    """`fp_` + 12 hex characters of HMAC-SHA256 over the value with the configured key."""
    fingerprinter = _current[0]
    return fingerprinter.cache.get(value) or fingerprinter(value)
