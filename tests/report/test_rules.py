"""Each rule fires on the evidence of its symptom, and its checks decide from that evidence."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalate._report import ReportOptions, build_report
from tests.report.builders import (
    NUMBERS,
    SEND_BODY,
    call,
    healthy_run,
    numbers_call,
    referenced,
    send_call,
    token_call,
    token_info,
    webhook,
    whoami_call,
    write_log,
)
from tests.report.conftest import MakeReport, check_verdict, finding

_SETUP = [token_call(at=0), whoami_call(at=1), numbers_call(at=2)]


def _forbidden(index: int, send_from: str) -> dict[str, object]:
    return send_call(
        403, at=3 + index, message_id=None, request_id=f"req_{index}", error_code="FORBIDDEN",
        payload={**SEND_BODY, "sendFrom": send_from}, operation=f"fp_op{index:09d}",
    )  # fmt: skip


def test_healthy_run_has_no_finding(make_report: MakeReport) -> None:
    """token -> whoami -> numbers -> send -> lifecycle webhooks: no finding, all stages pass."""
    report = make_report(healthy_run())
    assert report.findings == ()
    assert [s.verdict for s in report.stages] == ["pass"] * 5
    assert report.first_failing_stage is None


def test_token_request_failed(make_report: MakeReport) -> None:
    """invalid_client answers fail the token stage and rank invalid credentials first."""
    failing = [token_call(401, at=i, error_code="invalid_client") for i in range(3)]
    report = make_report(failing)
    found = finding(report, "token_request_failed")
    assert found.causes[0].text == "invalid credentials"
    assert check_verdict(found, "the credentials are accepted")[0] == "failed"
    assert report.first_failing_stage == "token"


def test_token_timeouts_leave_the_credentials_unjudged(make_report: MakeReport) -> None:
    """Token requests that got no answer say nothing of the credentials: unknown, not passed, and
    the reachability cause ranks first."""
    failing = [token_call(None, at=i, exception="ReadTimeout") for i in range(2)]
    found = finding(make_report(failing), "token_request_failed")
    assert check_verdict(found, "the credentials are accepted")[0] == "unknown"
    assert "reachable" in found.causes[0].text


def test_token_request_not_form_encoded(make_report: MakeReport) -> None:
    """A JSON token request fails the form-encoding check."""
    failing = token_call(400, error_code="invalid_request", content_type="application/json")
    found = finding(make_report([failing]), "token_request_failed")
    assert check_verdict(found, "form-encoded")[0] == "failed"
    assert found.causes[0].text == "malformed token request"


def test_whoami_failed_without_bearer(make_report: MakeReport) -> None:
    """A whoami without a bearer token fails the token-format check."""
    failing = call("/api/core/whoami", 401, error_code="UNAUTHORIZED", auth=None, token=None)
    found = finding(make_report([failing]), "whoami_failed")
    assert check_verdict(found, "bearer token format")[0] == "failed"
    assert found.causes[0].text == "missing or malformed Authorization header"


def test_send_from_e164_decided_by_evidence(make_report: MakeReport) -> None:
    """12 sends with an E.164 sendFrom fail the numberId check, 12 of 12."""
    sends = [_forbidden(i, "<e164>") for i in range(12)]
    found = finding(make_report([*_SETUP, *sends]), "send_failed_after_numbers_ok")
    verdict, evidence = check_verdict(found, "`sendFrom` uses numberId")
    assert (verdict, evidence) == ("failed", "12 of 12 sends had a phone number (E.164) value")
    assert found.causes[0].text == "using E.164 in `sendFrom`"


def test_send_from_not_in_numbers_list_is_ownership_mismatch(make_report: MakeReport) -> None:
    """A numberId absent from the numbers list seen earlier is an ownership mismatch."""
    sends = [_forbidden(i, "num_someone_else") for i in range(4)]
    found = finding(make_report([*_SETUP, *sends]), "send_failed_after_numbers_ok")
    assert check_verdict(found, "`sendFrom` is one of the numbers")[0] == "failed"
    assert found.causes[0].text == "using a number not owned by the API client"


def test_number_not_enabled_for_message_type(make_report: MakeReport) -> None:
    """An MMS send from a number with mmsEnabled=false fails the type check."""
    mms = {**SEND_BODY, "messageType": "MMS", "media": "<media:count=1>"}
    sends = [send_call(400, at=5, message_id=None, payload=mms, error_code="INVALID_REQUEST")]
    found = finding(make_report([*_SETUP, *sends]), "send_failed_after_numbers_ok")
    assert check_verdict(found, "`smsEnabled` or `mmsEnabled`")[0] == "failed"
    assert check_verdict(found, "the selected number is `ACTIVE`")[0] == "passed"


def test_number_not_active(make_report: MakeReport) -> None:
    """A listed number that is not ACTIVE fails the ACTIVE check."""
    numbers = [{**NUMBERS[0], "status": "SUSPENDED"}]
    setup = [token_call(), whoami_call(at=1), numbers_call(at=2, numbers=numbers)]
    sends = [send_call(400, at=5, message_id=None, error_code="INVALID_REQUEST")]
    found = finding(make_report([*setup, *sends]), "send_failed_after_numbers_ok")
    assert check_verdict(found, "the selected number is `ACTIVE`")[0] == "failed"


def test_send_invalid_request_missing_key(make_report: MakeReport) -> None:
    """A 400 without Idempotency-Key ranks the missing key first."""
    send = send_call(400, message_id=None, error_code="INVALID_REQUEST",
                     idempotency={"present": False, "fingerprint": None})  # fmt: skip
    found = finding(make_report([send]), "send_invalid_request")
    assert check_verdict(found, "`Idempotency-Key` is present")[0] == "failed"
    assert found.causes[0].text == "missing `Idempotency-Key`"


def test_send_invalid_request_sms_with_media(make_report: MakeReport) -> None:
    """An SMS with media fails the text/media check."""
    body = {**SEND_BODY, "media": ["<media:count=1>"]}
    send = send_call(400, message_id=None, error_code="INVALID_REQUEST", payload=body)
    found = finding(make_report([send]), "send_invalid_request")
    assert check_verdict(found, "`text` and `media`")[0] == "failed"


def test_send_forbidden_with_another_clients_token(make_report: MakeReport) -> None:
    """A send whose token differs from whoami's ranks the wrong client context first."""
    other = {**token_info(), "fingerprint": "fp_bbbbbbbbbbbb"}
    sends = [send_call(403, at=3, message_id=None, error_code="FORBIDDEN", token=other)]
    found = finding(make_report([*_SETUP, *sends]), "send_forbidden")
    assert check_verdict(found, "the token belongs")[0] == "failed"
    assert found.causes[0].text == "wrong API client context"


