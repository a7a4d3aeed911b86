"""Build valid evidence records (docs/record-schema.md) as dicts and write them as JSON lines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

from escalate._schema import SCHEMA, stage_for_route

T0 = datetime(2026, 11, 27, 10, 0, 0, tzinfo=timezone.utc)
TOKEN_FP = "fp_aaaaaaaaaaaa"
SEND_BODY = {
    "sendFrom": "num_abc123",
    "to": ["<e164>"],
    "messageType": "SMS",
    "text": "<text:len=5>",
}
NUMBERS = [
    {
        "numberId": "num_abc123",
        "status": "ACTIVE",
        "smsEnabled": True,
        "mmsEnabled": False,
        "campaignRegistered": True,
        "e164": "<e164>",
    },
]


def ts(seconds: float = 0.0) -> str:
    """The canonical timestamp `seconds` after T0."""
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def referenced(reference: str) -> dict[str, Any]:
    """A send body's shape carrying an externalReference (`<fp:fp_...>`, or a verbatim value)."""
    return {**SEND_BODY, "externalReference": reference}


def token_info(age: float = 120.0, expires_in: int = 3600, fresh: bool = False) -> dict[str, Any]:
    """The `token` member of a call made with an acquired bearer token."""
    return {
        "fingerprint": TOKEN_FP,
        "source": "acquired",
        "age_s": age,
        "expires_in": expires_in,
        "fresh": fresh,
        "expired": age > expires_in,
    }


def call(route: str, status: int | None = 200, at: float = 0.0, **fields: Any) -> dict[str, Any]:
    """A `call` record; `fields` override any member."""
    outcome = "ok" if status is not None and status < 400 else "http_error"
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "kind": "call",
        "ts": ts(at),
        "pid": 1,
        "seq": 1,
        "client": "httpx",
        "method": "GET" if route in ("/api/core/whoami", "/api/core/numbers") else "POST",
        "host": "127.0.0.1:8000",
        "route": route,
        "stage": stage_for_route(route),
        "duration_ms": 3.5,
        "status": status,
        "outcome": outcome if status is not None else "timeout",
        "exception": None if status is not None else "ReadTimeout",
        "request_id": None,
        "error_code": None,
        "error_message": None,
        "auth": {"scheme": "bearer", "fingerprint": TOKEN_FP},
        "token": token_info(),
        "content_type": None,
        "payload": None,
        "idempotency": None,
        "operation": None,
        "response": None,
    }
    record.update(fields)
    return record


def token_call(status: int = 200, at: float = 0.0, **fields: Any) -> dict[str, Any]:
    """A token request (form-encoded, Basic auth)."""
    response = {"token_type": "bearer", "expires_in": 3600, "token_fingerprint": TOKEN_FP}
    base = {
        "auth": {"scheme": "basic", "fingerprint": "fp_client00000"},
        "token": None,
        "content_type": "application/x-www-form-urlencoded",
        "payload": {"grant_type": "client_credentials"},
        "response": response if status == 200 else None,
    }
    return call("/api/auth/token", status, at, **{**base, **fields})


def whoami_call(at: float = 0.0, delivery: bool = True, **fields: Any) -> dict[str, Any]:
    """A successful whoami."""
    response = {
        "apiClientId": "rc_test_client_123",
        "apiClientStatus": "ACTIVE",
        "deliveryWebhookConfigured": delivery,
        "inboundWebhookConfigured": True,
    }
    return call("/api/core/whoami", 200, at, **{"response": response, **fields})


def numbers_call(at: float = 0.0, numbers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A successful numbers list."""
    return call("/api/core/numbers", 200, at, response={"numbers": numbers or NUMBERS})


def send_call(
    status: int | None = 202,
    at: float = 0.0,
    message_id: str | None = "msg_1",
    operation: str = "fp_op000000001",
    key: str = "fp_key00000001",
    **fields: Any,
) -> dict[str, Any]:
    """A send; 202 gives `message_id`, an error status gives a CORE error wrapper."""
    accepted = status == 202 and message_id is not None
    results = [{"to": "<e164>", "messageId": message_id, "status": "QUEUED"}] if accepted else []
    base: dict[str, Any] = {
        "content_type": "application/json",
        "payload": dict(SEND_BODY),
        "idempotency": {"present": True, "fingerprint": key},
        "operation": operation,
        "response": {"results": results, "errors_count": 0, "errors": []}
        if status is not None
        else None,
    }
    return call("/api/core/messages/send", status, at, **{**base, **fields})


def webhook(
    event: str = "message.sent",
    message_id: str = "msg_1",
    at: float = 0.0,
    signature: str = "valid",
    response_status: int = 200,
    **fields: Any,
) -> dict[str, Any]:
    """A webhook receipt record."""
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "kind": "webhook",
        "ts": ts(at),
        "pid": 2,
        "seq": 1,
        "receiver": "asgi",
        "route": "/webhooks/redcloud",
        "event": event,
        "message_id": message_id,
        "external_reference": None,
        "sequence": 1,
        "provider_message_ref": None,
        "failure": None,
        "signature": signature,
        "timestamp_skew_s": 0.2,
        "response_status": response_status,
        "body_size": 120,
        "body_sha256": "0" * 64,
        "parse_error": False,
    }
    record.update(fields)
    return record


def healthy_run(at: float = 0.0, message_id: str = "msg_1") -> list[dict[str, Any]]:
    """token -> whoami -> numbers -> send -> sent + delivery webhooks."""
    return [
        token_call(at=at),
        whoami_call(at=at + 1),
        numbers_call(at=at + 2),
        send_call(at=at + 3, message_id=message_id),
        webhook("message.sent", message_id, at=at + 5),
        webhook("message.delivery", message_id, at=at + 9),
    ]


def write_log(path: Path, records: Iterable[dict[str, Any] | bytes | str]) -> Path:
    """Write records (dicts) and raw lines (bytes/str) as one log file."""
    with path.open("wb") as handle:
        for item in records:
            if isinstance(item, dict):
                handle.write(orjson.dumps(item) + b"\n")
            elif isinstance(item, str):
                handle.write(item.encode() + b"\n")
            else:
                handle.write(item + b"\n")
    return path
