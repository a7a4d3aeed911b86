"""Small hashable summaries of a call's request, counted per failure group.

The diagnosis asks questions such as "did `sendFrom` hold a phone number?" of many calls; a tuple
per distinct request shape answers them without keeping the calls.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from escalate._report._reading._records import CallRecord
from escalate._schema import STAGE_SEND, STAGE_TOKEN

E164 = "<e164>"
PHONE_NOT_E164 = "<phone:not_e164>"
E164_FINGERPRINTED = "<e164:"  #: `sendFrom` only: `<e164:fp_...>` (docs/record-schema.md)
SEND_KEYS = frozenset(
    {"sendFrom", "to", "messageType", "text", "media", "mediaUrls", "mediaUrl", "externalReference"}
)
REQUIRED_SEND_KEYS = ("sendFrom", "to", "messageType")
MEDIA_KEYS = ("media", "mediaUrls", "mediaUrl")
FORM = "application/x-www-form-urlencoded"


class SendShape(NamedTuple):
    """What a send request looked like, without its values."""

    parsed: bool  #: the body was a JSON object
    send_from_kind: str  #: `number_id`, `e164`, `phone`, `other`, `missing`
    send_from: str | None  #: the numberId when it was kept verbatim
    message_type: str | None
    has_media: bool
    has_text: bool
    recipients: int
    invalid_recipients: int
    missing_keys: tuple[str, ...]
    unknown_keys: tuple[str, ...]
    idempotency_present: bool | None
    #: the keyed fingerprint of an E.164 `sendFrom` (`<e164:fp_...>`), to match the numbers list
    send_from_fingerprint: str | None = None


class TokenRequestShape(NamedTuple):
    """What a token request looked like."""

    auth_scheme: str | None
    client_id_in_body: bool
    client_secret_in_body: bool
    grant_type: str | None
    content_type: str | None


class BearerShape(NamedTuple):
    """How any other call authenticated."""

    auth_scheme: str | None


Shape = SendShape | TokenRequestShape | BearerShape


def shape_of(call: CallRecord) -> Shape:
    """Return the request summary that fits the call's stage."""
    if call.stage == STAGE_SEND:
        return send_shape(call.payload, call.idempotency_present)
    if call.stage == STAGE_TOKEN:
        return _token_shape(call)
    return BearerShape(call.auth_scheme)


def send_shape(payload: Any, idempotency_present: bool | None) -> SendShape:
    """Summarise a send body's shape descriptor."""
    if not isinstance(payload, dict):
        return SendShape(
            False, "missing", None, None, False, False, 0, 0, (), (), idempotency_present
        )
    kind, number_id = _send_from(payload.get("sendFrom"))
    recipients, invalid = _recipients(payload.get("to"))
    message_type = payload.get("messageType")
    return SendShape(
        parsed=True,
        send_from_kind=kind,
        send_from=number_id,
        message_type=message_type if isinstance(message_type, str) else None,
        has_media=any(payload.get(key) not in (None, [], "<media:count=0>") for key in MEDIA_KEYS),
        has_text=payload.get("text") is not None,
        recipients=recipients,
        invalid_recipients=invalid,
        missing_keys=tuple(key for key in REQUIRED_SEND_KEYS if key not in payload),
        unknown_keys=tuple(sorted(key for key in payload if key not in SEND_KEYS)),
        idempotency_present=idempotency_present,
        send_from_fingerprint=_sender_fingerprint(payload.get("sendFrom")),
    )


def _send_from(value: Any) -> tuple[str, str | None]:
    if value is None:
        return "missing", None
    if value == E164 or _sender_fingerprint(value):
        return "e164", None
    if value == PHONE_NOT_E164:
        return "phone", None
    if isinstance(value, str) and not value.startswith("<"):
        return "number_id", value
    return "other", None


def _sender_fingerprint(value: Any) -> str | None:
    """`fp_...` of a `<e164:fp_...>` descriptor, else None."""
    if isinstance(value, str) and value.startswith(E164_FINGERPRINTED) and value.endswith(">"):
        return value[len(E164_FINGERPRINTED):-1]
    return None


def _recipients(value: Any) -> tuple[int, int]:
    if not isinstance(value, list):
        return 0, 0
    total = invalid = 0
    for item in value:
        if isinstance(item, str) and item.startswith("<+") and item.endswith(" more>"):
            total += _more_count(item)
            continue
        total += 1
        invalid += item != E164
    return total, invalid


def _more_count(item: str) -> int:
    digits = item[2:-6]
    return int(digits) if digits.isdigit() else 0


def _token_shape(call: CallRecord) -> TokenRequestShape:
    payload = call.payload if isinstance(call.payload, dict) else {}
    grant_type = payload.get("grant_type")
    return TokenRequestShape(
        auth_scheme=call.auth_scheme,
        client_id_in_body="client_id" in payload,
        client_secret_in_body="client_secret" in payload,
        grant_type=grant_type if isinstance(grant_type, str) else None,
        content_type=call.content_type,
    )


#: a token issued at most this long before a call was freshly acquired for it, in the guide's
#: sense ("was this a new token or a cached old one?"): the token of a run that acquired it and
#: then called whoami, numbers and send, or of a retry, not one kept from an earlier run
FRESH_WITHIN_S = 60.0


def token_class(token: dict[str, Any] | None) -> str:
    """Classify the bearer token a call used: `none`, `expired`, `fresh`, `valid`, `unknown`."""
    if token is None:
        return "none"
    if token.get("expired") is True or _aged_out(token):
        return "expired"
    age = token.get("age_s")
    recent = isinstance(age, (int, float)) and 0 <= age <= FRESH_WITHIN_S
    if token.get("fresh") is True or (recent and token.get("source") in ("acquired", "jwt")):
        return "fresh"
    if token.get("source") in ("acquired", "jwt") and token.get("expired") is False:
        return "valid"
    return "unknown"


def _aged_out(token: dict[str, Any]) -> bool:
    age, lifetime = token.get("age_s"), token.get("expires_in")
    numbers = (int, float)
    return isinstance(age, numbers) and isinstance(lifetime, numbers) and age > lifetime


def token_freshness_text(token: dict[str, Any] | None) -> str:
    """The guide's "was this a new token or a cached old one?", with the token's age and life.

    `yes (acquired 0.01 s before, expires in 3600 s)` for a token issued at most
    `FRESH_WITHIN_S` before the call (or its first CORE call), `no: cached, age 3712 s, expired` or
    `no: cached, age 120 s, expires in 3480 s` for an older one.
    """
    kind = token_class(token)
    if token is None:
        return "no bearer token sent"
    age, lifetime = token.get("age_s"), token.get("expires_in")
    numbers = (int, float)
    age_text = f"age {_seconds(age)} s" if isinstance(age, numbers) else "age unknown"
    left = (
        f"expires in {_seconds(lifetime - age)} s"
        if isinstance(age, numbers) and isinstance(lifetime, numbers)
        else "lifetime unknown"
    )
    if kind == "expired":
        return f"no: cached, {age_text}, expired"
    if kind == "fresh":
        before = f"acquired {_seconds(age)} s before" if isinstance(age, numbers) else age_text
        return f"yes ({before}, {left})"
    if kind == "valid":
        return f"no: cached, {age_text}, {left}"
    return f"unknown (token source {token.get('source', 'unknown')})"


def _seconds(value: float) -> str:
    """`0.004`, `0.01`, `2.5`, `3712`: two significant digits below 10 s, whole seconds above."""
    return f"{value:.2g}" if value < 10 else f"{value:.0f}"