def test_idempotency_conflict_key_reused_across_operations(make_report: MakeReport) -> None:
    """A 409 whose key was used by another operation fails the reuse check."""
    first = send_call(202, at=1, operation="fp_op_a", key="fp_shared")
    conflict = send_call(409, at=2, message_id=None, operation="fp_op_b", key="fp_shared",
                         error_code="CONFLICT", request_id="req_c")  # fmt: skip
    found = finding(make_report([first, conflict]), "idempotency_conflict")
    assert check_verdict(found, "the same `Idempotency-Key`")[0] == "failed"


def test_token_expired_mid_session(make_report: MakeReport) -> None:
    """A 401 made with a token past its lifetime is token_expired_mid_session."""
    expired = call("/api/core/numbers", 401, at=3700, error_code="UNAUTHORIZED",
                   token=token_info(age=3700), request_id="req_auth_001")  # fmt: skip
    report = make_report([token_call(), expired])
    found = finding(report, "token_expired_mid_session")
    assert check_verdict(found, "whether the token is expired") == (
        "failed",
        "1 of 1 calls answered 401 used a token past its expires_in",
    )
    assert report.first_failing_stage == "token"


def test_fresh_token_401_is_not_expiry(make_report: MakeReport) -> None:
    """A 401 with a fresh token is not token_expired_mid_session."""
    rejected = call("/api/core/whoami", 401, error_code="UNAUTHORIZED", token=token_info(age=1))
    report = make_report([rejected])
    assert "token_expired_mid_session" not in [f.symptom for f in report.findings]
    assert finding(report, "whoami_failed").causes[0].text == "invalid token"


def test_server_error_any_stage(make_report: MakeReport) -> None:
    """A 502 UPSTREAM_ERROR on send is server_error, upstream ranked first."""
    failing = send_call(502, message_id=None, error_code="UPSTREAM_ERROR", request_id="req_x")
    found = finding(make_report([failing]), "server_error")
    assert found.causes[0].text.startswith("upstream")
    assert found.evidence.request_ids == ("req_x",)


def test_duplicates_after_timeout_retry_under_new_key(make_report: MakeReport) -> None:
    """A timed-out send retried under a new key: duplicate_messages, timeout check failed."""
    timeout = send_call(None, at=1, message_id=None, key="fp_key_1")
    retry = send_call(202, at=40, message_id="msg_2", key="fp_key_2")
    found = finding(make_report([timeout, retry]), "duplicate_messages")
    assert check_verdict(found, "whether a timeout caused a retry with a new key")[0] == "failed"


def test_retry_with_same_key_is_not_duplicate(make_report: MakeReport) -> None:
    """A timed-out send retried under the same key is the documented safe retry."""
    timeout = send_call(None, at=1, message_id=None)
    retry = send_call(202, at=40, message_id="msg_1")
    report = make_report([timeout, retry])
    assert "duplicate_messages" not in [f.symptom for f in report.findings]


def test_one_send_to_two_recipients_is_not_duplicate(make_report: MakeReport) -> None:
    """One accepted send with two messageIds (two recipients) is not a duplicate."""
    results = [{"to": "<e164>", "messageId": m, "status": "QUEUED"} for m in ("msg_1", "msg_2")]
    send = send_call(202, response={"results": results, "errors_count": 0, "errors": []})
    report = make_report([send, webhook(at=2)])
    assert "duplicate_messages" not in [f.symptom for f in report.findings]


def test_failed_retries_under_new_keys_are_not_duplicates(make_report: MakeReport) -> None:
    """A send refused with 502 under three keys was never accepted, so nothing went out twice."""
    sends = [send_call(502, at=i, message_id=None, key=f"fp_key_{i}") for i in range(3)]
    report = make_report(sends)
    assert "duplicate_messages" not in [f.symptom for f in report.findings]


