"""Recognise phone numbers and token-like strings, in whole values and inside free text.

The one place that knows what a phone number looks like: the shaper, the response summary, the
route shaper and the last pass over every line all ask `phone_marker`.
"""

from __future__ import annotations

import re

E164_MARKER = "<e164>"
NOT_E164_MARKER = "<phone:not_e164>"
TOKEN_MARKER = "<redacted>"

_E164 = re.compile(r"\+[1-9]\d{7,14}")
_PHONE_CHARS = re.compile(r"[\d\s().+\-]+")
_EMBEDDED_PHONE = re.compile(r"[+(]?\d[\d\s().\-]{5,}\d")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+(?=\S*\d)\S{8,}")
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-.~+/=]{24,}")
_E164_BYTES = re.compile(_E164.pattern.encode())


def is_phone_like(value: str) -> bool:
    """Digits, spaces and `()-.+` only, with at least 7 digits (E.164 or not)."""
    if len(value) < 7 or _PHONE_CHARS.fullmatch(value) is None:
        return False
    return sum(char.isdigit() for char in value) >= 7


#: What a phone-like value starts with: a cheap test before any regular expression.
_PHONE_FIRST = frozenset("+(0123456789 ")
#: A pattern every value `phone_marker` marks matches whole (a superset: `phone_marker` decides),
#: for a classifier that tells "maybe a phone number" from other values in one match.
PHONE_CANDIDATE = r"[+(\d ][\d\s().+\-]{6,}"


def phone_marker(value: str) -> str | None:
    """`<e164>` (`+` then 8-15 digits, the first not 0), `<phone:not_e164>` for another
    phone-like value, else None."""
    if value[:1] not in _PHONE_FIRST:
        return None
    if _E164.fullmatch(value):
        return E164_MARKER
    return NOT_E164_MARKER if is_phone_like(value) else None


def _replace_phone(match: re.Match[str]) -> str:
    return phone_marker(match.group(0)) or match.group(0)


def _replace_token(match: re.Match[str]) -> str:
    text = match.group(0)
    return TOKEN_MARKER if any(char.isdigit() for char in text) else text


def scan_text(text: str, limit: int = 300) -> str:
    """Free text with embedded phone numbers and token-like runs replaced, cut at `limit`."""
    text = _BEARER.sub(lambda match: f"{match.group(1)} {TOKEN_MARKER}", text)
    text = _EMBEDDED_PHONE.sub(_replace_phone, text)
    return _TOKEN_LIKE.sub(_replace_token, text)[:limit]


def scan_line(line: bytes) -> bytes:
    """Last pass over a serialised record: any E.164 number that slipped through is replaced."""
    if b"+" not in line:
        return line
    return _E164_BYTES.sub(E164_MARKER.encode(), line)
