"""Payload shape: the structure of a request body with every leaf replaced by a descriptor.

Redaction by allowlist: a leaf survives verbatim only under a known enumeration or identifier key
and only when it looks like one; everything else becomes a descriptor (docs/record-schema.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from escalate._capture import _scan
from escalate._capture._settings import current, fingerprint

ENUM_KEYS = frozenset({"messageType", "grant_type", "status", "token_type"})
IDENTIFIER_KEYS = frozenset({"sendFrom", "numberId", "messageId", "requestId", "apiClientId"})
TEXT_KEYS = frozenset({"text", "body", "message"})
MEDIA_KEYS = frozenset({"media", "mediaUrls", "mediaUrl"})
EXTERNAL_REFERENCE_KEY = "externalReference"
MAX_ARRAY_ITEMS = 20
MAX_DEPTH = 32
MAX_PARSED_BYTES = 1 << 20

_ENUM_VALUE = re.compile(r"[A-Za-z_.:\-]{1,40}")
_IDENTIFIER_VALUE = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_IDENTIFIER_KEY = re.compile(r"[A-Za-z_$@][A-Za-z0-9_.:$@\-]{0,63}")

def shape_json(value: Any) -> Any:
    """Shape a parsed JSON value (object, array or scalar)."""
    return _shape(value, None, 0)


def shape_body(body: bytes, content_type: str | None) -> Any:
    """Shape a raw request body: JSON, form-encoded, or `<unparsed:N bytes>`."""
    if not body:
        return None
    if len(body) <= MAX_PARSED_BYTES:
        if content_type == "application/x-www-form-urlencoded":
            return shape_form(body)
        try:
            return shape_json(orjson.loads(body))
        except orjson.JSONDecodeError:
            pass
    return f"<unparsed:{len(body)} bytes>"


def shape_form(body: bytes) -> dict[str, Any]:
    """Shape a form-encoded body: `grant_type` kept, `client_id` fingerprinted, the rest lengths."""
    shaped: dict[str, Any] = {}
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    for index, (key, value) in enumerate(pairs):
        shaped[_shape_key(key, index)] = _shape_form_value(key, value)
    return shaped


def _shape_form_value(key: str, value: str) -> str:
    if key == "grant_type" and _ENUM_VALUE.fullmatch(value):
        return value
    if key == "client_id":
        return f"<fp:{fingerprint(value)}>"
    return f"<str:len={len(value)}>"


def _shape(value: Any, key: str | None, depth: int) -> Any:
    if isinstance(value, str):
        return _shape_string(value, key)
    if isinstance(value, bool):
        return "<bool>"
    if isinstance(value, int):
        return "<int>"
    if isinstance(value, float):
        return "<float>"
    if value is None:
        return None
    if depth >= MAX_DEPTH:
        return "<deep>"
    if isinstance(value, Mapping):
        return _shape_object(value, depth)
    if isinstance(value, list | tuple):
        return _shape_array(value, key, depth)
    return f"<{type(value).__name__}>"


def _shape_object(value: Mapping[Any, Any], depth: int) -> dict[str, Any]:
    shaped: dict[str, Any] = {}
    for index, (key, item) in enumerate(value.items()):
        name = key if isinstance(key, str) else str(key)
        shaped[_shape_key(name, index)] = _shape(item, name, depth + 1)
    return shaped


def _shape_array(value: list[Any] | tuple[Any, ...], key: str | None, depth: int) -> Any:
    if key in MEDIA_KEYS:
        return f"<media:count={len(value)}>"
    shaped = [_shape(item, key, depth + 1) for item in value[:MAX_ARRAY_ITEMS]]
    if len(value) > MAX_ARRAY_ITEMS:
        shaped.append(f"<+{len(value) - MAX_ARRAY_ITEMS} more>")
    return shaped


def _shape_key(key: str, index: int) -> str:
    if _IDENTIFIER_KEY.fullmatch(key) and _scan.phone_marker(key) is None:
        return key
    return f"<key#{index}>"


def _shape_string(value: str, key: str | None) -> str:
    if key in TEXT_KEYS:
        return f"<text:len={len(value)}>"
    if key in MEDIA_KEYS:
        return "<media:count=1>"
    marker = _scan.phone_marker(value)
    if marker is not None:
        return marker
    if key == EXTERNAL_REFERENCE_KEY:
        return _external_reference(value)
    if key in ENUM_KEYS and _ENUM_VALUE.fullmatch(value):
        return value
    if key in IDENTIFIER_KEYS and _IDENTIFIER_VALUE.fullmatch(value):
        return value
    return f"<str:len={len(value)}>"


def _external_reference(value: str) -> str:
    if current().keep_external_reference:
        return value
    return f"<fp:{fingerprint(value)}>"


def external_reference(value: Any) -> str | None:
    """A webhook's `externalReference`: fingerprint, or verbatim when configured so."""
    if not isinstance(value, str):
        return None
    return value if current().keep_external_reference else fingerprint(value)