def test_two_accepted_sends_under_two_keys_are_duplicates(make_report: MakeReport) -> None:
    """The same operation accepted under two keys went out twice."""
    first = send_call(202, at=1, message_id="msg_1", key="fp_key_1")
    second = send_call(202, at=5, message_id="msg_2", key="fp_key_2")
    found = finding(make_report([first, second, webhook(at=9)]), "duplicate_messages")
    assert set(found.evidence.message_ids) == {"msg_1", "msg_2"}


def test_partial_acceptance(make_report: MakeReport) -> None:
    """A 202 with errors[] is partial_acceptance (a warning)."""
    response = {"results": [{"to": "<e164>", "messageId": "msg_1", "status": "QUEUED"}],
                "errors_count": 1, "errors": [{"to": "<phone:not_e164>"}]}  # fmt: skip
    body = {**SEND_BODY, "to": ["<e164>", "<phone:not_e164>"]}
    send = send_call(202, response=response, payload=body)
    found = finding(make_report([send, webhook(at=2)]), "partial_acceptance")
    assert found.severity == "warning"
    assert check_verdict(found, "`to[]`")[0] == "failed"


def test_accepted_not_delivered_after_grace(make_report: MakeReport) -> None:
    """msg_2 with no lifecycle past the grace window is accepted_not_delivered; msg_1 is not."""
    records = [*healthy_run(), send_call(at=10, message_id="msg_2", operation="fp_op2"),
               webhook("message.sent", "msg_1", at=400)]  # fmt: skip
    found = finding(make_report(records, delivery_grace_s=90), "accepted_not_delivered")
    assert found.evidence.message_ids == ("msg_2",)


def test_accepted_within_grace_is_not_a_finding(make_report: MakeReport) -> None:
    """A message still within the grace window is not reported."""
    records = [*healthy_run(), send_call(at=10, message_id="msg_2", operation="fp_op2")]
    report = make_report(records, delivery_grace_s=3600)
    assert report.findings == ()


def test_no_webhook_events_says_no_receiver_log(make_report: MakeReport) -> None:
    """Accepted sends and zero webhook records: no_webhook_events naming the missing log."""
    report = make_report([*_SETUP, send_call(at=3)], delivery_grace_s=0)
    found = finding(report, "no_webhook_events")
    assert "no webhook-receiver log seems to be given" in found.summary
    assert not found.package.ready


def test_no_webhook_events_names_an_empty_receiver_log(tmp_path: Path) -> None:
    """A receiver log that was passed but is empty is named as holding no webhook request."""
    app = write_log(tmp_path / "app.jsonl", [*_SETUP, send_call(at=3)])
    receiver = write_log(tmp_path / "webhooks.jsonl", [])
    options = ReportOptions(delivery_grace_s=0)
    found = finding(build_report([str(app), str(receiver)], options=options), "no_webhook_events")
    assert f"{receiver} holds no webhook request" in found.summary
    assert "no webhook-receiver log" not in found.summary


def test_no_webhook_events_with_delivery_not_configured(make_report: MakeReport) -> None:
    """whoami deliveryWebhookConfigured=false fails the configuration check, ranked first."""
    setup = [token_call(), whoami_call(at=1, delivery=False), numbers_call(at=2)]
    found = finding(make_report([*setup, send_call(at=3)], delivery_grace_s=0), "no_webhook_events")
    assert check_verdict(found, "inbound and delivery webhook")[0] == "failed"
    assert found.causes[0].text.startswith("webhook configuration issue")


def test_delivery_webhook_off_fails_at_once_whatever_the_grace(make_report: MakeReport) -> None:
    """deliveryWebhookConfigured=false and an accepted send fail webhooks within the grace."""
    setup = [token_call(), whoami_call(at=1, delivery=False), numbers_call(at=2)]
    report = make_report([*setup, send_call(at=3)], delivery_grace_s=86400)
    found = finding(report, "no_webhook_events")
    assert report.first_failing_stage == "webhooks"
    assert "deliveryWebhookConfigured=false for rc_test_client_123" in found.causes[0].evidence
    assert found.next_action.startswith(
        "Enable the delivery webhook configuration for API client rc_test_client_123"
    )


def test_webhook_signature_invalid(make_report: MakeReport) -> None:
    """Invalid signatures are webhook_signature_invalid and fail the webhooks stage."""
    records = [*healthy_run(), webhook(at=20, signature="invalid", response_status=401)]
    report = make_report(records)
    found = finding(report, "webhook_signature_invalid")
    assert check_verdict(found, "HMAC_SHA256")[0] == "failed"
    assert report.stages[-1].verdict == "fail"
    assert "webhook_rejected" not in [f.symptom for f in report.findings]


def test_webhook_rejected(make_report: MakeReport) -> None:
    """A verified webhook answered 500 is webhook_rejected."""
    records = [*healthy_run(), webhook(at=20, response_status=500)]
    found = finding(make_report(records), "webhook_rejected")
    assert found.causes[0].text.startswith("webhook processing bug")


def test_send_failed_after_numbers_ok_stays_quiet_when_checks_pass(make_report: MakeReport) -> None:
    """A 403 with a listed, active, enabled numberId is send_forbidden alone."""
    sends = [_forbidden(i, "num_abc123") for i in range(3)]
    report = make_report([*_SETUP, *sends])
    assert [f.symptom for f in report.findings] == ["send_forbidden"]


