"""Contract of `POST /api/auth/token` (api-reference section 1)."""

from __future__ import annotations

import json

import pytest

from escalate.sandbox import RedCloudSandbox

from ._api import FORM, basic, call, request_token

GRANT = "grant_type=client_credentials"
BODY_CREDENTIALS = "client_id=rc_test_client_123&client_secret=rc_secret_abc123"


def test_basic_credentials_issue_a_bearer_token(redcloud: RedCloudSandbox) -> None:
    """HTTP Basic credentials with a form grant get 200 and a bearer token."""
    answer = request_token(redcloud, GRANT, {"Authorization": basic(*_pair(redcloud))})
    assert answer.status == 200
    assert answer.body["token_type"] == "bearer"
    assert answer.body["expires_in"] == 3600
    assert answer.body["access_token"].startswith("rc_tok_")


def test_form_credentials_issue_a_token(redcloud: RedCloudSandbox) -> None:
    """Credentials as form fields work as well as Basic."""
    answer = request_token(redcloud, f"{GRANT}&{BODY_CREDENTIALS}")
    assert answer.status == 200
    assert set(answer.body) == {"access_token", "token_type", "expires_in"}


def test_every_token_is_new(redcloud: RedCloudSandbox) -> None:
    """Two token requests get two different opaque tokens."""
    first = request_token(redcloud, f"{GRANT}&{BODY_CREDENTIALS}").body["access_token"]
    second = request_token(redcloud, f"{GRANT}&{BODY_CREDENTIALS}").body["access_token"]
    assert first != second


def test_json_body_is_invalid_request(redcloud: RedCloudSandbox) -> None:
    """A JSON token request is 400 invalid_request (the docs require form encoding)."""
    body = json.dumps(
        {
            "grant_type": "client_credentials",
            "client_id": "rc_test_client_123",
            "client_secret": "rc_secret_abc123",
        }
    ).encode()
    answer = call(
        "POST",
        redcloud.base_url + "/api/auth/token",
        headers={"Content-Type": "application/json"},
        body=body,
    )
    assert (answer.status, answer.body["error"]) == (400, "invalid_request")
    assert answer.body["error_description"]


@pytest.mark.parametrize(
    "grant", ["grant_type=password", "grant_type=", ""], ids=["password", "empty", "none"]
)
def test_other_grants_are_unsupported(redcloud: RedCloudSandbox, grant: str) -> None:
    """Any grant but client_credentials is 400 unsupported_grant_type."""
    answer = request_token(redcloud, f"{grant}&{BODY_CREDENTIALS}")
    assert answer.status == 400
    assert answer.body == {
        "error": "unsupported_grant_type",
        "error_description": "Only client_credentials is supported",
    }


@pytest.mark.parametrize(
    "form", [GRANT, f"{GRANT}&client_id=rc_test_client_123"], ids=["no-credentials", "no-secret"]
)
def test_missing_credentials_are_invalid_request(redcloud: RedCloudSandbox, form: str) -> None:
    """Missing client_id or client_secret is 400 invalid_request with the documented text."""
    answer = request_token(redcloud, form)
    assert answer.status == 400
    assert answer.body == {
        "error": "invalid_request",
        "error_description": "client_id and client_secret are required",
    }


@pytest.mark.parametrize(
    "headers,form",
    [
        ({"Authorization": basic("rc_test_client_123", "nope")}, GRANT),
        ({"Authorization": basic("someone_else", "rc_secret_abc123")}, GRANT),
        ({"Authorization": "Basic !!!not-base64"}, GRANT),
        ({}, f"{GRANT}&client_id=rc_test_client_123&client_secret=wrong"),
    ],
    ids=["basic-wrong-secret", "basic-wrong-id", "basic-malformed", "form-wrong-secret"],
)
def test_wrong_credentials_are_invalid_client(
    redcloud: RedCloudSandbox, headers: dict[str, str], form: str
) -> None:
    """Wrong or undecodable credentials are 401 invalid_client."""
    answer = request_token(redcloud, form, headers)
    assert answer.status == 401
    assert answer.body == {
        "error": "invalid_client",
        "error_description": "Client authentication failed",
    }


def test_inactive_client_is_invalid_client(redcloud: RedCloudSandbox) -> None:
    """With the inactive_client fault, correct credentials get 401 invalid_client."""
    redcloud.faults.inactive_client = True
    answer = request_token(redcloud, f"{GRANT}&{BODY_CREDENTIALS}")
    assert (answer.status, answer.body["error"]) == (401, "invalid_client")


def test_token_lifetime_follows_the_fault(redcloud: RedCloudSandbox) -> None:
    """`expires_in` is the configured token lifetime."""
    redcloud.faults.token_lifetime_s = 120
    answer = request_token(redcloud, f"{GRANT}&{BODY_CREDENTIALS}")
    assert answer.body["expires_in"] == 120


def test_get_on_token_route_is_rejected(redcloud: RedCloudSandbox) -> None:
    """The token route only takes POST; GET answers an OAuth-style 405."""
    answer = call("GET", redcloud.base_url + "/api/auth/token", headers={"Content-Type": FORM})
    assert (answer.status, answer.body["error"]) == (405, "invalid_request")


def test_token_requests_are_logged(redcloud: RedCloudSandbox) -> None:
    """Every answered request lands in `requests` as (method, path, status)."""
    request_token(redcloud, GRANT)
    assert redcloud.requests == [("POST", "/api/auth/token", 400)]


def _pair(rc: RedCloudSandbox) -> tuple[str, str]:
    return rc.client_id, rc.client_secret
