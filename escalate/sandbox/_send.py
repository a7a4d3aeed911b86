"""`POST /api/core/messages/send`: validation, idempotency and partial acceptance.

Checks run in this order (api-reference sections 2.5, 3, 4, 5); the first failure answers:

1. `Idempotency-Key` missing -> 400 INVALID_REQUEST.
2. `Content-Type` not `application/json`, or the body not a JSON object -> 400.
3. The key already stored for this client: same payload -> the stored 202 again (no new
   messages, no webhooks); a different payload -> 409 CONFLICT. Only accepted sends are
   stored, so an invalid request never consumes a key (key lifetime: NOT FOUND; the sandbox
   keeps keys for its whole life).
4. Body shape: `sendFrom` a string, `to` a non-empty array of strings, `messageType` `SMS` or
   `MMS`, `text`/`externalReference` strings when present, `media` a string or an array of
   strings when present (the media field name is NOT FOUND: the sandbox uses `media`).
5. `sendFrom` that looks like a phone number -> 400 INVALID_REQUEST "sendFrom must be a
   numberId" (NOT FOUND which status and code: the docs call it "an integration bug", so 400).
6. `sendFrom` unknown or owned by another client -> 403 FORBIDDEN.
7. Number not ACTIVE; SMS with media / MMS without media; number not enabled for the type;
   no campaign -> 400 INVALID_REQUEST each.
8. Recipients: E.164 ones are accepted (`QUEUED`), others land in `errors[]` as
   `{"to", "code": "INVALID_RECIPIENT", "message"}` (item shape NOT FOUND: chosen here). When no
   recipient is valid the whole request is 400 INVALID_REQUEST with the items in `details`.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from escalate._schema import HEADER_IDEMPOTENCY_KEY
from escalate.sandbox._http import JSON_TYPE, Reply, Request, core_error
from escalate.sandbox._model import SandboxNumber
from escalate.sandbox._state import SandboxState, StoredSend

E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_PHONE_LIKE = re.compile(r"\+?[0-9 ().\-]{7,}")
_MESSAGE_TYPES = ("SMS", "MMS")
ROUTE_NAME = "send"


@dataclass(frozen=True)
class AcceptedMessage:
    """One recipient's message that was queued; the webhook dispatcher takes it from here."""

    message_id: str
    to: str
    external_reference: str | None
    number: SandboxNumber


@dataclass(frozen=True)
class SendOutcome:
    """The reply to a send and the messages it newly queued (none for errors and replays)."""

    reply: Reply
    accepted: tuple[AcceptedMessage, ...] = ()


class _Rejected(Exception):
    """A validation failure carrying the CORE error to answer."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def _invalid(message: str, **details: Any) -> _Rejected:
    return _Rejected(400, "INVALID_REQUEST", message, details)


def handle_send(request: Request, state: SandboxState, client_id: str) -> SendOutcome:
    """Answer a send for an authenticated client; hold the state lock throughout."""
    with state.lock:
        try:
            return _send(request, state, client_id)
        except _Rejected as rejected:
            request_id = state.next_request_id(ROUTE_NAME)
            error = core_error(
                rejected.status, rejected.code, rejected.message, request_id, rejected.details
            )
            return SendOutcome(error)


def _send(request: Request, state: SandboxState, client_id: str) -> SendOutcome:
    key = request.header(HEADER_IDEMPOTENCY_KEY)
    if not key:
        raise _invalid("Idempotency-Key header is required")
    body = _json_object(request)
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"))
    stored = state.stored_send(client_id, key)
    if stored is not None:
        return SendOutcome(_replay(stored, payload))
    number = _validate(body, state, client_id)
    outcome = _accept(body, number)
    state.store_send(client_id, key, StoredSend(payload, outcome.reply))
    return outcome


def _replay(stored: StoredSend, payload: str) -> Reply:
    if stored.payload != payload:
        message = "Idempotency-Key was already used with a different payload"
        raise _Rejected(409, "CONFLICT", message, {})
    return stored.reply


def _json_object(request: Request) -> dict[str, Any]:
    if request.media_type != JSON_TYPE:
        raise _invalid("Content-Type must be application/json")
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise _invalid("Request body must be valid JSON") from None
    if not isinstance(body, dict):
        raise _invalid("Request body must be a JSON object")
    return body


def _validate(body: dict[str, Any], state: SandboxState, client_id: str) -> SandboxNumber:
    _check_shape(body)
    number = _sender(body["sendFrom"], state, client_id)
    _check_number(number, body["messageType"], _has_media(body))
    return number


def _check_shape(body: dict[str, Any]) -> None:
    if not isinstance(body.get("sendFrom"), str) or not body["sendFrom"]:
        raise _invalid("sendFrom must be a non-empty string", field="sendFrom")
    to = body.get("to")
    if not isinstance(to, list) or not to or not all(isinstance(item, str) for item in to):
        raise _invalid("to must be a non-empty array of strings", field="to")
    if body.get("messageType") not in _MESSAGE_TYPES:
        raise _invalid("messageType must be SMS or MMS", field="messageType")
    for name in ("text", "externalReference"):
        if name in body and not isinstance(body[name], str):
            raise _invalid(f"{name} must be a string", field=name)
    media = body.get("media")
    if media is not None and not _is_media(media):
        raise _invalid("media must be a URL string or an array of URL strings", field="media")


def _is_media(media: object) -> bool:
    if isinstance(media, str):
        return True
    return isinstance(media, list) and all(isinstance(item, str) for item in media)


def _has_media(body: dict[str, Any]) -> bool:
    return bool(body.get("media"))


def _sender(send_from: str, state: SandboxState, client_id: str) -> SandboxNumber:
    if _PHONE_LIKE.fullmatch(send_from) and sum(c.isdigit() for c in send_from) >= 7:
        raise _invalid("sendFrom must be a numberId", field="sendFrom")
    number = state.find_number(send_from)
    if number is None or state.owner_of(number) != client_id:
        raise _Rejected(403, "FORBIDDEN", "sendFrom is not owned by this API client", {})
    return number


def _check_number(number: SandboxNumber, message_type: str, has_media: bool) -> None:
    if number.status != "ACTIVE":
        raise _invalid("sendFrom number is not ACTIVE", status=number.status)
    if message_type == "SMS" and has_media:
        raise _invalid("SMS messages must not include media")
    if message_type == "MMS" and not has_media:
        raise _invalid("MMS messages require media")
    enabled = number.sms_enabled if message_type == "SMS" else number.mms_enabled
    if not enabled:
        raise _invalid(f"sendFrom is not enabled for {message_type}", messageType=message_type)
    if not number.campaign_reg_id:
        raise _invalid("sendFrom must have campaignregId configured")


def _accept(body: dict[str, Any], number: SandboxNumber) -> SendOutcome:
    valid = [to for to in body["to"] if E164.fullmatch(to)]
    errors = [_recipient_error(to) for to in body["to"] if not E164.fullmatch(to)]
    if not valid:
        raise _invalid("No valid recipients: every to[] entry must be E.164", errors=errors)
    reference = body.get("externalReference")
    accepted = tuple(
        AcceptedMessage("msg_" + secrets.token_hex(8), to, reference, number) for to in valid
    )
    results = [{"to": m.to, "messageId": m.message_id, "status": "QUEUED"} for m in accepted]
    return SendOutcome(Reply(202, {"results": results, "errors": errors}), accepted)


def _recipient_error(to: str) -> dict[str, str]:
    message = "Recipient must be an E.164 number such as +15551234567"
    return {"to": to, "code": "INVALID_RECIPIENT", "message": message}
