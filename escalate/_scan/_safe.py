"""What is already safe to write: fingerprints, shape descriptors, markers and known enumerations.

Evidence records legitimately carry keys that look secret-ish (`token`, `token_fingerprint`,
`signature`, `idempotency`); their values are fingerprints, shape descriptors, numbers or
enumerations, which must survive the last scan unchanged.
"""

from __future__ import annotations

import re
from typing import Final

from escalate import _schema

#: `[redacted:<rule>:<4 hex>]`: what the scanner writes in place of a secret.
MARKER_RE: Final = re.compile(r"\[redacted:[a-z][a-z0-9_]{0,31}:[0-9a-f]{4}\]")
FINGERPRINT_RE: Final = re.compile(r"fp_[0-9a-f]{12}")
#: The shape descriptors of docs/record-schema.md, and nothing that merely has angle brackets.
SHAPE_RE: Final = re.compile(
    r"<(?:e164|phone:not_e164|int|float|bool|null|stream|list|dict|object|array"
    r"|(?:text|str):len=\d+|media:count=\d+|key#\d+|\+\d+ more|unparsed:\d+ bytes"
    r"|fp:fp_[0-9a-f]{12}|e164:fp_[0-9a-f]{12})>"
)
_NUMBER_RE: Final = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
#: The placeholder capture writes for a credential (`_capture._scan.TOKEN_MARKER`), after an
#: optional scheme: the HAR's `Authorization: Bearer <redacted>` header says a token was sent.
_PLACEHOLDER_RE: Final = re.compile(r"(?:(?i:bearer|basic) )?<redacted>")
_ONLY_MARKERS_RE: Final = re.compile(
    r"(?:\s|[,;:=]|(?i:bearer|basic)|" + MARKER_RE.pattern + r")*"
)

#: Enumerations a record or a report may hold under a secret-ish key.
KNOWN_ENUMS: Final = frozenset(
    {
        *_schema.SIGNATURE_OUTCOMES,
        *_schema.OUTCOMES,
        *_schema.STAGES,
        _schema.STAGE_OTHER,
        _schema.KIND_CALL,
        _schema.KIND_WEBHOOK,
        "acquired",
        "jwt",
        "unknown",
        "bearer",
        "Bearer",
        "basic",
        "Basic",
        "other",
        "present",
        "absent",
        "none",
        "true",
        "false",
        "null",
        "yes",
        "no",
        "n/a",
        "client_credentials",
        "ACTIVE",
        "QUEUED",
        "SMS",
        "MMS",
        "pass",
        "fail",
        "passed",
        "failed",
    }
)


def is_safe_string(value: str) -> bool:
    """Return True when `value` cannot be a secret: empty, fingerprint, descriptor, enum, number."""
    return (
        value == ""
        or value in KNOWN_ENUMS
        or FINGERPRINT_RE.fullmatch(value) is not None
        or SHAPE_RE.fullmatch(value) is not None
        or _NUMBER_RE.fullmatch(value) is not None
        or MARKER_RE.fullmatch(value) is not None
        or _PLACEHOLDER_RE.fullmatch(value) is not None
    )


def is_only_markers(value: str) -> bool:
    """Return True when `value` holds markers and nothing else but separators or an auth scheme."""
    return MARKER_RE.search(value) is not None and _ONLY_MARKERS_RE.fullmatch(value) is not None
