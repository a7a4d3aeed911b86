"""Logs from the real instrumented httpx client and the local Red Cloud server, diagnosed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import escalate
from escalate._render import FORMATS, render
from escalate._report import ReportOptions, build_report
from escalate.sandbox import RedCloudSandbox, WebhookSink
from tests.report.conftest import check_verdict, finding

_SECRET = "whsec_sandbox"


@pytest.fixture
def evidence(tmp_path: Path) -> Iterator[Path]:
    """Records of this test go to a temporary file."""
    path = tmp_path / "evidence.jsonl"
    escalate.configure(path=path)
    yield path
    escalate.configure(path=tmp_path / "after.jsonl")


def _session(rc: RedCloudSandbox, sink: WebhookSink, send_from: str, sends: int) -> None:
    with escalate.instrument(httpx.Client(base_url=rc.base_url, timeout=5)) as client:
        form = {"grant_type": "client_credentials", "client_id": rc.client_id,
                "client_secret": rc.client_secret}  # fmt: skip
        token = client.post("/api/auth/token", data=form).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        client.get("/api/core/whoami", headers=auth)
        client.get("/api/core/numbers", headers=auth)
        for index in range(sends):
            body = {"sendFrom": send_from, "to": ["+15551234567"], "messageType": "SMS",
                    "text": "hello", "externalReference": f"order_{index}"}  # fmt: skip
            headers = {**auth, "Idempotency-Key": f"idem_{send_from}_{index}"}
            client.post("/api/core/messages/send", json=body, headers=headers)
    escalate.flush()  # the successful calls' records may still be on the writer thread
    rc.wait_for_webhooks(timeout=5)
    for received in sink.received:
        escalate.record_webhook(received.headers, received.body, response_status=200,
                                secret=_SECRET)  # fmt: skip


def test_e164_send_from_diagnosed_from_real_clients(evidence: Path) -> None:
    """Sends with an E.164 sendFrom: send is the first failing stage and the check fails n of n."""
    with WebhookSink() as sink, RedCloudSandbox(webhook_url=sink.url, webhook_secret=_SECRET) as rc:
        _session(rc, sink, "+15551234567", sends=3)
    report = build_report([str(evidence)], options=ReportOptions(delivery_grace_s=0))
    assert report.first_failing_stage == "send"
    found = finding(report, "send_failed_after_numbers_ok")
    assert check_verdict(found, "`sendFrom` uses numberId") == (
        "failed", "3 of 3 sends had a phone number (E.164) value",
    )  # fmt: skip
    assert all(row.request_id for row in found.package.rows)


def test_healthy_session_from_real_clients(evidence: Path) -> None:
    """A good session with delivered webhooks: no finding, every stage passes."""
    with WebhookSink() as sink, RedCloudSandbox(webhook_url=sink.url, webhook_secret=_SECRET) as rc:
        _session(rc, sink, "num_abc123", sends=2)
    report = build_report([str(evidence)], options=ReportOptions(delivery_grace_s=0))
    assert [f.symptom for f in report.findings] == []
    assert [s.verdict for s in report.stages] == ["pass"] * 5


def _fix_of(evidence: Path, rule: str) -> Any:
    report = build_report([str(evidence)], options=ReportOptions(delivery_grace_s=0))
    return finding(report, rule).fix


def test_own_number_in_send_from_fixed_to_its_number_id(evidence: Path) -> None:
    """An E.164 sendFrom that is one of the client's numbers: the fix names its numberId."""
    with WebhookSink() as sink, RedCloudSandbox(webhook_url=sink.url, webhook_secret=_SECRET) as rc:
        _session(rc, sink, "+15551230001", sends=1)
    fix = _fix_of(evidence, "send_failed_after_numbers_ok")
    assert "use `sendFrom: num_sms_only`" in fix.why
    assert '"sendFrom":"num_sms_only"' in fix.should_be


def test_send_from_fix_leaks_neither_number_in_any_format(evidence: Path) -> None:
    """The sender and recipient numbers appear in no format, fix included; the evidence neither."""
    with WebhookSink() as sink, RedCloudSandbox(webhook_url=sink.url, webhook_secret=_SECRET) as rc:
        _session(rc, sink, "+15551230001", sends=1)
    report = build_report([str(evidence)], options=ReportOptions(delivery_grace_s=0))
    outputs = [render(report, fmt) for fmt in FORMATS] + [evidence.read_text()]
    assert [o for o in outputs if "5551230001" in o or "5551234567" in o] == []
    assert all("num_sms_only" in output for output in outputs[:-1])


def test_foreign_number_in_send_from_is_not_one_of_yours(evidence: Path) -> None:
    """An E.164 sendFrom that none of the client's numbers is: "not one of yours"."""
    with WebhookSink() as sink, RedCloudSandbox(webhook_url=sink.url, webhook_secret=_SECRET) as rc:
        _session(rc, sink, "+15559990000", sends=1)
    fix = _fix_of(evidence, "send_failed_after_numbers_ok")
    assert "this number is not one of yours" in fix.why
    assert "9990000" not in f"{fix}"


def test_forbidden_number_fix_lists_the_owned_number_ids(evidence: Path) -> None:
    """A 403 for another client's numberId, with the numbers list: the owned numberIds."""
    with WebhookSink() as sink, RedCloudSandbox(webhook_url=sink.url, webhook_secret=_SECRET) as rc:
        _session(rc, sink, "num_other_client", sends=2)
    report = build_report([str(evidence)], options=ReportOptions(delivery_grace_s=0))
    found = finding(report, "send_failed_after_numbers_ok")
    assert "send_forbidden" in found.covers
    assert found.fix is not None
    assert "`num_other_client` is not one of the numbers" in found.fix.why
    assert "`num_abc123`, `num_sms_only`, `num_no_campaign`" in found.fix.why
