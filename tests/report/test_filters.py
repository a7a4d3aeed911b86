"""Durations, times and record filters."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from escalate._report import OptionError, parse_duration, parse_time
from tests.report.builders import healthy_run, referenced, send_call, ts, webhook
from tests.report.conftest import MakeReport


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0.0), ("90s", 90.0), ("15m", 900.0), ("2h", 7200.0), ("1.5h", 5400.0), ("1d", 86400.0)],
)
def test_durations(text: str, seconds: float) -> None:
    """Durations are written 0, 90s, 15m, 2h."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5x", "90", "-1m", "m"])
def test_bad_durations_are_option_errors(text: str) -> None:
    """Anything else is an OptionError naming the value."""
    with pytest.raises(OptionError, match="invalid duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27T10:00:00Z", "2026-11-27T10:00:00.000000Z"),
        ("2026-11-27T12:00:00.250+02:00", "2026-11-27T10:00:00.250000Z"),
        ("2026-11-27T10:00:00", "2026-11-27T10:00:00.000000Z"),
        ("2h", "2026-11-27T08:00:00.000000Z"),
    ],
)
def test_times(text: str, expected: str) -> None:
    """ISO 8601 with fractions and offsets, or a duration before now."""
    now = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    assert parse_time(text, now) == expected


def test_bad_time_is_an_option_error() -> None:
    """A time that is neither ISO 8601 nor a duration is an OptionError."""
    with pytest.raises(OptionError, match="invalid time 'tomorrow'"):
        parse_time("tomorrow")


def test_since_and_until_window(make_report: MakeReport) -> None:
    """--since/--until keep only records inside the window."""
    records = [*healthy_run(at=0), *healthy_run(at=100, message_id="msg_2")]
    report = make_report(records, since=ts(50), until=ts(104))
    assert report.inputs.records == 4
    assert report.inputs.filters == (("--since", ts(50)), ("--until", ts(104)))


def test_route_filter(make_report: MakeReport) -> None:
    """--route keeps only calls (and webhooks) of that path."""
    report = make_report(healthy_run(), route="/api/core/messages/send")
    assert (report.inputs.calls, report.inputs.webhooks) == (1, 0)


def test_request_id_filter(make_report: MakeReport) -> None:
    """--request-id keeps the call with that requestId (its operation has no other attempt)."""
    forbidden = send_call(403, at=20, message_id=None, request_id="req_9", operation="fp_op_9")
    report = make_report([*healthy_run(), forbidden], request_id="req_9")
    assert report.inputs.records == 1
    assert report.findings[0].evidence.request_ids == ("req_9",)


def test_message_id_filter(make_report: MakeReport) -> None:
    """--message-id keeps the send that got it and its webhooks."""
    second = healthy_run(at=50, message_id="msg_2")
    second[3]["operation"] = "fp_op_2"
    records = [*healthy_run(), *second, webhook(message_id="x")]
    report = make_report(records, message_id="msg_2")
    assert (report.inputs.calls, report.inputs.webhooks) == (1, 2)


def _duplicate(reference: str = "fp_ref000001") -> list[dict[str, object]]:
    """A send timed out (its message seen only in webhooks), retried under a new key."""
    body = referenced(f"<fp:{reference}>")
    return [
        send_call(None, at=1, message_id=None, key="fp_key_1", payload=body),
        webhook("message.queued", "msg_1", at=2, external_reference=reference),
        send_call(202, at=40, message_id="msg_2", key="fp_key_2", payload=body),
        webhook("message.queued", "msg_2", at=41, external_reference=reference),
    ]


def test_message_id_filter_keeps_the_whole_operation(make_report: MakeReport) -> None:
    """--message-id of a duplicate's second message keeps every attempt: still a duplicate."""
    other = healthy_run(at=100, message_id="msg_9")
    other[3]["operation"] = "fp_op_other"
    report = make_report([*_duplicate(), *other], message_id="msg_2")
    assert "duplicate_messages" in [f.symptom for f in report.findings]
    assert (report.inputs.calls, report.inputs.webhooks) == (2, 2)


def test_message_id_seen_only_in_webhooks_finds_its_operation(make_report: MakeReport) -> None:
    """--message-id of the message whose send got no answer finds the operation by reference."""
    report = make_report(_duplicate(), message_id="msg_1")
    assert "duplicate_messages" in [f.symptom for f in report.findings]


def test_request_id_filter_keeps_the_operations_other_attempts(make_report: MakeReport) -> None:
    """--request-id of a failed attempt keeps the operation's retry and its webhooks."""
    failed = send_call(502, at=1, message_id=None, request_id="req_1", error_code="UPSTREAM_ERROR")
    retry = send_call(202, at=5, message_id="msg_5")
    report = make_report([failed, retry, webhook(message_id="msg_5", at=6)], request_id="req_1")
    assert (report.inputs.calls, report.inputs.webhooks) == (2, 1)


def test_client_filter(make_report: MakeReport) -> None:
    """--client keeps calls with (or issuing) the tokens whoami identified as that client."""
    other = {"fingerprint": "fp_other000000", "source": "acquired", "age_s": 1.0,
             "expires_in": 3600, "fresh": False, "expired": False}  # fmt: skip
    records = [*healthy_run(), send_call(403, at=30, message_id=None, token=other)]
    kept = make_report(records, client="rc_test_client_123")
    assert (kept.inputs.calls, kept.inputs.webhooks) == (4, 2)  # token call issued the token
    assert kept.findings == ()
    assert make_report(records, client="rc_nobody").inputs.records == 0