def test_send_failed_after_numbers_ok_on_unexplained_status(make_report: MakeReport) -> None:
    """Sends answered 404 after numbers succeeded are reported even when sendFrom is fine."""
    sends = [send_call(404, at=5 + i, message_id=None, operation=f"fp_t{i}") for i in range(2)]
    found = finding(make_report([*_SETUP, *sends]), "send_failed_after_numbers_ok")
    assert found.evidence.count == 2


def test_timed_out_sends_do_not_blame_send_from(make_report: MakeReport) -> None:
    """A send with no answer says nothing about sendFrom: no send_failed_after_numbers_ok."""
    sends = [send_call(None, at=5 + i, message_id=None, operation=f"fp_t{i}") for i in range(2)]
    report = make_report([*_SETUP, *sends])
    assert "send_failed_after_numbers_ok" not in [f.symptom for f in report.findings]
    assert report.first_failing_stage == "send"


def _numbers_failure(status: int | None, at: float = 3, **fields: object) -> dict[str, object]:
    code = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 502: "UPSTREAM_ERROR"}
    return call("/api/core/numbers", status, at=at, error_code=code.get(status or 0),
                request_id=f"req_numbers_{at}" if status else None, **fields)  # fmt: skip


def test_numbers_failed_with_token_whoami_accepted(make_report: MakeReport) -> None:
    """numbers refused 401 with the token whoami accepted points at the client context."""
    records = [token_call(), whoami_call(at=1), _numbers_failure(401, at=2), _numbers_failure(401)]
    report = make_report(records)
    found = finding(report, "numbers_failed")
    assert report.first_failing_stage == "numbers"
    assert found.causes[0].text == "inactive client context"
    assert check_verdict(found, "the token whoami accepted")[0] == "failed"
    assert check_verdict(found, "the API client is active")[0] == "passed"


def test_numbers_forbidden_without_read_capability(make_report: MakeReport) -> None:
    """A 403 while whoami lists no `numbers:read` fails the capability check and ranks it first."""
    profile = {"apiClientId": "rc_test_client_123", "apiClientStatus": "ACTIVE",
               "capabilities": ["numbers:search"]}  # fmt: skip
    records = [token_call(), whoami_call(at=1, response=profile), _numbers_failure(403)]
    found = finding(make_report(records), "numbers_failed")
    assert check_verdict(found, "the API client may read its numbers")[0] == "failed"
    assert found.causes[0].text == "missing permission to read numbers (`numbers:read`)"


def test_numbers_without_bearer_scheme(make_report: MakeReport) -> None:
    """A numbers call without a bearer token fails the token-format check."""
    records = [token_call(), _numbers_failure(401, auth=None, token=None)]
    found = finding(make_report(records), "numbers_failed")
    assert check_verdict(found, "bearer token format")[0] == "failed"
    assert found.causes[0].text == "missing or malformed Authorization header"


def test_numbers_timeout_is_unreachable_endpoint(make_report: MakeReport) -> None:
    """No response ranks the unreachable endpoint first, and the package lacks a requestId."""
    found = finding(make_report([token_call(), _numbers_failure(None)]), "numbers_failed")
    assert found.causes[0].text.startswith("the numbers endpoint is not reachable")
    assert any(item.startswith("no requestId captured") for item in found.package.missing)


def test_numbers_401_with_expired_token_is_not_numbers_failed(make_report: MakeReport) -> None:
    """A numbers 401 whose token had aged out is token_expired_mid_session's alone."""
    expired = _numbers_failure(401, at=3700, token=token_info(age=3700))
    symptoms = [f.symptom for f in make_report([token_call(), expired]).findings]
    assert symptoms == ["token_expired_mid_session"]


def test_numbers_server_error_is_not_numbers_failed(make_report: MakeReport) -> None:
    """A numbers 502 is server_error's alone."""
    symptoms = [f.symptom for f in make_report([token_call(), _numbers_failure(502)]).findings]
    assert symptoms == ["server_error"]


_NUMBERS_OUTCOMES = st.lists(
    st.tuples(st.sampled_from([None, 400, 401, 403, 404, 500, 502]), st.booleans()),
    min_size=1, max_size=6,
)  # fmt: skip


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(outcomes=_NUMBERS_OUTCOMES)
def test_numbers_failed_fires_iff_a_client_side_failure_is_unexplained(
    make_report: MakeReport, outcomes: list[tuple[int | None, bool]]
) -> None:
    """numbers_failed fires exactly when a numbers call failed neither 5xx nor 401-expired.

    Calls are grouped by status, so once one 401 is its own, the group's expired 401s are counted
    with it (the expired-token check says how many).
    """
    records = [token_call()] + [
        _numbers_failure(status, at=3 + i * 4000 if expired else 3 + i,
                         token=token_info(age=3700 if expired else 5))
        for i, (status, expired) in enumerate(outcomes)
    ]  # fmt: skip
    own = [s for s, expired in outcomes if (s is None or s < 500) and not (s == 401 and expired)]
    found = [f for f in make_report(records).findings if f.symptom == "numbers_failed"]
    assert bool(found) == bool(own)
    shared = sum(s == 401 and expired for s, expired in outcomes) if 401 in own else 0
    assert [f.evidence.count for f in found] == ([len(own) + shared] if own else [])


