"""The call record builder, fed `Exchange` values directly."""

from __future__ import annotations

import base64
import sys
import time
from collections.abc import Iterator
from typing import Any

import orjson

from escalate._capture import _settings
from escalate._capture._exchange import Exchange
from escalate._capture._record import build_call_record, utc_timestamp
from escalate._capture._settings import fingerprint
from escalate._capture._tokens import TOKENS

from ._exchanges import exchange


def _exchange(path: str = "/api/core/whoami", *, method: str = "GET",
              authorization: str | None = None, content_type: str | None = None,
              idempotency_key: str | None = None, request_body: bytes | None = None,
              request_streamed: bool = False, **outcome: Any) -> Exchange:
    headers = {name: value for name, value in (
        ("Authorization", authorization), ("Content-Type", content_type),
        ("Idempotency-Key", idempotency_key)) if value is not None}
    built = exchange(path, method=method, headers=headers, body=request_body, **outcome)
    return built._replace(request=built.request._replace(streamed=request_streamed))


def test_schema_is_the_first_key() -> None:
    """Every record starts with the schema marker the reader searches for."""
    line = orjson.dumps(build_call_record(_exchange()))
    assert line.startswith(b'{"schema":"escalate.evidence/1"')


def test_timestamp_format() -> None:
    """UTC with microseconds and a Z suffix."""
    assert utc_timestamp(0.5) == "1970-01-01T00:00:00.500000Z"


def test_stage_and_other_routes() -> None:
    """Known routes map to their stage; anything else is `other`, its word segments kept."""
    assert build_call_record(_exchange("/api/core/numbers"))["stage"] == "numbers"
    record = build_call_record(_exchange("/api/core/numbers/search"))
    assert (record["stage"], record["route"]) == ("other", "/api/core/numbers/search")


def test_documented_route_spellings_record_the_template() -> None:
    """A trailing slash or percent-encoding still records the documented route."""
    for path in ("/api/core/whoami/", "/api/core/%77hoami"):
        record = build_call_record(_exchange(path))
        assert (record["route"], record["stage"]) == ("/api/core/whoami", "whoami")


def test_opaque_path_segments_become_descriptors() -> None:
    """Ids and long opaque segments of an unknown path (a token in the URL) are not kept."""
    record = build_call_record(_exchange("/api/partner/sk_live_4f9a8b7c6d5e/orders/12345/v2"))
    assert record["route"] == "/api/partner/<str:len=20>/orders/<str:len=5>/v2"


def test_content_type_keeps_the_media_type_only() -> None:
    """Content-Type parameters (a boundary, a charset, anything a client puts there) are dropped."""
    record = build_call_record(_exchange(content_type="application/json; token=sk_live_1"))
    assert record["content_type"] == "application/json"


def test_token_call_records_the_client_id_from_the_form() -> None:
    """A token request's form `client_id` is recorded verbatim, the secret never."""
    body = b"grant_type=client_credentials&client_id=rc_client_9&client_secret=cs_secret_9"
    record = build_call_record(_exchange(
        "/api/auth/token", method="POST", request_body=body,
        content_type="application/x-www-form-urlencoded"))
    assert record["client_id"] == "rc_client_9"
    assert record["payload"]["client_id"] == "rc_client_9"
    assert "cs_secret_9" not in orjson.dumps(record).decode()


def test_token_call_records_the_client_id_from_basic_auth() -> None:
    """With Basic credentials the client id is their user name."""
    credentials = base64.b64encode(b"rc_client_b:cs_secret_b").decode()
    record = build_call_record(_exchange("/api/auth/token", authorization=f"Basic {credentials}"))
    assert record["client_id"] == "rc_client_b"
    assert "cs_secret_b" not in orjson.dumps(record).decode()


def test_client_id_only_on_token_calls() -> None:
    """Other calls have `client_id` null."""
    assert build_call_record(_exchange())["client_id"] is None


