"""A minimal urllib client for the sandbox's contract tests (no escalate capture involved)."""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

FORM = "application/x-www-form-urlencoded"
REQUEST_ID = re.compile(r"req_[a-z]+_[0-9]{3,}")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Server(Protocol):
    """A running sandbox as these helpers reach it: a `RedCloudSandbox`, or one in a process."""

    @property
    def base_url(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def client_secret(self) -> str: ...


@dataclass(frozen=True)
class Answer:
    """A response: status, parsed JSON body (None when empty) and headers."""

    status: int
    body: Any
    headers: dict[str, str]

    @property
    def code(self) -> str:
        """The CORE wrapper's `error.code`."""
        return str(self.body["error"]["code"])

    @property
    def message(self) -> str:
        """The CORE wrapper's `error.message`."""
        return str(self.body["error"]["message"])


def call(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 5.0,
) -> Answer:
    """Make one request and return the answer, whatever its status."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return _answer(response.status, response.read(), dict(response.headers.items()))
    except urllib.error.HTTPError as error:
        with error:
            return _answer(error.code, error.read(), dict(error.headers.items()))


def _answer(status: int, raw: bytes, headers: dict[str, str]) -> Answer:
    return Answer(status, json.loads(raw) if raw else None, headers)


def basic(client_id: str, client_secret: str) -> str:
    """An HTTP Basic Authorization value."""
    return "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()


def request_token(rc: Server, form: str, headers: dict[str, str] | None = None) -> Answer:
    """POST a token request with a form body (Content-Type form unless `headers` say otherwise)."""
    all_headers = {"Content-Type": FORM, **(headers or {})}
    return call("POST", rc.base_url + "/api/auth/token", headers=all_headers, body=form.encode())


def token(rc: Server) -> str:
    """Get a valid access token with form credentials."""
    credentials = f"client_id={rc.client_id}&client_secret={rc.client_secret}"
    answer = request_token(rc, "grant_type=client_credentials&" + credentials)
    assert answer.status == 200, answer
    return str(answer.body["access_token"])


def get(rc: Server, path: str, access_token: str | None, **kwargs: Any) -> Answer:
    """GET a CORE path with a bearer token (no Authorization header when the token is None)."""
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    return call("GET", rc.base_url + path, headers=headers, **kwargs)


def sms(**overrides: Any) -> dict[str, Any]:
    """A valid SMS send payload from the reference's example, with overrides."""
    payload: dict[str, Any] = {
        "sendFrom": "num_abc123",
        "to": ["+15551234567"],
        "messageType": "SMS",
        "text": "Hello from Red Cloud",
        "externalReference": "order_789",
    }
    payload.update(overrides)
    return payload


def send(
    rc: Server,
    access_token: str,
    payload: Any,
    key: str | None = "idem_order_789",
    **kwargs: Any,
) -> Answer:
    """POST a JSON send with an Idempotency-Key (none when `key` is None)."""
    headers = {"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    body = json.dumps(payload).encode()
    url = rc.base_url + "/api/core/messages/send"
    return call("POST", url, headers=headers, body=body, **kwargs)