def test_duplicate_package_shows_the_send_payload_shape(make_report: MakeReport) -> None:
    """The duplicate's package row holds the send's payload shape; keys stay in the evidence."""
    timeout = send_call(None, at=1, message_id=None, key="fp_key_1")
    retry = send_call(202, at=40, message_id="msg_2", key="fp_key_2")
    other = send_call(202, at=0, message_id="msg_3", operation="fp_op_other",
                      payload={**SEND_BODY, "messageType": "MMS"})  # fmt: skip
    found = finding(make_report([timeout, retry, other]), "duplicate_messages")
    assert [row.payload_shape for row in found.package.rows] == [
        '{"messageType":"SMS","sendFrom":"num_abc123","text":"<text:len=5>","to":["<e164>"]}'
    ]
    assert found.evidence.details == (("fp_op000000001", "2 attempts, 2 keys, 1 without answer, "
                                       "1 messageIds"),)  # fmt: skip


def test_status_rule_points_to_the_specific_send_from_finding(make_report: MakeReport) -> None:
    """403s from a numberId missing from the list are one problem: one finding naming the other."""
    sends = [_forbidden(i, "num_someone_else") for i in range(2)]
    report = make_report([*_SETUP, *sends])
    assert [f.symptom for f in report.findings] == ["send_failed_after_numbers_ok"]
    found = report.findings[0]
    assert found.covers == ("send_forbidden",)
    assert dict(found.evidence.details)["also the symptom of"] == "send_forbidden"
    assert found.summary.endswith(
        '; one finding for the same sends as "Send request returns 403 FORBIDDEN"'
    )


def test_status_rule_partly_explained_keeps_its_finding(make_report: MakeReport) -> None:
    """403s only some of which broke a `sendFrom` check: both findings, the status one points."""
    sends = [_forbidden(0, "num_someone_else"), _forbidden(1, "num_abc123")]
    report = make_report([*_SETUP, *sends])
    symptoms = [f.symptom for f in report.findings]
    assert symptoms == ["send_failed_after_numbers_ok", "send_forbidden"]
    assert finding(report, "send_forbidden").summary.endswith(
        '; 1 of these sends broke a `sendFrom` check: see the finding '
        '"/api/core/numbers succeeds but sends fail"'
    )


def test_no_see_also_when_send_from_is_fine(make_report: MakeReport) -> None:
    """A 400 for a missing key from a good numberId has no see-also (no sendFrom problem)."""
    send = send_call(400, at=5, message_id=None, error_code="INVALID_REQUEST",
                     idempotency={"present": False, "fingerprint": None})  # fmt: skip
    found = finding(make_report([*_SETUP, send]), "send_invalid_request")
    assert "see also" not in found.summary


def test_no_see_also_without_a_numbers_list(make_report: MakeReport) -> None:
    """Without a successful numbers call send_failed_after_numbers_ok is silent: no see-also."""
    send = send_call(400, at=5, message_id=None, error_code="INVALID_REQUEST",
                     payload={**SEND_BODY, "sendFrom": "<e164>"})  # fmt: skip
    report = make_report([token_call(), whoami_call(at=1), send])
    assert [f.symptom for f in report.findings] == ["send_invalid_request"]
    assert "see also" not in report.findings[0].summary


def _unanswered_then_retry(reference: str = "<fp:fp_ref00000001>") -> list[dict[str, object]]:
    """An attempt that timed out under key 1, then a retry accepted under key 2 (msg_2)."""
    payload = referenced(reference)
    return [
        send_call(None, at=1, message_id=None, key="fp_key_1", payload=payload),
        send_call(202, at=40, message_id="msg_2", key="fp_key_2", payload=payload),
    ]


def _lifecycle(message_id: str, reference: str | None, at: float = 50) -> list[dict[str, object]]:
    """The sent and delivery webhooks of a message, carrying `reference`."""
    return [
        webhook("message.sent", message_id, at=at, external_reference=reference),
        webhook("message.delivery", message_id, at=at + 2, external_reference=reference),
    ]


def test_webhooks_prove_the_unanswered_attempt_went_out(make_report: MakeReport) -> None:
    """Webhooks of a message no send was given, with the operation's reference: proven twice."""
    records = [*_unanswered_then_retry(), *_lifecycle("msg_1", "fp_ref00000001", at=5),
               *_lifecycle("msg_2", "fp_ref00000001")]  # fmt: skip
    found = finding(make_report(records), "duplicate_messages")
    assert found.summary == (
        "1 of 1 send operations went out twice: msg_1 (the attempt that got no answer, seen in "
        "webhooks) and msg_2"
    )
    assert check_verdict(found, "whether webhooks show a message")[0] == "failed"
    assert found.evidence.message_ids == ("msg_1", "msg_2")
    assert found.package.rows[0].message_ids == ("msg_1", "msg_2")


def test_without_webhook_proof_the_duplicate_is_probable(make_report: MakeReport) -> None:
    """Only the retry's webhooks: probably twice, and the webhook check passes."""
    records = [*_unanswered_then_retry(), *_lifecycle("msg_2", "fp_ref00000001")]
    found = finding(make_report(records), "duplicate_messages")
    assert found.summary.startswith("1 of 1 send operations probably went out twice")
    assert check_verdict(found, "whether webhooks show a message")[0] == "passed"
    assert found.evidence.message_ids == ("msg_2",)


