"""The scan's registries: secret-ish key names and value patterns, each a named rule."""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from escalate._scan._safe import is_safe_string

#: Substrings of a key name (lower-cased, `-` read as `_`) whose values are secrets.
SECRET_KEY_TERMS: Final = (
    "secret",
    "token",
    "password",
    "passwd",
    "passphrase",
    "authorization",
    "api_key",
    "apikey",
    "access_key",
    "credential",
    "private_key",
    "privatekey",
    "cookie",
    "session",
    "signature",
    "idempotency",
    "bearer",
)
#: A string this long and this random under a secret-ish key is reported as `high_entropy`.
HIGH_ENTROPY_MIN_LENGTH: Final = 16
HIGH_ENTROPY_MIN_BITS: Final = 3.5


@dataclass(frozen=True)
class ValueRule:
    """A value pattern: `group` of each match is the secret, replaced by a marker named `name`.

    `accept` may reject a match that only looks like a secret (prose such as "Basic usage").
    With `named_by_key`, group 1 is a key name and the rule takes its name from the key's term.
    `trigger` is a lower-case substring every match contains: text without it is skipped
    without running the regex (most strings are fingerprints, descriptors and identifiers).
    """

    name: str
    pattern: re.Pattern[str]
    group: int = 0
    accept: Callable[[str], bool] | None = None
    named_by_key: bool = False
    trigger: str | None = None


def secret_term(key: str, terms: Iterable[str] = SECRET_KEY_TERMS) -> str | None:
    """Return the first secret-ish term contained in `key`, or None."""
    normalised = key.lower().replace("-", "_")
    for term in terms:
        if term in normalised:
            return term
    return None


def shannon_bits(value: str) -> float:
    """Return the Shannon entropy of `value` in bits per character."""
    counts: dict[str, int] = {}
    for char in value:
        counts[char] = counts.get(char, 0) + 1
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def is_high_entropy(value: str) -> bool:
    """Return True for a long string that looks random (a key, a token, a hash)."""
    return len(value) >= HIGH_ENTROPY_MIN_LENGTH and shannon_bits(value) >= HIGH_ENTROPY_MIN_BITS


def _is_credential(value: str) -> bool:
    """Reject prose after "Bearer": a credential is not one lower-case word."""
    return not value.isalpha() or not value.islower()


def _is_basic_credential(value: str) -> bool:
    """Accept base64 that decodes to `user:password`, so "Basic authentication" survives.

    The whole 4-character groups are tried too: text glued after the credential does not hide it.
    """
    body = value.rstrip("=")
    candidates = (body + "=" * (-len(body) % 4), body[: len(body) // 4 * 4])
    return any(b":" in _b64decode(candidate) for candidate in candidates)


def _b64decode(value: str) -> bytes:
    """Decode base64, or return no bytes when it is not valid base64."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _is_unsafe(value: str) -> bool:
    """Accept a `key=value` pair only when the value is not already safe."""
    return not is_safe_string(value)


def key_value_rule(terms: Iterable[str]) -> ValueRule:
    """Build the free-text `name=value` rule for the given secret-ish key terms."""
    alternatives = "|".join(re.escape(term) for term in terms)
    pattern = re.compile(
        rf"(?i)([A-Za-z0-9_.-]*(?:{alternatives})[A-Za-z0-9_.-]*)=([^\s&\"',;<>\[\]]+)"
    )
    return ValueRule(
        "key_value", pattern, group=2, accept=_is_unsafe, named_by_key=True, trigger="="
    )


#: Built-in value patterns, most specific first; config patterns run before these.
VALUE_RULES: Final = (
    ValueRule(
        "pem_private_key",
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?"
            r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|\Z)"
        ),
        trigger="-----begin",
    ),
    ValueRule(
        "jwt",
        re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
        trigger="eyj",
    ),
    ValueRule("rc_token", re.compile(r"rc_tok(?:en)?_[A-Za-z0-9_.~+/=-]+"), trigger="rc_tok"),
    ValueRule("rc_secret", re.compile(r"rc_secret_[A-Za-z0-9_.~+/=-]+"), trigger="rc_secret_"),
    ValueRule("webhook_secret", re.compile(r"whsec_[A-Za-z0-9_.~+/=-]+"), trigger="whsec_"),
    ValueRule(
        "url_userinfo",
        # `user:pass@host` after a scheme, or standing alone (a host field, `-u` output).
        re.compile(
            r"(?:(?<=://)|(?<![^\s\"'(<=]))([^\s/@:\"'<>\[\]]+:[^\s/@\"'<>\[\]]*)@(?=[\w.\[-])"
        ),
        group=1,
        trigger="@",
    ),
    ValueRule(
        "bearer",
        re.compile(r"(?i)bearer\s+([A-Za-z0-9_.~+/-]{6,}=*)"),
        group=1,
        accept=_is_credential,
        trigger="bearer",
    ),
    ValueRule(
        "basic",
        re.compile(r"(?i)basic\s+([A-Za-z0-9+/]{4,}=*)"),
        group=1,
        accept=_is_basic_credential,
        trigger="basic",
    ),
    ValueRule("e164", re.compile(r"\+[1-9]\d{7,14}"), trigger="+"),
)