def test_phone_number_in_other_route_is_replaced() -> None:
    """A phone number used as a path segment does not reach the record."""
    assert build_call_record(_exchange("/lookup/+15551234567"))["route"] == "/lookup/<e164>"


def test_duration_in_milliseconds() -> None:
    """`duration_ms` is the exchange's duration in milliseconds."""
    assert build_call_record(_exchange())["duration_ms"] == 12.3


def test_core_error_wrapper() -> None:
    """requestId, code and message come from the CORE wrapper."""
    body = b'{"error":{"code":"FORBIDDEN","message":"sendFrom is not owned","details":{}},' \
           b'"requestId":"req_send_002"}'
    record = build_call_record(_exchange(status=403, response_body=body,
                                         response_content_type="application/json"))
    assert (record["outcome"], record["request_id"], record["error_code"]) == (
        "http_error", "req_send_002", "FORBIDDEN")
    assert record["error_message"] == "sendFrom is not owned"


def test_oauth_error() -> None:
    """On the token route the OAuth `error` and `error_description` are recorded."""
    body = b'{"error":"invalid_client","error_description":"Client authentication failed"}'
    record = build_call_record(_exchange("/api/auth/token", status=401, response_body=body))
    assert (record["error_code"], record["error_message"]) == (
        "invalid_client", "Client authentication failed")


def test_error_message_is_scanned() -> None:
    """Phone numbers inside an error message are replaced by markers."""
    body = b'{"error":{"code":"INVALID_REQUEST","message":"bad to +15551234567"}}'
    record = build_call_record(_exchange(status=400, response_body=body))
    assert record["error_message"] == "bad to <e164>"


def test_bearer_auth_is_scheme_and_fingerprint() -> None:
    """The Authorization header becomes its scheme and the token's fingerprint."""
    record = build_call_record(_exchange(authorization="Bearer tok_secret_1"))
    assert record["auth"] == {"scheme": "bearer", "fingerprint": fingerprint("tok_secret_1")}
    assert "tok_secret_1" not in orjson.dumps(record).decode()


def test_basic_auth_fingerprints_the_user_only() -> None:
    """Basic credentials: the fingerprint is of the client id; the secret is dropped."""
    credentials = base64.b64encode(b"rc_client:rc_secret").decode()
    record = build_call_record(_exchange("/api/auth/token", authorization=f"Basic {credentials}"))
    assert record["auth"] == {"scheme": "basic", "fingerprint": fingerprint("rc_client")}
    assert record["token"] is None


def test_unknown_token_freshness() -> None:
    """A bearer token never seen being issued has unknown freshness."""
    record = build_call_record(_exchange(authorization="Bearer never_seen_token_1"))
    assert record["token"]["source"] == "unknown"
    assert record["token"]["fresh"] is None and record["token"]["expired"] is None


def test_jwt_claims_give_age_and_expiry() -> None:
    """A JWT never seen issued: `iat`/`exp` give age, lifetime and expiry."""
    now = int(time.time())
    claims = base64.urlsafe_b64encode(orjson.dumps({"iat": now - 100, "exp": now - 10}))
    token = "eyJhbGciOiJIUzI1NiJ9." + claims.decode().rstrip("=") + ".c2ln"
    freshness = build_call_record(_exchange(authorization=f"Bearer {token}"))["token"]
    assert (freshness["source"], freshness["expires_in"], freshness["expired"]) == ("jwt", 90, True)
    assert 99 <= freshness["age_s"] <= 102


def test_token_response_registers_the_token() -> None:
    """A token issued through a call makes later calls `acquired` and the first one `fresh`."""
    body = b'{"access_token":"tok_issued_7","token_type":"bearer","expires_in":3600}'
    issued = build_call_record(_exchange("/api/auth/token", status=200, response_body=body))
    assert issued["response"] == {"token_type": "bearer", "expires_in": 3600,
                                  "token_fingerprint": fingerprint("tok_issued_7")}
    first = build_call_record(_exchange(authorization="Bearer tok_issued_7"))["token"]
    second = build_call_record(_exchange(authorization="Bearer tok_issued_7"))["token"]
    assert (first["source"], first["fresh"], second["fresh"]) == ("acquired", True, False)