def test_webhook_check_is_unknown_without_webhook_records(make_report: MakeReport) -> None:
    """No webhook receiver log: the check cannot tell, and says to pass that log."""
    found = finding(make_report(_unanswered_then_retry()), "duplicate_messages")
    verdict, evidence = check_verdict(found, "whether webhooks show a message")
    assert verdict == "unknown"
    assert evidence == "no webhook records: pass the webhook receiver's log too"


def test_webhook_check_is_unknown_without_external_reference(make_report: MakeReport) -> None:
    """Sends without an externalReference cannot be matched to webhooks: unknown, set one."""
    timeout = send_call(None, at=1, message_id=None, key="fp_key_1")
    retry = send_call(202, at=40, message_id="msg_2", key="fp_key_2")
    found = finding(make_report([timeout, retry, *_lifecycle("msg_1", None, at=5)]),
                    "duplicate_messages")  # fmt: skip
    verdict, evidence = check_verdict(found, "whether webhooks show a message")
    assert verdict == "unknown" and "no externalReference" in evidence
    assert found.summary.startswith("1 of 1 send operations probably went out twice")


def test_a_verbatim_external_reference_links_too(make_report: MakeReport) -> None:
    """With keep_external_reference both sides hold the value itself; it links the same way."""
    records = [*_unanswered_then_retry("order_789"), *_lifecycle("msg_1", "order_789", at=5)]
    found = finding(make_report(records), "duplicate_messages")
    assert found.package.rows[0].message_ids == ("msg_1", "msg_2")


def test_a_message_accepted_in_the_logs_is_never_linked(make_report: MakeReport) -> None:
    """A reference reused by another, answered operation: its accepted message proves nothing."""
    other = send_call(202, at=0, message_id="msg_other", operation="fp_op_other",
                      key="fp_key_other", payload=referenced("<fp:fp_ref00000001>"))  # fmt: skip
    records = [other, *_unanswered_then_retry(), *_lifecycle("msg_other", "fp_ref00000001", 3)]
    found = finding(make_report(records), "duplicate_messages")
    assert found.summary.startswith("1 of 2 send operations probably went out twice")
    assert "msg_other" not in found.evidence.message_ids


def test_a_reference_shared_by_two_unanswered_operations_links_nothing(
    make_report: MakeReport,
) -> None:
    """Two operations with unanswered attempts and one reference: whose message it is is unknown."""
    payload = referenced("<fp:fp_shared000001>")
    second = [
        send_call(None, at=2, message_id=None, operation="fp_op2", key="fp_key_3", payload=payload),
        send_call(202, at=41, message_id="msg_3", operation="fp_op2", key="fp_key_4",
                  payload=payload),
    ]  # fmt: skip
    records = [*_unanswered_then_retry("<fp:fp_shared000001>"), *second,
               *_lifecycle("msg_1", "fp_shared000001", at=5)]  # fmt: skip
    found = finding(make_report(records), "duplicate_messages")
    assert "msg_1" not in found.evidence.message_ids
    assert found.summary.startswith("2 of 2 send operations went out more than once (0 proven")


def test_same_key_retry_with_a_webhook_only_message_is_not_duplicate(
    make_report: MakeReport,
) -> None:
    """A retry under the same key is the safe retry, whatever the webhooks show."""
    payload = referenced("<fp:fp_ref00000001>")
    records = [
        send_call(None, at=1, message_id=None, payload=payload),
        send_call(202, at=40, message_id="msg_2", payload=payload),
        *_lifecycle("msg_1", "fp_ref00000001", at=5),
    ]
    assert "duplicate_messages" not in [f.symptom for f in make_report(records).findings]


def test_two_unanswered_attempts_both_seen_in_webhooks(make_report: MakeReport) -> None:
    """Never answered under two keys, yet both attempts' messages arrive: it went out twice."""
    payload = referenced("<fp:fp_ref00000001>")
    records = [
        send_call(None, at=1, message_id=None, key="fp_key_1", payload=payload),
        send_call(None, at=30, message_id=None, key="fp_key_2", payload=payload),
        *_lifecycle("msg_a", "fp_ref00000001", at=5),
        *_lifecycle("msg_b", "fp_ref00000001", at=35),
    ]
    found = finding(make_report(records), "duplicate_messages")
    assert found.summary == (
        "1 of 1 send operations went out twice: msg_a and msg_b (the attempts that got no answer, "
        "seen in webhooks)"
    )


