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
    With `named_by_key`, group 1 is a key name: the rule takes its name from the key's secret-ish
    term (the scanner's, extra config keys included), and a key without one is no match.
    `trigger` is a lower-case substring every match contains: text without it is skipped
    without running the regex (most strings are fingerprints, descriptors and identifiers).
    `locate` turns a match into the secret's span (None: no secret there), for rules whose
    regex matches a wider token in linear time and code finds the secret inside it.

    Every pattern must run in time linear in its input (tests/scan/test_scan_linear.py): a
    match attempt may scan far only from a position no earlier attempt scanned past, so a run
    is anchored at its start with a look-behind and nothing after a long run can make it fail.
    """

    name: str
    pattern: re.Pattern[str]
    group: int = 0
    accept: Callable[[str], bool] | None = None
    named_by_key: bool = False
    trigger: str | None = None
    locate: Callable[[re.Match[str]], tuple[int, int] | None] | None = None


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


def _is_unsafe_word(value: str) -> bool:
    """Accept a quoted value that is one word and not already safe: a quoted string with a space
    is prose (what a report writes under `token_fresh`), not a credential."""
    return not any(char.isspace() for char in value) and not is_safe_string(value)


#: A key name in free text: a whole run of name characters (never a part of one).
_KEY = r"(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]+)"
#: The value after `name=` (a query string, a form body, a log line's `key=value`).
_ASSIGNED_VALUE_RE: Final = re.compile(r"[^\s&\"',;<>\[\]]+")
#: A double quote as JSON text, escaped inside a JSON string, or escaped for HTML.
_QUOTE = r'(?:"|\\"|&#34;|&quot;|&#x22;)'
#: The string value after `"name":` up to its closing quote (JSON text, or HTML-escaped).
_QUOTED_VALUE_RE: Final = re.compile(rf'{_QUOTE}((?:[^"\\&]|\\[^"]|&(?!#34;|quot;|#x22;))+)')


def _value_after(value_re: re.Pattern[str]) -> Callable[[re.Match[str]], tuple[int, int] | None]:
    """A `locate` that finds the value `value_re` matches (its group 1, else all) after a key."""

    def locate(match: re.Match[str]) -> tuple[int, int] | None:
        value = value_re.match(match.string, match.end())
        if value is None:
            return None
        return value.span(1 if value_re.groups else 0)

    return locate


def _jwt_span(match: re.Match[str]) -> tuple[int, int] | None:
    """The JWT in a dotted token: from the first `eyJ` of its head (4+ characters after it)."""
    head = match.group(1)
    at = head.find("eyJ")
    if at < 0 or len(head) - at < 7:
        return None
    return match.start(1) + at, match.end(2)


#: What may stand right before a userinfo (`user:pass@`) besides the text's start and `://`.
_USERINFO_OPENERS: Final = frozenset("\"'(<=")
_OPENER_RE: Final = re.compile(r"[(=]")


def _userinfo_span(match: re.Match[str]) -> tuple[int, int] | None:
    """The leftmost `user:password` of a run before `@`: it starts at the run's start (after a
    space, a quote, `<` or `://`) or after a `(` or `=` inside it, and its user has no colon."""
    run, base, text = match.group(1), match.start(1), match.string
    colon = run.rfind(":")
    opened = base == 0 or text[base - 1].isspace() or text[base - 1] in _USERINFO_OPENERS
    start: int | None = 0 if opened or text.endswith("://", 0, base) else _after_opener(run, 0)
    while start is not None and start < colon:
        if run[start] != ":":
            return base + start, match.end(1)
        start = _after_opener(run, start)
    return None


def _after_opener(run: str, position: int) -> int | None:
    """The index just after the next `(` or `=` at or after `position`, or None."""
    found = _OPENER_RE.search(run, position)
    return found.end() if found else None


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
        # the dotted token's head as a whole run: `eyJ` is looked for in code (`_jwt_span`)
        re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z0-9_-]+)(?=(\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*))"),
        trigger="eyj",
        locate=_jwt_span,
    ),
    ValueRule("rc_token", re.compile(r"rc_tok(?:en)?_[A-Za-z0-9_.~+/=-]+"), trigger="rc_tok"),
    ValueRule("rc_secret", re.compile(r"rc_secret_[A-Za-z0-9_.~+/=-]+"), trigger="rc_secret_"),
    ValueRule("webhook_secret", re.compile(r"whsec_[A-Za-z0-9_.~+/=-]+"), trigger="whsec_"),
    ValueRule(
        "url_userinfo",
        # `user:pass@host` after a scheme, or standing alone (a host field, `-u` output): the
        # whole run before `@`, where `_userinfo_span` finds the userinfo
        re.compile(r"(?<![^\s/@\"'<>\[\]])([^\s/@\"'<>\[\]]+)@(?=[\w.\[-])"),
        trigger="@",
        locate=_userinfo_span,
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
    # `name=value` with a secret-ish name: the regex only finds `name=`, so a name without a
    # term costs no look at its value, and a name inside an earlier value is not looked at again
    ValueRule(
        "key_value", re.compile(_KEY + "="), accept=_is_unsafe, named_by_key=True, trigger="=",
        locate=_value_after(_ASSIGNED_VALUE_RE),
    ),
    # `"name": "value"` inside text: JSON that became a string (the report's payload shape, a
    # structlog line) never meets `scan_value`'s key names; quoted as JSON, as escaped JSON
    # inside a JSON string, or as HTML
    ValueRule(
        "quoted_key", re.compile(rf"{_QUOTE}([A-Za-z0-9_.-]+){_QUOTE}\s*:\s*"),
        accept=_is_unsafe_word, named_by_key=True, trigger=":",
        locate=_value_after(_QUOTED_VALUE_RE),
    ),
)  # fmt: skip
