"""Scrub what the server echoes back: every value the request carried and the record does not
show verbatim is replaced, in any of the forms a server may quote it in, before the pattern scan.

The client knows exactly what it sent; a server answering "Invalid API key: X" or echoing the
body must not put X into the evidence.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from urllib.parse import quote, quote_plus

import orjson

from escalate._capture._scan import TOKEN_MARKER

#: Values shorter than this are not scrubbed: they would match ordinary words and numbers of
#: any message (a one-time code is longer; the whole message text is one value).
MIN_ECHOED_LENGTH = 4


def forms(value: str) -> set[str]:
    """The forms a server may quote `value` in: raw, URL-encoded, JSON-escaped, base64."""
    raw = value.encode("utf-8", "surrogatepass")
    encoded = base64.b64encode(raw).decode()
    url_safe = base64.urlsafe_b64encode(raw).decode()
    found = {value, quote(value, safe=""), quote_plus(value), _json_escaped(value),
             encoded, encoded.rstrip("="), url_safe, url_safe.rstrip("=")}
    return {form for form in found if len(form) >= MIN_ECHOED_LENGTH}


def _json_escaped(value: str) -> str:
    return orjson.dumps(value).decode()[1:-1]


class EchoScrubber:
    """Replaces the forms of a set of request values in response text; the forms are worked
    out on the first text to scrub (most records have none)."""

    __slots__ = ("_forms", "_values")

    def __init__(self, values: Callable[[], Iterable[str]]) -> None:
        self._values = values
        self._forms: list[str] | None = None

    def __call__(self, text: str) -> str:
        """`text` with every form of every value replaced by `<redacted>`, longest first."""
        if self._forms is None:
            every: set[str] = set()
            for value in self._values():
                if len(value) >= MIN_ECHOED_LENGTH:
                    every |= forms(value)
            self._forms = sorted(every, key=len, reverse=True)
        for form in self._forms:
            if form in text:
                text = text.replace(form, TOKEN_MARKER)
        return text
