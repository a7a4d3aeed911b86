"""The redaction table and the one shaper that interprets it.

Redaction by allowlist: a JSON object key is shown only when it belongs to the API's schema, and a
string survives verbatim only under a key whose rule allows it and only when it looks like what
that rule expects. Everything else becomes a descriptor (docs/record-schema.md). The shaper also
remembers every string it did not keep, so what the server echoes back can be scrubbed of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final, NamedTuple
from urllib.parse import parse_qsl

from escalate._capture import _settings
from escalate._capture._scan import E164_MARKER, PHONE_CANDIDATE, phone_marker


def length(value: str) -> str:
    """`<str:len=N>`."""
    return f"<str:len={len(value)}>"


def sender_marker(value: str) -> str | None:
    """`<e164:fp_...>` for an E.164 sender number, another phone marker, or None."""
    marker = phone_marker(value)
    return f"<e164:{_settings.fingerprint(value)}>" if marker == E164_MARKER else marker


def reference(value: str) -> str:
    """How an `externalReference` is shown: a fingerprint, or verbatim when configured so."""
    if _settings.current().keep_external_reference:
        return value
    return f"<fp:{_settings.fingerprint(value)}>"


def _text(value: str) -> str:
    return f"<text:len={len(value)}>"


def _one_media(_value: str) -> str:
    return "<media:count=1>"


def _phone_or_length(value: str) -> str:
    return phone_marker(value) or length(value)


def _phone_or_reference(value: str) -> str:
    return phone_marker(value) or reference(value)


class _Verbatim:
    """A verbatim rule's way of showing a value: one match classifies it as maybe a phone
    number (`marker` decides), verbatim (the rule's pattern), or neither (`<str:len=N>`).

    A bound method, not a `functools.partial`: the interpreter calls it without re-entering
    itself from C (about 1 k instructions a string less).
    """

    __slots__ = ("_classify", "_marker", "_verbatim")

    def __init__(self, pattern: str, marker: Callable[[str], str | None]) -> None:
        self._classify = re.compile(f"(?P<phone>{PHONE_CANDIDATE})|(?:{pattern})").fullmatch
        self._verbatim = re.compile(pattern).fullmatch
        self._marker = marker

    def show(self, value: str) -> str:
        """`value` as the rule shows it."""
        match = self._classify(value)
        if match is None:
            return length(value)
        if match.lastgroup is None:  # the rule's own alternative matched
            return value
        return self._marker(value) or (value if self._verbatim(value) else length(value))


class Rule(NamedTuple):
    """How a string under a key is shown (`show`): verbatim when `verbatim` matches it whole
    (and it is not phone-like), else a descriptor."""

    name: str
    show: Callable[[str], str]
    verbatim: re.Pattern[str] | None = None


def verbatim_rule(name: str, pattern: str,
                  marker: Callable[[str], str | None] = phone_marker) -> Rule:
    """A rule that keeps a value matching `pattern` whole; a phone-like value gets its
    `marker` instead (`phone_marker` by default)."""
    return Rule(name, _Verbatim(pattern, marker).show, re.compile(pattern))


#: Verbatim when short, word-like, with a letter (`SMS`, `QUEUED`, `client_credentials`).
ENUMERATION = verbatim_rule("enumeration", r"(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9_.:\-]{1,64}")
#: An API error code (`INVALID_RECIPIENT`, `invalid_client`).
CODE = verbatim_rule("code", r"[A-Za-z][A-Za-z0-9_.\-]{0,63}")
_IDENTIFIER = r"[A-Za-z0-9_.:\-]{1,128}"
#: An id support needs (`messageId`, `numberId`).
IDENTIFIER = verbatim_rule("identifier", _IDENTIFIER)
#: The OAuth client id: an identifier, not a secret.
CLIENT_ID = verbatim_rule("client_id", r"[A-Za-z0-9_.:@\-]{1,128}")
TEXT = Rule("text", _text)  #: message text: `<text:len=N>`
MEDIA = Rule("media", _one_media)  #: media URLs: `<media:count=N>`
#: `externalReference`: a fingerprint (verbatim by configuration)
REFERENCE = Rule("reference", _phone_or_reference)
PLAIN = Rule("plain", _phone_or_length)  #: anything else: a phone marker or `<str:len=N>`
#: `sendFrom`: a numberId verbatim; an E.164 value `<e164:fp_...>`, keyed like every fingerprint,
#: so the report can tell which of the client's own numbers it was (never applied to `to`).
SENDER = verbatim_rule("sender", _IDENTIFIER, sender_marker)

#: The one redaction table: field name -> rule. A field not listed is `PLAIN`.
REDACTION: Final[Mapping[str, Rule]] = {
    "messageType": ENUMERATION,
    "grant_type": ENUMERATION,
    "status": ENUMERATION,
    "token_type": ENUMERATION,
    "apiClientStatus": ENUMERATION,
    "capabilities": ENUMERATION,
    "type": ENUMERATION,
    "event": ENUMERATION,
    "code": CODE,
    "error": CODE,
    "sendFrom": SENDER,
    "numberId": IDENTIFIER,
    "messageId": IDENTIFIER,
    "requestId": IDENTIFIER,
    "apiClientId": IDENTIFIER,
    "providerMessageRef": IDENTIFIER,
    "client_id": CLIENT_ID,
    "text": TEXT,
    "body": TEXT,
    "message": TEXT,
    "media": MEDIA,
    "mediaUrls": MEDIA,
    "mediaUrl": MEDIA,
    "externalReference": REFERENCE,
}

#: Object keys of the API's schema (docs/api-reference), shown as they are; any other key is
#: shown as `<key#N>`, its position.
SCHEMA_KEYS: Final = frozenset({
    *REDACTION, "to", "results", "errors", "details", "error_description", "numbers",
    "access_token", "expires_in", "scope", "client_secret", "assignedNumbers", "total",
    "smsEnabledCount", "mmsEnabledCount", "smsEnabled", "mmsEnabled", "campaignRegId", "e164",
    "city", "state", "npa", "apiClientName", "inboundWebhookConfigured",
    "deliveryWebhookConfigured", "webhookDeliveryOverride", "webhookInboundOverride", "field",
    "reason", "failure", "data", "sequence", "eventType", "event_type",
})

MAX_ARRAY_ITEMS = 20
MAX_DEPTH = 32
#: A form body (the token request's) is shaped as a form, not parsed as JSON.
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


class Shaper:
    """Shapes values by the table; `hidden` collects every string it did not show verbatim."""

    __slots__ = ("hidden",)

    def __init__(self) -> None:
        self.hidden: list[str] = []

    def string(self, value: str, key: Any = None) -> str:
        """A string under `key`, as the table says."""
        shown = REDACTION.get(key, PLAIN).show(value)
        if shown != value:
            self.hidden.append(value)
        return shown

    def shape(self, value: Any, key: str | None = None, depth: int = 0) -> Any:
        """Shape a parsed JSON value found under `key`."""
        kind = type(value)
        if kind is str:
            return self.string(value, key)
        if kind is dict or kind is list:
            if depth >= MAX_DEPTH:
                return "<deep>"
            return self._object(value, depth) if kind is dict else self._array(value, key, depth)
        return self._other(value, key, depth)

    def _other(self, value: Any, key: str | None, depth: int) -> Any:
        """Scalars, and values of other types (subclasses, tuples, mappings)."""
        if value is None or isinstance(value, bool | int | float):
            return _scalar(value)
        if isinstance(value, str):
            return self.string(str(value), key)
        if depth >= MAX_DEPTH:
            return "<deep>"
        if isinstance(value, Mapping):
            return self._object(value, depth)
        if isinstance(value, list | tuple):
            return self._array(value, key, depth)
        return f"<{type(value).__name__}>"

    def key(self, name: Any, index: int) -> str:
        """An object key: itself when the schema knows it, else `<key#index>` (the key is
        hidden: a value the echo scrubber looks for)."""
        if name in SCHEMA_KEYS and type(name) is str:
            return str(name)
        self.hidden.append(str(name))
        return f"<key#{index}>"

    def form(self, body: bytes) -> dict[str, Any]:
        """Shape a form-encoded body like an object of strings."""
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return {self.key(name, index): self.string(value, name)
                for index, (name, value) in enumerate(pairs)}

    def _object(self, value: Mapping[Any, Any], depth: int) -> dict[str, Any]:
        # A loop, not a comprehension, and `key` asked only of keys the schema does not know:
        # this runs for every object of every body (a comprehension is a call more).
        shaped: dict[str, Any] = {}
        string = self.string
        for index, (name, item) in enumerate(value.items()):
            shown = name if name in SCHEMA_KEYS and type(name) is str else self.key(name, index)
            shaped[shown] = string(item, name) if type(item) is str else self.shape(
                item, str(name), depth + 1)
        return shaped

    def _array(self, value: list[Any] | tuple[Any, ...], key: str | None, depth: int) -> Any:
        if key is not None and REDACTION.get(key) is MEDIA:
            return f"<media:count={len(value)}>"
        shaped = [self.shape(item, key, depth + 1) for item in value[:MAX_ARRAY_ITEMS]]
        if len(value) > MAX_ARRAY_ITEMS:
            shaped.append(f"<+{len(value) - MAX_ARRAY_ITEMS} more>")
        return shaped


def _scalar(value: bool | int | float | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "<bool>"
    return "<int>" if isinstance(value, int) else "<float>"


def shape_json(value: Any) -> Any:
    """Shape a parsed JSON value (object, array or scalar)."""
    return Shaper().shape(value)


def shape_form(body: bytes) -> dict[str, Any]:
    """Shape a form-encoded body."""
    return Shaper().form(body)