def test_one_unanswered_attempt_alone_is_not_duplicate(make_report: MakeReport) -> None:
    """An unanswered attempt whose message webhooks show, never retried, went out once."""
    records = [
        send_call(None, at=1, message_id=None, key="fp_key_1", payload=referenced("<fp:fp_r1>")),
        *_lifecycle("msg_a", "fp_r1", at=5),
    ]
    assert "duplicate_messages" not in [f.symptom for f in make_report(records).findings]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.integers(min_value=1, max_value=3),
    st.integers(min_value=0, max_value=2),
    st.integers(min_value=0, max_value=3),
)
def test_times_count_accepted_and_shown_attempts(
    make_report: MakeReport, unanswered: int, accepted: int, shown: int
) -> None:
    """Each attempt under its own key: the operation went out accepted + shown (<= unanswered)."""
    payload = referenced("<fp:fp_ref00000001>")
    records: list[dict[str, object]] = []
    for index in range(unanswered):
        records.append(send_call(None, at=index, message_id=None, key=f"fp_key_u{index}",
                                 payload=payload))  # fmt: skip
    for index in range(accepted):
        records.append(send_call(202, at=10 + index, message_id=f"msg_acc{index}",
                                 key=f"fp_key_a{index}", payload=payload))  # fmt: skip
    for index in range(shown):
        records.extend(_lifecycle(f"msg_hook{index}", "fp_ref00000001", at=20 + index * 3))
    times = accepted + min(unanswered, shown)
    found = [f for f in make_report(records).findings if f.symptom == "duplicate_messages"]
    assert bool(found) == (times > 1 or (accepted == 1 and unanswered > 0))
    if times > 1:
        word = {2: "twice", 3: "three times"}.get(times, f"{times} times")
        assert found[0].summary.startswith(f"1 of 1 send operations went out {word}")


def test_webhooks_stage_counts_the_messages_still_within_grace(make_report: MakeReport) -> None:
    """No webhook yet, two messages accepted within the grace: the stage says two are waiting."""
    sends = [send_call(at=at, message_id=f"msg_{at}", operation=f"fp_op{at}") for at in (3, 4)]
    summary = make_report([*_SETUP, *sends], delivery_grace_s=3600).stages[-1].summary
    assert summary == (
        "no webhook request in the logs; 2 accepted messages still within the delivery grace "
        "(not judged yet)"
    )


_UNDECIDED = "; 2 accepted messages still within the delivery grace (not judged yet)"


def test_a_passing_webhooks_stage_says_what_it_cannot_judge_yet(make_report: MakeReport) -> None:
    """Receipts all answered 2xx, but two accepted messages have no lifecycle event yet and are
    not overdue: the stage passes and says so, and so does the headline (never plain healthy)."""
    sends = [send_call(at=at, message_id=f"msg_{at}", operation=f"fp_op{at}") for at in (3, 4, 5)]
    hooks = [webhook("message.queued", message_id=f"msg_{at}", at=at + 1) for at in (3, 4)]
    hooks.append(webhook("message.delivery", message_id="msg_5", at=7))
    report = make_report([*_SETUP, *sends, *hooks], delivery_grace_s=3600)
    webhooks = report.stages[-1]
    assert (webhooks.verdict, report.first_failing_stage) == ("pass", None)
    assert webhooks.summary == "all 3 webhook requests succeeded" + _UNDECIDED
    assert report.headline.endswith(_UNDECIDED)


def test_every_message_decided_adds_nothing(make_report: MakeReport) -> None:
    """Each accepted message got its lifecycle: the stage and the headline add no clause."""
    sends = [send_call(at=at, message_id=f"msg_{at}", operation=f"fp_op{at}") for at in (3, 4)]
    hooks = [webhook("message.delivery", message_id=f"msg_{at}", at=at + 1) for at in (3, 4)]
    report = make_report([*_SETUP, *sends, *hooks], delivery_grace_s=3600)
    assert report.stages[-1].summary == "all 2 webhook requests succeeded"
    assert "grace" not in report.headline


def test_a_failing_webhooks_stage_leads_with_its_failure(make_report: MakeReport) -> None:
    """Receipts rejected: the failure is the stage's summary, not the messages left pending."""
    sends = [send_call(at=at, message_id=f"msg_{at}", operation=f"fp_op{at}") for at in (3, 4)]
    hooks = [webhook("message.delivery", message_id=f"msg_{at}", at=at + 1, response_status=500)
             for at in (3, 4)]  # fmt: skip
    report = make_report([*_SETUP, *sends, *hooks], delivery_grace_s=3600)
    assert report.first_failing_stage == "webhooks"
    assert "grace" not in report.stages[-1].summary


def test_messages_reported_failed_are_a_failure(make_report: MakeReport) -> None:
    """Accepted sends whose lifecycle ended in message.failed: the webhooks stage fails with
    delivery_failed citing those messageIds, though every receipt was signed and answered 2xx."""
    sends = [send_call(at=at, message_id=f"msg_{at}", operation=f"fp_op{at}") for at in (3, 4, 5)]
    hooks = [webhook("message.failed", message_id=f"msg_{at}", at=at + 1) for at in (3, 4)]
    hooks.append(webhook("message.delivery", message_id="msg_5", at=7))
    report = make_report([*_SETUP, *sends, *hooks])
    found = finding(report, "delivery_failed")
    assert report.first_failing_stage == "webhooks"
    assert found.summary.startswith("2 message.failed events received (3 accepted messages")
    assert found.evidence.message_ids == ("msg_3", "msg_4")
    assert found.causes[0].text == "provider-side downstream failure reported later by webhook"
    assert "message.failed is terminal" in found.next_action


def test_a_rejected_failure_event_is_the_receivers_problem(make_report: MakeReport) -> None:
    """A message.failed receipt the receiver answered 500 is webhook_rejected's, not a delivery
    verdict: escalate does not know the event was taken."""
    sends = [send_call(at=3, message_id="msg_3", operation="fp_op3")]
    hooks = [webhook("message.failed", message_id="msg_3", at=4, response_status=500)]
    report = make_report([*_SETUP, *sends, *hooks])
    ids = {f.symptom for f in report.findings}
    assert "webhook_rejected" in ids
    assert "delivery_failed" not in ids


