"""The report shows what the API said (error.message, errors[].code), who called and where."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._render import FORMATS, Format
from tests.report.builders import (
    SEND_BODY,
    healthy_run,
    send_call,
    token_call,
    webhook,
    write_log,
)
from tests.report.conftest import MakeReport, finding

CLIENT_ID = "rc_live_client_42"
MESSAGE = "sendFrom must be a numberId"


def _e164_send(at: float) -> dict[str, object]:
    return send_call(400, at=at, message_id=None, error_code="INVALID_REQUEST",
                     error_message=MESSAGE, request_id=f"req_{at:g}",
                     payload={**SEND_BODY, "sendFrom": "<e164>"})  # fmt: skip


def test_package_rows_and_evidence_carry_the_error_message(make_report: MakeReport) -> None:
    """Each package row has the call's error.message; the evidence lists it per status."""
    found = finding(make_report([_e164_send(1), _e164_send(2)]), "send_invalid_request")
    assert {row.error_message for row in found.package.rows} == {MESSAGE}
    assert dict(found.evidence.details)["API error (400 INVALID_REQUEST)"] == MESSAGE


def test_recipient_error_codes_are_shown(make_report: MakeReport) -> None:
    """Verbatim per-recipient errors[].code values appear in the partial acceptance evidence."""
    errors = [{"to": "<phone:not_e164>", "code": "INVALID_RECIPIENT"}, {"code": "<str:len=9>"}]
    response = {"results": [{"to": "<e164>", "messageId": "msg_1", "status": "QUEUED"}],
                "errors_count": 2, "errors": errors}  # fmt: skip
    found = finding(make_report([send_call(202, response=response), webhook(at=2)]),
                    "partial_acceptance")  # fmt: skip
    details = dict(found.evidence.details)
    assert details["recipient errors[].code (sampled calls)"] == "INVALID_RECIPIENT x1"


def test_token_failure_names_the_client_and_the_host(make_report: MakeReport) -> None:
    """A refused token request says which client_id failed where."""
    refused = token_call(401, error_code="invalid_client", client_id=CLIENT_ID,
                         host="api.redcloud.example")  # fmt: skip
    report = make_report([refused])
    assert f"of client_id {CLIENT_ID} to api.redcloud.example" in report.findings[0].summary
    context = dict(report.client_context)
    assert (context["client_id (token request)"], context["API host"]) == (
        CLIENT_ID,
        "api.redcloud.example",
    )


def test_client_context_has_token_client_whoami_client_and_host(make_report: MakeReport) -> None:
    """The token request's client_id, whoami's apiClientId and the API host, in that order."""
    records = healthy_run()
    records[0]["client_id"] = CLIENT_ID
    keys = [key for key, _ in make_report(records).client_context]
    assert keys[0] == "client_id (token request)" and keys[-1] == "API host"
    assert "apiClientId" in keys


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
def test_every_format_shows_the_api_words_and_who(tmp_path: Path, fmt: Format) -> None:
    """Markdown, HTML, JSON and text all show error.message, client_id and host."""
    records = [token_call(client_id=CLIENT_ID), _e164_send(3)]
    log = write_log(tmp_path / "app.jsonl", records)
    output = CliRunner().invoke(main, ["report", str(log), "--format", fmt.value]).output
    assert [word for word in (MESSAGE, CLIENT_ID, "127.0.0.1:8000") if word not in output] == []
