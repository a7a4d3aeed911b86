"""Capture settings (fingerprint key, opt-ins) and the fingerprint function that uses them."""

from __future__ import annotations

import dataclasses
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


_current = [settings_from(None, False)]


def current() -> Settings:
    """The settings in force."""
    return _current[0]


def install(settings: Settings) -> None:
    """Replace the settings in force (one reference swap: safe against concurrent readers)."""
    _current[0] = settings


def fingerprint(value: str | bytes) -> str:
    """`fp_` + 12 hex characters of HMAC-SHA256 over the value with the configured key."""
    data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return "fp_" + hmac.digest(_current[0].fingerprint_key, data, "sha256").hex()[:12]
