"""Names shared by capture and processing: the evidence record contract (docs/record-schema.md)."""

from __future__ import annotations

from typing import Final

SCHEMA_NAME: Final = "escalate.evidence"
SCHEMA_VERSION: Final = 1
SCHEMA: Final = f"{SCHEMA_NAME}/{SCHEMA_VERSION}"
KIND_CALL: Final = "call"
KIND_WEBHOOK: Final = "webhook"

ROUTE_TOKEN: Final = "/api/auth/token"
ROUTE_WHOAMI: Final = "/api/core/whoami"
ROUTE_NUMBERS: Final = "/api/core/numbers"
ROUTE_SEND: Final = "/api/core/messages/send"

STAGE_TOKEN: Final = "token"
STAGE_WHOAMI: Final = "whoami"
STAGE_NUMBERS: Final = "numbers"
STAGE_SEND: Final = "send"
STAGE_WEBHOOKS: Final = "webhooks"
STAGE_OTHER: Final = "other"
#: The troubleshooting guide's debugging order.
STAGES: Final = (STAGE_TOKEN, STAGE_WHOAMI, STAGE_NUMBERS, STAGE_SEND, STAGE_WEBHOOKS)

STAGE_BY_ROUTE: Final = {
    ROUTE_TOKEN: STAGE_TOKEN,
    ROUTE_WHOAMI: STAGE_WHOAMI,
    ROUTE_NUMBERS: STAGE_NUMBERS,
    ROUTE_SEND: STAGE_SEND,
}

OUTCOME_OK: Final = "ok"
OUTCOME_HTTP_ERROR: Final = "http_error"
OUTCOME_TIMEOUT: Final = "timeout"
OUTCOME_CONNECTION_ERROR: Final = "connection_error"
OUTCOME_ERROR: Final = "error"
OUTCOMES: Final = (
    OUTCOME_OK,
    OUTCOME_HTTP_ERROR,
    OUTCOME_TIMEOUT,
    OUTCOME_CONNECTION_ERROR,
    OUTCOME_ERROR,
)

SIGNATURE_VALID: Final = "valid"
SIGNATURE_INVALID: Final = "invalid"
SIGNATURE_MISSING: Final = "missing"
SIGNATURE_NOT_CHECKED: Final = "not_checked"
SIGNATURE_OUTCOMES: Final = (
    SIGNATURE_VALID,
    SIGNATURE_INVALID,
    SIGNATURE_MISSING,
    SIGNATURE_NOT_CHECKED,
)

EVENT_QUEUED: Final = "message.queued"
EVENT_SENT: Final = "message.sent"
EVENT_DELIVERY: Final = "message.delivery"
EVENT_FAILED: Final = "message.failed"
EVENT_INBOUND: Final = "message.inbound"
#: Events that follow an accepted send (message.queued alone says nothing new).
LIFECYCLE_EVENTS: Final = (EVENT_SENT, EVENT_DELIVERY, EVENT_FAILED)

HEADER_TIMESTAMP: Final = "X-RedCloud-Timestamp"
HEADER_SIGNATURE: Final = "X-RedCloud-Signature"
HEADER_IDEMPOTENCY_KEY: Final = "Idempotency-Key"


def stage_for_route(route: str) -> str:
    """Return the debugging stage a route belongs to (`other` for any route outside the guide)."""
    return STAGE_BY_ROUTE.get(route.rstrip("/") or "/", STAGE_OTHER)


#: The fields of docs/record-schema.md, by kind: what a bundle's evidence.jsonl ships (a log line
#: may carry more, e.g. a service's structlog context; those keys are left out).
COMMON_FIELDS: Final = ("schema", "kind", "ts", "pid", "seq")
CALL_FIELDS: Final = (
    *COMMON_FIELDS, "client", "method", "host", "client_id", "route", "stage", "duration_ms",
    "status",
    "outcome", "exception", "request_id", "error_code", "error_message", "auth", "token",
    "content_type", "payload", "idempotency", "operation", "response",
)  # fmt: skip
WEBHOOK_FIELDS: Final = (
    *COMMON_FIELDS, "receiver", "route", "event", "message_id", "external_reference", "sequence",
    "provider_message_ref", "failure", "signature", "timestamp_skew_s", "response_status",
    "body_size", "body_sha256", "parse_error",
)  # fmt: skip
#: each kind's fields in the order docs/record-schema.md lists them
FIELDS_BY_KIND: Final = {KIND_CALL: CALL_FIELDS, KIND_WEBHOOK: WEBHOOK_FIELDS}
