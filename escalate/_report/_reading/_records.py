"""Evidence records as typed values: one conversion from the JSON object of a line.

A record that does not match docs/record-schema.md raises `BrokenRecord` with the reason the
reader counts (`wrong_types`, `newer_schema`); nothing downstream sees a half-valid record.

Records are immutable and slotted, but `NamedTuple`s rather than frozen dataclasses: a frozen
dataclass's `__init__` sets each field through `object.__setattr__`, measured at 6 us for an
18-field record against 0.7 us for a NamedTuple; at ~340,000 records per GB of mixed log that
alone is 2 s, half of parsing every line with orjson.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Final, NamedTuple

from escalate._schema import KIND_CALL, KIND_WEBHOOK, SCHEMA, SCHEMA_NAME, SCHEMA_VERSION

REASON_WRONG_TYPES = "wrong_types"
REASON_NEWER_SCHEMA = "newer_schema"
#: A record's timestamp is a real date of these years: arithmetic on it (a delivery grace, a
#: timeline slice, `--since`) cannot leave what `datetime` holds (year 1 and 9999 crashed it).
MIN_YEAR: Final = 1970
MAX_YEAR: Final = 2999
#: The canonical timestamp text, months' lengths checked (29 February takes the slow path, which
#: parses it). The fast path (`_aggregation/_fast_path.py`) checks a timestamp whole when its
#: second is new, and only the fraction's digits while the second lasts (a whole check per
#: record cost it 20% CPU).
_CANONICAL_TS_RE: Final = re.compile(
    r"(?:19[7-9][0-9]|2[0-9]{3})-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z"
)
#: Records are at most 32 levels deep when captured (deeper becomes `<deep>`); a deeper one is
#: another writer's, and orjson cannot write one 255 levels deep back out.
MAX_DEPTH: Final = 64
_TEXT_OR_NULL: Final = (str, type(None))


class BrokenRecord(ValueError):
    """A candidate line that is not a usable record; `reason` is how the reader counts it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CallRecord(NamedTuple):
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
    host: str | None = None  #: `host[:port]` the call went to
    client_id: str | None = None  #: the token request's `client_id` (an identifier, not a secret)


class WebhookRecord(NamedTuple):
    """One webhook request a receiver got (kind `webhook`)."""

    ts: str
    route: str | None
    event: str | None
    message_id: str | None
    signature: str
    timestamp_skew_s: float | None
    response_status: int | None
    parse_error: bool
    #: the send's externalReference: a fingerprint `fp_...`, or verbatim when kept
    external_reference: str | None


Record = CallRecord | WebhookRecord


def canonical_ts(value: object) -> str:
    """Return `value` as the canonical timestamp text, or raise `BrokenRecord`."""
    if not isinstance(value, str):
        raise BrokenRecord(REASON_WRONG_TYPES)
    if _CANONICAL_TS_RE.fullmatch(value):
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise BrokenRecord(REASON_WRONG_TYPES) from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise BrokenRecord(REASON_WRONG_TYPES)
    return format_ts(parsed)


def is_canonical_ts(value: str) -> bool:
    """Whether `value` is the canonical text of a real date from MIN_YEAR to MAX_YEAR."""
    return _CANONICAL_TS_RE.fullmatch(value) is not None


