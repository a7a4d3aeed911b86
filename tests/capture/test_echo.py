"""What the server echoes back of the request never reaches a record, in any encoding."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote, quote_plus

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalate._capture._echo import MIN_ECHOED_LENGTH, EchoScrubber, forms

from ._drivers import DRIVER_IDS, DRIVERS, Call
from ._evidence import Evidence
from ._server import echo_server

API_KEY = "ak_canary+echo/7f=q"
SESSION = "sess canary&echo 42"
CLIENT_SECRET = 'cs_canary "echo" 9'
BASIC_PASSWORD = "pw_canary_echo_3"
TEXT = "Your code is 654321 \u00e9"
OTP = "778899"
REFERENCE = "order_canary_echo"
BEARER = "tok_canary_echo_5"
SECRETS = (API_KEY, SESSION, CLIENT_SECRET, BASIC_PASSWORD, TEXT, OTP, REFERENCE, BEARER)


def _every_form(value: str) -> set[str]:
    raw = value.encode()
    return {value, quote(value, safe=""), quote_plus(value), orjson.dumps(value).decode()[1:-1],
            base64.b64encode(raw).decode(), base64.b64encode(raw).decode().rstrip("=")}


def _calls(base: str) -> list[Call]:
    """One call per secret, so that each one's echo fits in the kept 300 characters."""
    basic = base64.b64encode(f"rc_client_echo:{BASIC_PASSWORD}".encode()).decode()
    token_form = {"grant_type": "client_credentials", "client_id": "rc_client_echo",
                  "client_secret": CLIENT_SECRET}
    send = base + "/api/core/messages/send"
    whoami = base + "/api/core/whoami"
    return [
        Call("POST", base + "/api/auth/token", form=token_form),
        Call("POST", base + "/api/auth/token", headers={"Authorization": f"Basic {basic}"},
             form={"grant_type": "client_credentials"}),
        Call("POST", send, json={"sendFrom": "num_1", "to": ["+15557654321"], "text": TEXT}),
        Call("POST", send, json={"sendFrom": "num_1", "code": OTP}),
        Call("POST", send, json={"externalReference": REFERENCE}),
        Call("GET", whoami, headers={"X-Api-Key": API_KEY}),
        Call("GET", whoami, headers={"Authorization": f"Bearer {BEARER}"}),
        Call("GET", base + f"/api/core/numbers?session={quote_plus(SESSION)}"),
    ]


@pytest.mark.parametrize("driver", DRIVERS, ids=DRIVER_IDS)
def test_echoed_request_values_are_scrubbed(driver: Any, evidence: Evidence) -> None:
    """A server quoting every request value (raw, URL-encoded, JSON-escaped, base64) in its error
    message: none of them is in the evidence; the message is kept, scrubbed."""
    with echo_server() as server:
        for call in _calls(server.base_url):
            driver.call(call)
    text = evidence.text()
    leaked = [form for secret in SECRETS for form in _every_form(secret) if form in text]
    assert leaked == []
    messages = [record["error_message"] for record in evidence.calls()]
    assert len(messages) == 8 and all("<redacted>" in message for message in messages)


def test_client_id_is_not_scrubbed(evidence: Evidence) -> None:
    """The client id is recorded verbatim, so an echo of it is not a leak and stays readable."""
    with echo_server() as server:
        DRIVERS[0].call(_calls(server.base_url)[0])
    assert "raw rc_client_echo" in evidence.last_call()["error_message"]


@given(st.text(min_size=MIN_ECHOED_LENGTH, max_size=30), st.text(max_size=20),
       st.text(max_size=20))
def test_every_form_of_a_value_is_replaced(value: str, before: str, after: str) -> None:
    """Wherever a form of a value stands in a text, the scrubbed text does not hold it."""
    scrub = EchoScrubber(lambda: [value])
    for form in forms(value):
        assert form not in scrub(before + form + after) or form in before + after
