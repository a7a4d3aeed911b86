"""The response summarizer: what the diagnosis needs from a parsed response body, by stage, every
string shown as the redaction table says, and the error fields of any JSON body.

Text the server wrote (an error message) is scrubbed of the request's own values first (`scrub`,
`escalate._capture._echo`), then of phone numbers and token-like runs (`_scan.scan_text`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from escalate import _schema
from escalate._capture import _scan
from escalate._capture._redaction import Shaper
from escalate._capture._settings import fingerprint

MAX_NUMBERS = 500
MAX_RESULTS = 500
MAX_ERRORS = 20
MAX_CAPABILITIES = 50
_COUNTS = ("total", "smsEnabledCount", "mmsEnabledCount")
_FLAGS = ("inboundWebhookConfigured", "deliveryWebhookConfigured")

Scrub = Callable[[str], str]


class ErrorFields(NamedTuple):
    """`request_id`, `error_code`, `error_message` of a record."""

    request_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None


NO_ERROR = ErrorFields()


class Summarizer:
    """Summaries and error fields of one response, shown by `shaper`, scrubbed by `scrub`."""

    __slots__ = ("_scrub", "_shaper")

    def __init__(self, shaper: Shaper, scrub: Scrub) -> None:
        self._shaper, self._scrub = shaper, scrub

    def kept(self, value: Any, key: str) -> str | None:
        """A value under `key` as the table shows it."""
        if type(value) is str:
            return self._shaper.string(value, key)
        return None if value is None else self._shaper.string(str(value), key)

    def echoed(self, value: Any, key: str) -> str | None:
        """A value of an error the server wrote, as the table shows it, scrubbed of the
        request's values."""
        kept = self.kept(value, key)
        return None if kept is None else self._scrub(kept)

    def message(self, value: Any) -> str | None:
        """Free text: scrubbed of the request's values, then of patterns, cut at 300."""
        return None if value is None else _scan.scan_text(self._scrub(str(value)))

    def error_fields(self, body: Any) -> ErrorFields:
        """From a CORE error wrapper or an OAuth error body (or a top-level `requestId`)."""
        if not isinstance(body, dict) or ("error" not in body and "requestId" not in body):
            return NO_ERROR
        error = body.get("error")
        code, message = None, None
        if isinstance(error, dict):
            code, message = error.get("code"), error.get("message")
        elif isinstance(error, str):
            code, message = error, body.get("error_description")
        return ErrorFields(self.echoed(body.get("requestId"), "requestId"),
                           self.echoed(code, "code"), self.message(message))

    def summary(self, stage: str, ok: bool, body: Any) -> dict[str, Any] | None:
        """The `response` field: what the diagnosis needs from this stage's body."""
        if not isinstance(body, dict):
            return None
        if stage == _schema.STAGE_SEND:
            return self._send(body)
        summarize = _SUCCESS_SUMMARIES.get(stage) if ok else None
        return None if summarize is None else summarize(self, body)

    def _token(self, body: dict[str, Any]) -> dict[str, Any]:
        token, expires_in = body.get("access_token"), body.get("expires_in")
        return {"token_type": self.kept(body.get("token_type"), "token_type"),
                "expires_in": expires_in if _is_int(expires_in) else None,
                "token_fingerprint": fingerprint(token) if isinstance(token, str) else None}

    def _whoami(self, body: dict[str, Any]) -> dict[str, Any]:
        summary: dict[str, Any] = {}
        if "apiClientId" in body:
            summary["apiClientId"] = self.kept(body["apiClientId"], "apiClientId")
        if isinstance(body.get("apiClientStatus"), str):
            summary["apiClientStatus"] = self.kept(body["apiClientStatus"], "apiClientStatus")
        if isinstance(body.get("capabilities"), list):
            summary["capabilities"] = [self.kept(item, "capabilities")
                                       for item in body["capabilities"][:MAX_CAPABILITIES]]
        summary.update(_counts(body.get("assignedNumbers")))
        summary.update({flag: body[flag] for flag in _FLAGS if isinstance(body.get(flag), bool)})
        return summary

    def _numbers(self, body: dict[str, Any]) -> dict[str, Any]:
        numbers = body.get("numbers")
        if not isinstance(numbers, list):
            return {"numbers": None}
        return {"numbers": [self._number(item) for item in numbers[:MAX_NUMBERS]
                            if isinstance(item, dict)]}

    def _number(self, item: dict[str, Any]) -> dict[str, Any]:
        e164 = item.get("e164")
        return {
            "numberId": self.kept(item.get("numberId"), "numberId"),
            "status": self.kept(item.get("status"), "status"),
            "smsEnabled": _bool_or_none(item.get("smsEnabled")),
            "mmsEnabled": _bool_or_none(item.get("mmsEnabled")),
            "campaignRegistered": bool(item.get("campaignRegId", item.get("campaignregId"))),
            "e164": _scan.phone_marker(e164) if isinstance(e164, str) else None,
            "e164_fingerprint": _sender_fingerprint(e164),
        }

    def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        results, errors = body.get("results"), body.get("errors")
        errors = errors if isinstance(errors, list) else []
        return {
            "results": [self._result(item) for item in results[:MAX_RESULTS]
                        if isinstance(item, dict)] if isinstance(results, list) else [],
            "errors_count": len(errors),
            "errors": [self._scrubbed(self._shaper.shape(item)) for item in errors[:MAX_ERRORS]],
        }

    def _result(self, item: dict[str, Any]) -> dict[str, Any]:
        to = item.get("to")
        return {"to": self.kept(to, "to") if isinstance(to, str) else None,
                "messageId": self.kept(item.get("messageId"), "messageId"),
                "status": self.kept(item.get("status"), "status")}

    def _scrubbed(self, shaped: Any) -> Any:
        if isinstance(shaped, str):
            return self._scrub(shaped)
        if isinstance(shaped, dict):
            return {key: self._scrubbed(value) for key, value in shaped.items()}
        if isinstance(shaped, list):
            return [self._scrubbed(value) for value in shaped]
        return shaped


_SUCCESS_SUMMARIES: dict[str, Callable[[Summarizer, dict[str, Any]], dict[str, Any]]] = {
    _schema.STAGE_TOKEN: Summarizer._token,
    _schema.STAGE_WHOAMI: Summarizer._whoami,
    _schema.STAGE_NUMBERS: Summarizer._numbers,
}


def _counts(counts: Any) -> dict[str, Any]:
    if not isinstance(counts, dict):
        return {}
    return {"assignedNumbers": {key: value for key, value in counts.items()
                                if key in _COUNTS and _is_int(value)}}


def _sender_fingerprint(e164: Any) -> str | None:
    """The keyed fingerprint of the client's own number when it is E.164: what a `sendFrom`
    holding that number fingerprints to (`<e164:fp_...>`), so the report can name its numberId."""
    if isinstance(e164, str) and _scan.phone_marker(e164) == _scan.E164_MARKER:
        return fingerprint(e164)
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bool_or_none(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None
