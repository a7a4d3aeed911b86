"""Fix-it for the send and webhook mistakes the guide names, besides `sendFrom`.

Each fix shows the failing request's shape as captured and the same request with one change
(a missing `Idempotency-Key`, SMS with media, MMS without media), or, where the mistake is in code
and not in one request (a new key on every retry, verification over re-serialized JSON), the
pattern that fixes it. Shapes only: no value capture did not keep.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from escalate._report._aggregation._shapes import SendShape, send_shape
from escalate._report._diagnosis.rules._package import payload_text, plural, representative_calls
from escalate._report._diagnosis.rules._select import Selected
from escalate._report._model import Fix

SEND = "POST /api/core/messages/send"
KEY_HEADER = "Idempotency-Key"
#: what the fix puts where the client's key belongs: a description, never a value
ONE_KEY = "<one key per business operation, stored before the first send, reused on retry>"

ONE_KEY_PER_OPERATION = f"""\
# one key per business operation (an order's confirmation SMS), stored with it before the
# first attempt: a retry is the same operation, so it sends the same key
key = operation.idempotency_key or operation.save_idempotency_key(str(uuid.uuid4()))
for attempt in range(MAX_ATTEMPTS):
    try:
        response = client.post("/api/core/messages/send", json=body,
                               headers={{"{KEY_HEADER}": key}})
        break
    except httpx.TimeoutException:
        continue  # the send may have been accepted: the same key makes the retry safe"""

RAW_BODY_VERIFICATION = """\
import hashlib
import hmac

def verified(request) -> bool:
    raw = request.body  # the exact bytes received: before any JSON parsing
    timestamp = request.headers.get("X-RedCloud-Timestamp")
    signature = request.headers.get("X-RedCloud-Signature")
    if not timestamp or not signature:
        return False
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + raw,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)  # only then: json.loads(raw)"""

RESERIALIZED_WAS = """\
event = json.loads(request.body)
expected = hmac.new(SECRET.encode(), f"{timestamp}.{json.dumps(event)}".encode(),
                    hashlib.sha256).hexdigest()  # re-serialized JSON: other bytes"""


def invalid_send_fix(groups: Selected) -> Fix | None:
    """The fix of the first example send of a 400 with a mistake the guide names, or None:
    a missing `Idempotency-Key`, then SMS with media, then MMS without media."""
    examples = [
        (call.payload, send_shape(call.payload, call.idempotency_present))
        for call in representative_calls(groups)
    ]
    for applies, fix in _SEND_FIXES:
        for payload, shape in examples:
            if applies(shape):
                return fix(payload, shape)
    return None


def new_key_per_retry_fix(attempts: int, keys: int, timeouts: int) -> Fix:
    """One business operation sent `attempts` times under `keys` different keys."""
    return Fix(
        field=f"{KEY_HEADER} header",
        was=(
            f"{SEND} x{attempts} for one business operation, under {keys} different "
            f"{KEY_HEADER} values ({plural(timeouts, 'attempt')} without an answer, "
            "retried under a new key)"
        ),
        should_be=ONE_KEY_PER_OPERATION,
        why=(
            f"A retry under a new {KEY_HEADER} is a new operation to the API, so each accepted "
            "attempt is a message. Create the key once per business operation, store it before "
            "the first send, and send the same key on every retry."
        ),
    )


def raw_body_verification_fix() -> Fix:
    """The handler verifies the HMAC over re-serialized JSON: verify over the raw bytes."""
    return Fix(
        field="webhook signature verification",
        was=RESERIALIZED_WAS,
        should_be=RAW_BODY_VERIFICATION,
        why=(
            "The signature is HMAC_SHA256(secret, timestamp + \".\" + raw body) over the body "
            "bytes exactly as received; parsed and re-serialized JSON has other bytes (spacing, "
            "key order, escapes), so a correctly signed webhook fails the check. Verify first, "
            "over the raw body, in constant time; parse the JSON after."
        ),
    )


def _missing_key(payload: Any, shape: SendShape) -> Fix:
    body = payload_text(payload)
    return Fix(
        field=f"{KEY_HEADER} header",
        was=f"{SEND}\n(no {KEY_HEADER} header)\n{body}",
        should_be=f"{SEND}\n{KEY_HEADER}: {ONE_KEY}\n{body}",
        why=(
            f"Every send needs an {KEY_HEADER} header; without it the API answers 400. Use one "
            "key per business operation, and reuse it when you retry that operation."
        ),
    )


def _sms_with_media(payload: Any, shape: SendShape) -> Fix:
    return _message_type_fix(
        payload, "MMS",
        "An SMS cannot carry media: send it as `MMS` (from a number with `mmsEnabled`), or "
        "drop the media.",
    )


def _mms_without_media(payload: Any, shape: SendShape) -> Fix:
    return _message_type_fix(
        payload, "SMS",
        "An MMS needs media: send text alone as `SMS`, or add the media to the MMS.",
    )


def _message_type_fix(payload: Any, message_type: str, why: str) -> Fix:
    return Fix(
        field="messageType",
        was=payload_text(payload),
        should_be=payload_text({**payload, "messageType": message_type}),
        why=why,
    )


_SEND_FIXES: tuple[tuple[Callable[[SendShape], bool], Callable[[Any, SendShape], Fix]], ...] = (
    (lambda shape: shape.parsed and shape.idempotency_present is False, _missing_key),
    (lambda shape: shape.message_type == "SMS" and shape.has_media, _sms_with_media),
    (lambda shape: shape.message_type == "MMS" and not shape.has_media, _mms_without_media),
)
