"""The redaction table and the one shaper that interprets it.

Redaction by allowlist: a JSON object key is shown only when it belongs to the API's schema, and a
string survives verbatim only under a key whose rule allows it and only when it looks like what
that rule expects. Everything else becomes a descriptor (docs/record-schema.md). The shaper also
remembers every string it did not keep, so what the server echoes back can be scrubbed of them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import parse_qsl

from escalate._capture import _settings
from escalate._capture._scan import phone_marker


class Rule(enum.Enum):
    """How a string under a key is shown."""

    ENUMERATION = "enumeration"  #: verbatim when short, word-like, with a letter
    CODE = "code"  #: an API error code (`INVALID_RECIPIENT`): verbatim when upper-case words
    IDENTIFIER = "identifier"  #: an id support needs (`messageId`): verbatim when id-like
    CLIENT_ID = "client_id"  #: the OAuth client id: an identifier, not a secret
    TEXT = "text"  #: message text: `<text:len=N>`
    MEDIA = "media"  #: media URLs: `<media:count=N>`
    REFERENCE = "reference"  #: `externalReference`: a fingerprint (verbatim by configuration)
    PLAIN = "plain"  #: anything else: a phone marker or `<str:len=N>`


#: The one redaction table: field name -> rule. A field not listed is `Rule.PLAIN`.
REDACTION: Final[Mapping[str, Rule]] = {
    "messageType": Rule.ENUMERATION,
    "grant_type": Rule.ENUMERATION,
    "status": Rule.ENUMERATION,
    "token_type": Rule.ENUMERATION,
    "apiClientStatus": Rule.ENUMERATION,
    "capabilities": Rule.ENUMERATION,
    "type": Rule.ENUMERATION,
    "event": Rule.ENUMERATION,
    "code": Rule.CODE,
    "error": Rule.CODE,
    "sendFrom": Rule.IDENTIFIER,
    "numberId": Rule.IDENTIFIER,
    "messageId": Rule.IDENTIFIER,
    "requestId": Rule.IDENTIFIER,
    "apiClientId": Rule.IDENTIFIER,
    "providerMessageRef": Rule.IDENTIFIER,
    "client_id": Rule.CLIENT_ID,
    "text": Rule.TEXT,
    "body": Rule.TEXT,
    "message": Rule.TEXT,
    "media": Rule.MEDIA,
    "mediaUrls": Rule.MEDIA,
    "mediaUrl": Rule.MEDIA,
    "externalReference": Rule.REFERENCE,
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

_VERBATIM: Final[Mapping[Rule, re.Pattern[str]]] = {
    Rule.ENUMERATION: re.compile(r"(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9_.:\-]{1,64}"),
    Rule.CODE: re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,63}"),
    Rule.IDENTIFIER: re.compile(r"[A-Za-z0-9_.:\-]{1,128}"),
    Rule.CLIENT_ID: re.compile(r"[A-Za-z0-9_.:@\-]{1,128}"),
}
MAX_ARRAY_ITEMS = 20
MAX_DEPTH = 32
#: A form body (the token request's) is shaped as a form, not parsed as JSON.
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


def rule_of(key: str | None) -> Rule:
    """The rule of a field (`Rule.PLAIN` when the table does not list it)."""
    return Rule.PLAIN if key is None else REDACTION.get(key, Rule.PLAIN)


def length(value: str) -> str:
    """`<str:len=N>`."""
    return f"<str:len={len(value)}>"


def reference(value: str) -> str:
    """How an `externalReference` is shown: a fingerprint, or verbatim when configured so."""
    if _settings.current().keep_external_reference:
        return value
    return f"<fp:{_settings.fingerprint(value)}>"


def apply_rule(rule: Rule, value: str, reference: Callable[[str], str] = reference) -> str:
    """How `value` is shown under `rule`; `reference` shows an `externalReference`."""
    if rule is Rule.TEXT:
        return f"<text:len={len(value)}>"
    if rule is Rule.MEDIA:
        return "<media:count=1>"
    marker = phone_marker(value)
    if marker is not None:
        return marker
    pattern = _VERBATIM.get(rule)
    if pattern is not None and pattern.fullmatch(value):
        return value
    return reference(value) if rule is Rule.REFERENCE else length(value)


class Shaper:
    """Shapes values by the table; `hidden` collects every string it did not show verbatim."""

    def __init__(self, reference: Callable[[str], str] = reference) -> None:
        self._reference = reference
        self.hidden: list[str] = []

    def string(self, value: str, key: str | None = None) -> str:
        """A string under `key`, as the table says."""
        shown = apply_rule(rule_of(key), value, self._reference)
        if shown != value:
            self.hidden.append(value)
        return shown

    def shape(self, value: Any, key: str | None = None, depth: int = 0) -> Any:
        """Shape a parsed JSON value found under `key`."""
        if isinstance(value, str):
            return self.string(value, key)
        if value is None or isinstance(value, bool | int | float):
            return _scalar(value)
        if depth >= MAX_DEPTH:
            return "<deep>"
        if isinstance(value, Mapping):
            return self._object(value, depth)
        if isinstance(value, list | tuple):
            return self._array(value, key, depth)
        return f"<{type(value).__name__}>"

    def key(self, name: Any, index: int) -> str:
        """An object key: itself when the schema knows it, else `<key#index>`."""
        if isinstance(name, str) and name in SCHEMA_KEYS:
            return name
        self.hidden.append(str(name))
        return f"<key#{index}>"

    def form(self, body: bytes) -> dict[str, Any]:
        """Shape a form-encoded body like an object of strings."""
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return {self.key(name, index): self.string(value, name)
                for index, (name, value) in enumerate(pairs)}

    def _object(self, value: Mapping[Any, Any], depth: int) -> dict[str, Any]:
        return {self.key(name, index): self.shape(item, str(name), depth + 1)
                for index, (name, item) in enumerate(value.items())}

    def _array(self, value: list[Any] | tuple[Any, ...], key: str | None, depth: int) -> Any:
        if rule_of(key) is Rule.MEDIA:
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
