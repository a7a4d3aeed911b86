"""Webhook receipts: signature verification and the `kind: webhook` record."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import os
import time
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import orjson

from escalate import _schema
from escalate._capture._emit import next_seq, submit
from escalate._capture._record import utc_timestamp
from escalate._capture._redaction import Shaper
from escalate._capture._routes import shape_path
from escalate._capture._settings import current, fingerprint, keyed_sha256
from escalate._capture._stats import STATS

Text: TypeAlias = str | bytes
Headers: TypeAlias = Mapping[str, str] | Mapping[bytes, bytes] | Iterable[tuple[Text, Text]]

_EVENT_KEYS = ("type", "event", "eventType", "event_type")
_FAILURE_KEYS = ("error", "failure", "reason")
_TIMESTAMP = _schema.HEADER_TIMESTAMP.lower()
_SIGNATURE = _schema.HEADER_SIGNATURE.lower()


def _as_bytes(value: Text) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def verify_signature(secret: Text, timestamp: Text, raw_body: Text, signature: Text) -> bool:
    """True when `signature` is the hex HMAC-SHA256 of `"{timestamp}.{raw_body}"` under `secret`.

    Compared in constant time; a `sha256=` prefix and upper-case hex are tolerated.
    """
    if not secret or not timestamp or not signature:
        return False
    message = _as_bytes(timestamp) + b"." + _as_bytes(raw_body)
    expected = hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest().encode()
    given = _as_bytes(signature).strip().lower().removeprefix(b"sha256=")
    return hmac.compare_digest(expected, given)


def lower_headers(headers: Headers) -> dict[str, str]:
    """Headers as a `{lower-case name: value}` dict, from a mapping or ASGI/WSGI-style pairs."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    lowered: dict[str, str] = {}
    for name, value in items:
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        lowered[key.lower()] = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return lowered


def signature_outcome(headers: Mapping[str, str], raw_body: bytes, secret: Text | None) -> str:
    """`not_checked` without a secret, `missing` without both headers, else `valid`/`invalid`."""
    if not secret:
        return _schema.SIGNATURE_NOT_CHECKED
    timestamp, signature = headers.get(_TIMESTAMP), headers.get(_SIGNATURE)
    if not timestamp or not signature:
        return _schema.SIGNATURE_MISSING
    valid = verify_signature(secret, timestamp, raw_body, signature)
    return _schema.SIGNATURE_VALID if valid else _schema.SIGNATURE_INVALID


def build_webhook_record(
    *, receiver: str, route: str | None, headers: Mapping[str, str], raw_body: bytes,
    response_status: int | None, signature: str, received: float,
) -> dict[str, Any]:
    """Build the `kind: webhook` record of one receipt (docs/record-schema.md)."""
    body = _parse(raw_body)
    data = body.get("data") if isinstance(body, dict) else None
    lookup = _Lookup(body if isinstance(body, dict) else {}, data if isinstance(data, dict) else {})
    shaper = Shaper()
    event = _kept(shaper, lookup.first(_EVENT_KEYS), "event")
    return {
        "schema": _schema.SCHEMA,
        "kind": _schema.KIND_WEBHOOK,
        "ts": utc_timestamp(received),
        "pid": os.getpid(),
        "seq": next_seq(),
        "receiver": receiver,
        "route": None if route is None else shape_path(route),
        "event": event,
        "message_id": _kept(shaper, _message_id(lookup, body), "messageId"),
        "external_reference": external_reference(lookup.first(("externalReference",))),
        "sequence": _sequence(lookup.first(("sequence",))),
        "provider_message_ref": _kept(shaper, lookup.first(("providerMessageRef",)),
                                      "providerMessageRef"),
        "failure": _failure(shaper, lookup) if event == _schema.EVENT_FAILED else None,
        "signature": signature,
        "timestamp_skew_s": _skew(headers.get(_TIMESTAMP), received),
        "response_status": response_status,
        "body_size": len(raw_body),
        "body_sha256": keyed_sha256(raw_body),
        "parse_error": not isinstance(body, dict),
    }


def _kept(shaper: Shaper, value: Any, key: str) -> str | None:
    return None if value is None else shaper.string(str(value), key)


def external_reference(value: Any) -> str | None:
    """A webhook's `externalReference`: fingerprint, or verbatim when configured so."""
    if not isinstance(value, str):
        return None
    return value if current().keep_external_reference else fingerprint(value)


class _Lookup:
    """Find a member at the top level of a webhook body, then inside `data`."""

    def __init__(self, top: dict[str, Any], data: dict[str, Any]) -> None:
        self._scopes = (top, data)

    def first(self, keys: Iterable[str]) -> Any:
        for scope in self._scopes:
            for key in keys:
                if scope.get(key) is not None:
                    return scope[key]
        return None


def _parse(raw_body: bytes) -> Any:
    try:
        return orjson.loads(raw_body)
    except orjson.JSONDecodeError:
        return None


def _message_id(lookup: _Lookup, body: Any) -> Any:
    found = lookup.first(("messageId",))
    message = body.get("message") if isinstance(body, dict) else None
    if found is None and isinstance(message, dict):
        found = message.get("messageId")
    return found


def _sequence(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _failure(shaper: Shaper, lookup: _Lookup) -> Any:
    found = lookup.first(_FAILURE_KEYS)
    return None if found is None else shaper.shape(found, "failure", 1)


def _skew(timestamp: str | None, received: float) -> float | None:
    sent = parse_timestamp(timestamp)
    return None if sent is None else round(received - sent, 3)


def parse_timestamp(value: str | None) -> float | None:
    """Epoch seconds from a header in seconds, milliseconds or ISO 8601 (None if unreadable)."""
    if not value:
        return None
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        return _parse_iso(text)
    return number / 1000.0 if number > 1e11 else number


def _parse_iso(text: str) -> float | None:
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def record_webhook(
    headers: Headers, raw_body: Text, *, response_status: int | None, secret: Text | None = None,
) -> dict[str, Any]:
    """Record one webhook receipt and return the record written (`{}` if escalate failed)."""
    try:
        body = _as_bytes(raw_body)
        lowered = lower_headers(headers)
        record = build_webhook_record(
            receiver="record_webhook", route=None, headers=lowered, raw_body=body,
            response_status=response_status, signature=signature_outcome(lowered, body, secret),
            received=time.time(),
        )
    except Exception as exc:  # never raise into the receiver
        STATS.error("webhook", exc)
        return {}
    write_webhook_record(record)
    return record


def write_webhook_record(record: dict[str, Any]) -> None:
    """Hand a webhook record to the writer: written before returning when the receiver did not
    answer 2xx (or answered nothing), like a failed call's."""
    status = record.get("response_status")
    submit(record, urgent=not isinstance(status, int) or not 200 <= status < 300)