def test_a_passing_webhooks_stage_says_which_signatures_it_did_not_check(
    make_report: MakeReport,
) -> None:
    """Receipts recorded without the webhook secret pass (answered 2xx), and the stage says
    escalate did not check their signatures; verified ones add nothing."""
    sends = [send_call(at=at, message_id=f"msg_{at}", operation=f"fp_op{at}") for at in (3, 4)]
    unchecked = [webhook("message.delivery", message_id=f"msg_{at}", at=at + 1,
                         signature="not_checked") for at in (3, 4)]  # fmt: skip
    summary = make_report([*_SETUP, *sends, *unchecked]).stages[-1].summary
    assert summary == (
        "all 2 webhook requests succeeded; 2 signatures not checked by escalate (no webhook "
        "secret given to the receiver's capture)"
    )
    verified = [webhook("message.delivery", message_id=f"msg_{at}", at=at + 1) for at in (3, 4)]
    assert make_report([*_SETUP, *sends, *verified]).stages[-1].summary == (
        "all 2 webhook requests succeeded"
    )


def _queued_then(failed: list[int], status: int = 200) -> list[dict[str, object]]:
    """Seven accepted, queued sends; `failed` of them then get message.failed (answered
    `status`); a whoami four hours later puts the rest past the default grace."""
    sends = [send_call(at=3 + i, message_id=f"msg_{i}", operation=f"fp_op{i}") for i in range(7)]
    hooks = [webhook("message.queued", message_id=f"msg_{i}", at=20 + i) for i in range(7)]
    hooks += [webhook("message.failed", message_id=f"msg_{i}", at=40 + i, response_status=status)
              for i in failed]  # fmt: skip
    return [*_SETUP, *sends, *hooks, whoami_call(at=4 * 3600)]


def test_overdue_messages_are_explained_by_their_own_evidence(make_report: MakeReport) -> None:
    """Five messages failed (delivery_failed) and two got only message.queued: the two overdue
    ones' first cause is the lifecycle stopping after queued, not the others' failures."""
    report = make_report(_queued_then([0, 1, 2, 3, 4]))
    overdue = finding(report, "accepted_not_delivered")
    assert overdue.summary.startswith("2 of 7 accepted messages")
    assert overdue.causes[0].text.startswith("the lifecycle stopped after `message.queued`")
    provider = next(c for c in overdue.causes if c.text.startswith("provider-side"))
    assert provider.weight == 0
    assert finding(report, "delivery_failed").evidence.count == 5


def test_a_failure_event_the_receiver_rejected_explains_an_overdue_message(
    make_report: MakeReport,
) -> None:
    """message.failed answered 500 leaves its message pending: for those overdue messages, the
    provider-side failure is supported (and the receiver's rejection is reported too)."""
    report = make_report(_queued_then([0, 1], status=500))
    overdue = finding(report, "accepted_not_delivered")
    provider = next(c for c in overdue.causes if c.text.startswith("provider-side"))
    assert provider.weight == 2
    assert "webhook_rejected" in {f.symptom for f in report.findings}


def test_an_error_the_guide_does_not_cover_is_not_given_a_guessed_cause(
    make_report: MakeReport,
) -> None:
    """Sends answered 429 after numbers succeeded (the docs name no rate limit): every check
    passes and no cause of the guide is supported, so the next action guesses none (it used to
    say "Correct the sendFrom source") and keeps the guide's action as the fallback."""
    sends = [send_call(429, at=3 + i, message_id=None, operation=f"fp_op{i}",
                       error_code="RATE_LIMITED", outcome="http_error",
                       error_message="Too many requests") for i in range(3)]  # fmt: skip
    found = finding(make_report([*_SETUP, *sends]), "send_failed_after_numbers_ok")
    assert all(check.verdict == "passed" for check in found.checks)
    assert all(cause.weight == 0 for cause in found.causes)
    assert found.next_action.startswith("The evidence supports none of the causes the guide")
    assert found.next_action.endswith("Correct the `sendFrom` source and re-run the send.")


def test_a_send_that_got_no_answer_still_gets_a_package(make_report: MakeReport) -> None:
    """A send that timed out and was not retried matches no symptom of the guide: it is still a
    finding (unexplained_failure) with the call's package, and names no cause."""
    sends = [send_call(None, at=3, message_id=None, outcome="timeout")]
    report = make_report([*_SETUP, *sends])
    found = finding(report, "unexplained_failure")
    assert (report.first_failing_stage, found.stage) == ("send", "send")
    assert found.causes == ()
    assert [row.endpoint for row in found.package.rows] == ["POST /api/core/messages/send"]
    assert found.next_action.startswith("Escalate to Red Cloud with the package below")


def test_failures_an_earlier_finding_explains_get_no_second_finding(
    make_report: MakeReport,
) -> None:
    """A send answered 401 after its token aged out: token_expired_mid_session explains it, and
    the rule run last adds nothing for the send stage."""
    expired = send_call(401, at=3700, message_id=None, error_code="UNAUTHORIZED",
                        outcome="http_error", token=token_info(age=3700))  # fmt: skip
    symptoms = {f.symptom for f in make_report([*_SETUP, expired]).findings}
    assert "token_expired_mid_session" in symptoms
    assert "unexplained_failure" not in symptoms