def test_token_registry_is_bounded() -> None:
    """The registry forgets the oldest tokens instead of growing without limit."""
    for index in range(300):
        TOKENS.acquired(f"fp_bounded_{index}", 60, time.perf_counter())
    assert len(TOKENS._issued) <= 256


def test_idempotency_and_operation() -> None:
    """Same payload under two keys: same operation, different key fingerprints."""
    body = b'{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi"}'
    reordered = b'{"text":"hi","messageType":"SMS","to":["+15551234567"],"sendFrom":"num_abc123"}'
    send = "/api/core/messages/send"
    first = build_call_record(_exchange(send, method="POST", idempotency_key="k1",
                                        request_body=body, content_type="application/json"))
    second = build_call_record(_exchange(send, method="POST", idempotency_key="k2",
                                         request_body=reordered, content_type="application/json"))
    assert first["operation"] == second["operation"]
    assert first["idempotency"]["fingerprint"] != second["idempotency"]["fingerprint"]
    assert first["idempotency"]["present"] is True


def _retained_strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Every str and bytes reachable through dicts, lists, tuples and sets (bounded depth)."""
    if isinstance(value, str | bytes):
        yield value if isinstance(value, str) else value.decode("latin-1")
    elif depth < 6 and isinstance(value, dict):
        for key, item in value.items():
            yield from _retained_strings(key, depth + 1)
            yield from _retained_strings(item, depth + 1)
    elif depth < 6 and isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _retained_strings(item, depth + 1)


def test_no_cache_keeps_message_text_or_recipients() -> None:
    """After sends (each twice), no module-level value of escalate's capture (the fingerprinter,
    the token registry) holds a message's text or recipient: they live no longer than the call."""
    send = "/api/core/messages/send"
    for index in range(3):
        body = orjson.dumps({"sendFrom": "num_abc123", "to": [f"+1555765432{index}"],
                             "messageType": "SMS", "text": f"CANARY-TEXT-{index} hello"})
        for _ in range(2):
            build_call_record(_exchange(send, method="POST", idempotency_key=f"k{index}",
                                        request_body=body, content_type="application/json"))
    modules = [module for name, module in sys.modules.items()
               if name.startswith("escalate._capture")]
    holders = [vars(module) for module in modules] + [
        vars(_settings._current[0]), vars(TOKENS)]
    retained = [text for holder in holders for value in holder.values()
                for text in _retained_strings(value)]
    assert retained, "the walk found nothing: it does not see the caches"
    assert not [text for text in retained if "CANARY-TEXT" in text or "+1555765432" in text]


def test_partial_acceptance_summary() -> None:
    """A send accepting some recipients records results and the number of errors."""
    body = (b'{"results":[{"to":"+15551234567","messageId":"msg_1","status":"QUEUED"}],'
            b'"errors":[{"to":"12","code":"INVALID_RECIPIENT"}]}')
    record = build_call_record(_exchange("/api/core/messages/send", status=202,
                                         response_body=body))
    assert record["response"] == {
        "results": [{"to": "<e164>", "messageId": "msg_1", "status": "QUEUED"}],
        "errors_count": 1, "errors": [{"to": "<str:len=2>", "code": "INVALID_RECIPIENT"}]}


def test_streamed_request_body() -> None:
    """A request body escalate did not read is recorded as `<stream>`."""
    assert build_call_record(_exchange(request_streamed=True))["payload"] == "<stream>"


def test_failure_without_response() -> None:
    """An exchange that failed before any response keeps its outcome and exception name."""
    record = build_call_record(_exchange(exception=TimeoutError("slow"),
                                         exception_outcome="timeout"))
    assert (record["status"], record["outcome"], record["exception"]) == (None, "timeout",
                                                                         "TimeoutError")
