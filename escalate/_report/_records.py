"""Evidence records as typed values: one conversion from the JSON object of a line.

A record that does not match docs/record-schema.md raises `BrokenRecord` with the reason the
reader counts (`wrong_types`, `newer_schema`); nothing downstream sees a half-valid record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from escalate._schema import KIND_CALL, KIND_WEBHOOK, SCHEMA_NAME, SCHEMA_VERSION

REASON_WRONG_TYPES = "wrong_types"
REASON_NEWER_SCHEMA = "newer_schema"


class BrokenRecord(ValueError):
    """A candidate line that is not a usable record; `reason` is how the reader counts it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One outgoing API call (kind `call`), reduced to what the processor uses."""

    ts: str  #: canonical UTC timestamp `YYYY-MM-DDTHH:MM:SS.ffffffZ` (compares as text)
    stage: str
    method: str
    route: str
    status: int | None
    outcome: str
    exception: str | None
    request_id: str | None
    error_code: str | None
    error_message: str | None
    auth_scheme: str | None
    token: dict[str, Any] | None
    content_type: str | None
    payload: Any
    idempotency_present: bool | None
    idempotency_fingerprint: str | None
    operation: str | None
    response: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    """One webhook request a receiver got (kind `webhook`)."""

    ts: str
    route: str | None
    event: str | None
    message_id: str | None
    signature: str
    timestamp_skew_s: float | None
    response_status: int | None
    parse_error: bool


Record = CallRecord | WebhookRecord


def canonical_ts(value: object) -> str:
    """Return `value` as the canonical timestamp text, or raise `BrokenRecord`."""
    if not isinstance(value, str):
        raise BrokenRecord(REASON_WRONG_TYPES)
    if len(value) == 27 and value[10] == "T" and value[26] == "Z":
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BrokenRecord(REASON_WRONG_TYPES) from None
    return format_ts(parsed)


def format_ts(moment: datetime) -> str:
    """Format an aware (or naive UTC) datetime as the canonical timestamp text."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(value: str) -> datetime:
    """Parse a canonical timestamp back into an aware UTC datetime."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def record_from_object(obj: object) -> Record:
    """Convert the parsed JSON object of one line into a record, or raise `BrokenRecord`."""
    if not isinstance(obj, dict):
        raise BrokenRecord(REASON_WRONG_TYPES)
    _check_schema(obj.get("schema"))
    kind = obj.get("kind")
    if kind == KIND_CALL:
        return _call_from(obj)
    if kind == KIND_WEBHOOK:
        return _webhook_from(obj)
    raise BrokenRecord(REASON_WRONG_TYPES)


def _check_schema(schema: object) -> None:
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_NAME + "/"):
        raise BrokenRecord(REASON_WRONG_TYPES)
    version = schema[len(SCHEMA_NAME) + 1 :]
    if not version.isdigit():
        raise BrokenRecord(REASON_WRONG_TYPES)
    if int(version) > SCHEMA_VERSION:
        raise BrokenRecord(REASON_NEWER_SCHEMA)


def _call_from(obj: dict[str, Any]) -> CallRecord:
    auth = _optional(obj.get("auth"), dict)
    idempotency = _optional(obj.get("idempotency"), dict)
    status = obj.get("status")
    if status is not None and (type(status) is not int):
        raise BrokenRecord(REASON_WRONG_TYPES)
    return CallRecord(
        ts=canonical_ts(obj.get("ts")),
        stage=_required(obj.get("stage"), str),
        method=_required(obj.get("method"), str),
        route=_required(obj.get("route"), str),
        status=status,
        outcome=_required(obj.get("outcome"), str),
        exception=_optional(obj.get("exception"), str),
        request_id=_optional(obj.get("request_id"), str),
        error_code=_optional(obj.get("error_code"), str),
        error_message=_optional(obj.get("error_message"), str),
        auth_scheme=_optional(auth.get("scheme"), str) if auth else None,
        token=_optional(obj.get("token"), dict),
        content_type=_optional(obj.get("content_type"), str),
        payload=obj.get("payload"),
        idempotency_present=_optional(idempotency.get("present"), bool) if idempotency else None,
        idempotency_fingerprint=_optional(idempotency.get("fingerprint"), str)
        if idempotency
        else None,
        operation=_optional(obj.get("operation"), str),
        response=_optional(obj.get("response"), dict),
    )


def _webhook_from(obj: dict[str, Any]) -> WebhookRecord:
    skew = obj.get("timestamp_skew_s")
    if skew is not None and not isinstance(skew, (int, float)):
        raise BrokenRecord(REASON_WRONG_TYPES)
    response_status = obj.get("response_status")
    if response_status is not None and type(response_status) is not int:
        raise BrokenRecord(REASON_WRONG_TYPES)
    return WebhookRecord(
        ts=canonical_ts(obj.get("ts")),
        route=_optional(obj.get("route"), str),
        event=_optional(obj.get("event"), str),
        message_id=_optional(obj.get("message_id"), str),
        signature=_required(obj.get("signature"), str),
        timestamp_skew_s=None if skew is None else float(skew),
        response_status=response_status,
        parse_error=obj.get("parse_error") is True,
    )


def _required(value: Any, kind: type[Any]) -> Any:
    if not isinstance(value, kind):
        raise BrokenRecord(REASON_WRONG_TYPES)
    return value


def _optional(value: Any, kind: type[Any]) -> Any:
    if value is not None and not isinstance(value, kind):
        raise BrokenRecord(REASON_WRONG_TYPES)
    return value
