"""Diagnosis: stage verdicts in the debugging order, first failing stage, caused-by notes."""

from __future__ import annotations

import pytest

from escalate._report._aggregation import _state
from escalate._report._model import report_to_dict
from tests.report.builders import (
    call,
    healthy_run,
    numbers_call,
    send_call,
    token_call,
    webhook,
    whoami_call,
)
from tests.report.conftest import MakeReport, finding


def test_stages_without_evidence_are_unknown(make_report: MakeReport) -> None:
    """A log with only webhooks leaves token..send unknown."""
    report = make_report([webhook()])
    assert [s.verdict for s in report.stages] == ["unknown"] * 4 + ["pass"]


def test_token_passes_when_core_calls_authenticated(make_report: MakeReport) -> None:
    """No token request, but successful CORE calls: the token stage passes."""
    report = make_report([whoami_call()])
    assert report.stages[0].verdict == "pass"


def test_first_failing_stage_leads(make_report: MakeReport) -> None:
    """A whoami failure before failing sends makes whoami the first failing stage."""
    records = [
        token_call(),
        call("/api/core/whoami", 401, at=1, error_code="UNAUTHORIZED"),
        send_call(403, at=3, message_id=None, error_code="FORBIDDEN"),
    ]
    report = make_report(records)
    assert report.first_failing_stage == "whoami"
    assert report.headline.startswith("The first failing stage is whoami")


def test_later_findings_note_the_earlier_stage(make_report: MakeReport) -> None:
    """Findings after the first failing stage say they are probably caused by it."""
    records = [
        token_call(),
        call("/api/core/whoami", 401, at=1, error_code="UNAUTHORIZED"),
        send_call(403, at=3, message_id=None, error_code="FORBIDDEN"),
    ]
    report = make_report(records)
    assert finding(report, "send_forbidden").caused_by == "whoami"
    assert finding(report, "whoami_failed").caused_by is None
    assert "probably caused by it" in report.headline


def test_no_delivery_after_sends_never_accepted_points_to_send(make_report: MakeReport) -> None:
    """Sends never accepted: the silent webhooks stage says send failed earlier."""
    records = [
        token_call(),
        whoami_call(at=1),
        numbers_call(at=2),
        send_call(403, at=3, message_id=None, error_code="FORBIDDEN"),
    ]
    report = make_report(records, delivery_grace_s=0)
    webhooks = report.stages[-1]
    assert (report.first_failing_stage, webhooks.verdict) == ("send", "unknown")
    assert webhooks.summary.endswith("probably because send failed earlier")


def test_webhook_findings_are_not_blamed_on_earlier_stages(make_report: MakeReport) -> None:
    """An accepted message that was never delivered passed every earlier stage."""
    records = [
        token_call(),
        whoami_call(at=1),
        numbers_call(at=2),
        send_call(403, at=3, message_id=None, error_code="FORBIDDEN", operation="fp_a"),
        send_call(202, at=4, message_id="msg_9", operation="fp_b"),
    ]
    report = make_report(records, delivery_grace_s=0)
    assert report.first_failing_stage == "send"
    assert finding(report, "no_webhook_events").caused_by is None


def test_findings_are_ordered_by_stage(make_report: MakeReport) -> None:
    """Findings follow the debugging order."""
    records = [
        webhook(at=1, signature="invalid", response_status=401),
        send_call(400, at=2, message_id=None, error_code="INVALID_REQUEST"),
        token_call(401, at=3, error_code="invalid_client"),
    ]
    ids = [f.symptom for f in make_report(records).findings]
    assert ids == ["token_request_failed", "send_invalid_request", "webhook_signature_invalid"]


def test_timeline_has_at_most_60_slices(make_report: MakeReport) -> None:
    """Three hours of records become at most 60 slices of whole minutes, every stage each."""
    records = [send_call(at=i * 600, message_id=f"m{i}", operation=f"fp_{i}") for i in range(19)]
    report = make_report(records)
    slices = {bucket.start for bucket in report.timeline}
    assert len(slices) <= 60
    assert report.timeline_slice_s % 60 == 0
    assert len(report.timeline) == 5 * len(slices)
    assert sum(b.ok for b in report.timeline if b.stage == "send") == 19


def test_timeline_of_a_few_seconds_has_second_slices(make_report: MakeReport) -> None:
    """Records 3 seconds apart land in one-second slices, not in a single minute column."""
    records = [send_call(at=i, message_id=f"m{i}", operation=f"fp_{i}") for i in range(4)]
    report = make_report(records)
    sends = [b.ok for b in report.timeline if b.stage == "send"]
    assert report.timeline_slice_s == 1
    assert sends == [1, 1, 1, 1]


def test_timeline_rows_become_per_minute_past_the_bound(
    make_report: MakeReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_SECOND_ROWS, new rows are per minute; every record is still counted."""
    monkeypatch.setattr(_state, "MAX_SECOND_ROWS", 3)
    records = [send_call(at=i * 7, message_id=f"m{i}", operation=f"fp_{i}") for i in range(30)]
    report = make_report(records)
    assert report.timeline_slice_s % 60 == 0
    assert sum(b.ok for b in report.timeline if b.stage == "send") == 30


def test_timeline_counts_webhook_failures(make_report: MakeReport) -> None:
    """Webhook receipts count under `webhooks`; a bad signature is a failure."""
    records = [*healthy_run(), webhook(at=12, signature="invalid", response_status=401)]
    buckets = [b for b in make_report(records).timeline if b.stage == "webhooks"]
    assert (sum(b.ok for b in buckets), sum(b.failed for b in buckets)) == (2, 1)


def test_skipped_lines_are_reported(make_report: MakeReport) -> None:
    """Broken lines appear in the report by reason, with file and line number."""
    report = make_report([*healthy_run(), '{"schema":"escalate.evidence/1","kind":"call"'])
    data = report_to_dict(report)["inputs"]["skipped"]
    assert data["by_reason"] == {"truncated": 1}
    assert data["examples"][0]["line"] == 7


def test_escalation_package_names_missing_request_id(make_report: MakeReport) -> None:
    """A failing CORE call without requestId makes the package incomplete, saying how to fix it."""
    records = [send_call(403, at=i, message_id=None, error_code="FORBIDDEN") for i in range(3)]
    package = finding(make_report(records), "send_forbidden").package
    assert not package.ready
    assert any(item.startswith("no requestId captured") for item in package.missing)
    assert package.reproduces.startswith("consistently: 3 of 3 attempts failed over 2s")


def test_escalation_package_ready(make_report: MakeReport) -> None:
    """requestIds, payload shapes and known token freshness: ready to escalate."""
    records = [
        send_call(403, at=i, message_id=None, error_code="FORBIDDEN", request_id=f"req_{i}")
        for i in range(3)
    ]
    package = finding(make_report(records), "send_forbidden").package
    assert package.ready, package.missing
    assert package.rows[0].request_id == "req_0"
    assert package.rows[0].token_fresh == "no: cached, age 120 s, expires in 3480 s"