def within_depth(value: object, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` nests lists and objects at most `limit` levels deep."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if type(item) is dict else item if type(item) is list else ()
        for child in children:
            if type(child) is dict or type(child) is list:
                if depth >= limit:
                    return False
                pending.append((child, depth + 1))
    return True


def format_ts(moment: datetime) -> str:
    """Format an aware (or naive UTC) datetime as the canonical timestamp text."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(value: str) -> datetime:
    """Parse a canonical timestamp back into an aware UTC datetime.

    A fraction that is not six ASCII digits counts as none: within a second the fast path checks
    `isdigit` (true for other scripts' digits too), not each character.
    """
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


def record_from_object(obj: object) -> Record:
    """Convert the parsed JSON object of one line into a record, or raise `BrokenRecord`."""
    if type(obj) is not dict:
        raise BrokenRecord(REASON_WRONG_TYPES)
    if obj.get("schema") != SCHEMA:
        _check_schema(obj.get("schema"))
    if not within_depth(obj):
        raise BrokenRecord(REASON_WRONG_TYPES)
    kind = obj.get("kind")
    try:
        if kind == KIND_CALL:
            return _call_from(obj)
        if kind == KIND_WEBHOOK:
            return _webhook_from(obj)
    except (TypeError, AttributeError):
        raise BrokenRecord(REASON_WRONG_TYPES) from None
    raise BrokenRecord(REASON_WRONG_TYPES)


def _check_schema(schema: object) -> None:
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_NAME + "/"):
        raise BrokenRecord(REASON_WRONG_TYPES)
    version = schema[len(SCHEMA_NAME) + 1 :]
    if not version.isdigit():
        raise BrokenRecord(REASON_WRONG_TYPES)
    if int(version) > SCHEMA_VERSION:
        raise BrokenRecord(REASON_NEWER_SCHEMA)


_new = tuple.__new__


def _call_from(obj: dict[str, Any]) -> CallRecord:
    get: Any = obj.get
    ts, stage, method, route = get("ts"), get("stage"), get("method"), get("route")
    status, outcome, auth, token = get("status"), get("outcome"), get("auth"), get("token")
    idempotency, response = get("idempotency"), get("response")
    ts = canonical_ts(ts)
    if (
        type(stage) is not str or type(method) is not str or type(route) is not str
        or type(outcome) is not str or (status is not None and type(status) is not int)
        or (token is not None and type(token) is not dict)
        or (response is not None and type(response) is not dict)
    ):  # fmt: skip
        raise BrokenRecord(REASON_WRONG_TYPES)
    texts = (
        get("exception"), get("request_id"), get("error_code"), get("error_message"),
        auth.get("scheme") if auth else None, get("content_type"),
        idempotency.get("fingerprint") if idempotency else None, get("operation"),
    )  # fmt: skip
    for text in texts:
        if text is not None and type(text) is not str:
            raise BrokenRecord(REASON_WRONG_TYPES)
    if not ids_are_texts(token, response):
        raise BrokenRecord(REASON_WRONG_TYPES)
    present = idempotency.get("present") if idempotency else None
    if present is not None and type(present) is not bool:
        raise BrokenRecord(REASON_WRONG_TYPES)
    exception, request_id, code, message, scheme, content_type, key, operation = texts
    # context only, not checked: the fast path, which skips them, must not accept more than this
    host, client = _text_or_none(get("host")), _text_or_none(get("client_id"))
    return _new(CallRecord, (
        ts, stage, method, route, status, outcome, exception, request_id, code, message, scheme,
        token, content_type, get("payload"), present, key, operation, response, host, client,
    ))  # fmt: skip


def _text_or_none(value: object) -> str | None:
    return value if type(value) is str else None


def ids_are_texts(token: dict[str, Any] | None, response: dict[str, Any] | None) -> bool:
    """The ids the report keys sets and maps on are strings or null (a list is unhashable): the
    token's fingerprint and every `results[].messageId` of a send's response."""
    if token is not None and type(token.get("fingerprint")) not in _TEXT_OR_NULL:
        return False
    results = response.get("results") if response is not None else None
    if type(results) is not list:
        return True
    return all(
        type(item) is not dict or type(item.get("messageId")) in _TEXT_OR_NULL for item in results
    )


def _webhook_from(obj: dict[str, Any]) -> WebhookRecord:
    get: Any = obj.get
    ts, route, event, message_id = get("ts"), get("route"), get("event"), get("message_id")
    signature, skew, status = get("signature"), get("timestamp_skew_s"), get("response_status")
    reference = get("external_reference")
    ts = canonical_ts(ts)
    if (
        type(signature) is not str or (status is not None and type(status) is not int)
        or (event is not None and type(event) is not str)
        or (message_id is not None and type(message_id) is not str)
        or (route is not None and type(route) is not str)
        or (reference is not None and type(reference) is not str)
    ):  # fmt: skip
        raise BrokenRecord(REASON_WRONG_TYPES)
    if skew is not None and type(skew) is not float:
        if type(skew) is not int:
            raise BrokenRecord(REASON_WRONG_TYPES)
        skew = float(skew)
    return _new(WebhookRecord, (
        ts, route, event, message_id, signature, skew, status, get("parse_error") is True,
        reference,
    ))  # fmt: skip
