"""`POST /api/auth/token`: the OAuth 2 client_credentials grant (api-reference section 1).

The reference does not give the status of each OAuth error (NOT FOUND). The sandbox follows
RFC 6749 section 5.2: `invalid_request` and `unsupported_grant_type` are 400, `invalid_client`
is 401, `server_error` is 500 (502 for an upstream fault). A request whose `grant_type` is
missing counts as an unsupported grant. Success is 200 (the reference says "presumably 200").
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs

from escalate.sandbox._http import FORM_TYPE, Reply, Request, oauth_error
from escalate.sandbox._state import SandboxState

GRANT_TYPE = "client_credentials"
_FORM_REQUIRED = "Token requests must be application/x-www-form-urlencoded"
_CREDENTIALS_REQUIRED = "client_id and client_secret are required"
_CLIENT_FAILED = "Client authentication failed"
_GRANT_UNSUPPORTED = "Only client_credentials is supported"

#: Sentinel for a Basic header that is present but cannot be decoded.
_MALFORMED = ("", "")


def handle_token(request: Request, state: SandboxState) -> Reply:
    """Answer a token request: validate shape, grant and credentials, then issue a token."""
    if request.media_type != FORM_TYPE:
        return oauth_error(400, "invalid_request", _FORM_REQUIRED)
    form = _parse_form(request.body)
    if form is None:
        return oauth_error(400, "invalid_request", _FORM_REQUIRED)
    if form.get("grant_type") != GRANT_TYPE:
        return oauth_error(400, "unsupported_grant_type", _GRANT_UNSUPPORTED)
    credentials = _credentials(request, form)
    if credentials is None:
        return oauth_error(400, "invalid_request", _CREDENTIALS_REQUIRED)
    if credentials is _MALFORMED or not state.credentials_match(*credentials):
        return oauth_error(401, "invalid_client", _CLIENT_FAILED)
    if state.faults.inactive_client:
        return oauth_error(401, "invalid_client", _CLIENT_FAILED)
    return _issue(state, credentials[0])


def _issue(state: SandboxState, client_id: str) -> Reply:
    token, lifetime = state.issue_token(client_id)
    body = {"access_token": token, "token_type": "bearer", "expires_in": lifetime}
    return Reply(200, body, {"Cache-Control": "no-store"})


def _parse_form(body: bytes) -> dict[str, str] | None:
    """Return the form's fields (first value of each), or None when it is not form text."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    fields = parse_qs(text, keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def _credentials(request: Request, form: dict[str, str]) -> tuple[str, str] | None:
    """Return (client_id, client_secret) from HTTP Basic, else from the form; None if absent.

    A Basic header wins over form fields; one that cannot be decoded gives `_MALFORMED`.
    """
    authorization = request.header("authorization")
    if authorization and authorization.split(" ", 1)[0].lower() == "basic":
        return _decode_basic(authorization)
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    if not client_id or not client_secret:
        return None
    return client_id, client_secret


def _decode_basic(authorization: str) -> tuple[str, str]:
    parts = authorization.split(" ", 1)
    if len(parts) != 2:
        return _MALFORMED
    try:
        decoded = base64.b64decode(parts[1].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return _MALFORMED
    client_id, colon, client_secret = decoded.partition(":")
    return (client_id, client_secret) if colon else _MALFORMED
