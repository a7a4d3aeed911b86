"""No report contradicts itself: properties checked over every sample and generated scenarios."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalate._report import RULES, ReportOptions, build_report
from escalate._report._diagnosis.rules._base import leading
from escalate._report._filters import parse_duration
from escalate._report._model import Report
from tests.report.builders import (
    SEND_BODY,
    call,
    healthy_run,
    numbers_call,
    send_call,
    token_call,
    webhook,
    whoami_call,
    write_log,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MANIFEST: dict[str, dict[str, Any]] = orjson.loads((SAMPLES / "manifest.json").read_bytes())
RULE_IDS = re.compile("|".join(re.escape(rule.id) for rule in RULES))


def contradictions(report: Report) -> list[str]:
    """Every way the report contradicts itself or claims evidence it does not have."""
    found: list[str] = []
    headline = report.headline
    for path in report.inputs.files:  # a sample's folder may be named after a rule
        headline = headline.replace(path, "<file>")
    if RULE_IDS.search(headline):
        found.append(f"rule id in the headline: {report.headline}")
    symptoms = {f.symptom for f in report.findings}
    for finding in report.findings:
        verdicts = {check.text: check.verdict for check in finding.checks}
        found += [f"{finding.symptom} covers {c}, reported too" for c in finding.covers
                  if c in symptoms]  # fmt: skip
        for cause in finding.causes:
            where = f"{finding.symptom}: cause {cause.text!r}"
            if cause.weight > 0 and not cause.evidence:
                found.append(f"{where} has weight {cause.weight} and cites no evidence")
            if cause.weight == 0 and cause.evidence:
                found.append(f"{where} has no weight but cites {cause.evidence!r}")
            if cause.check and cause.check not in verdicts:
                found.append(f"{where} names a check the finding lacks: {cause.check!r}")
            if cause.weight > 0 and verdicts.get(cause.check) == "passed":
                found.append(f"{where} claims {cause.check!r} fails, but it passed")
        top = leading(finding.causes)
        if top is not None and top.action and finding.next_action != top.action:
            found.append(f"{finding.symptom}: next action does not follow the top cause")
    first = report.first_failing_stage
    if first is not None and not any(f.severity == "error" for f in report.findings):
        found.append(f"{first} fails first, and no finding explains it (no package)")
    return found


def _sample_report(name: str) -> Report:
    args = MANIFEST[name]["report_args"]
    options = dict(zip(args[::2], args[1::2], strict=True))
    grace = parse_duration(options.get("--delivery-grace", "90m"))
    return build_report([str(SAMPLES / name)], options=ReportOptions(delivery_grace_s=grace))


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_sample_report_does_not_contradict_itself(name: str) -> None:
    """Each sample's report passes every consistency property."""
    assert contradictions(_sample_report(name)) == []


_NOT_OWNED = {**SEND_BODY, "sendFrom": "num_someone_else"}
_E164 = {**SEND_BODY, "sendFrom": "<e164>"}
_NO_KEY = {"present": False, "fingerprint": None}
_MENU: tuple[dict[str, Any], ...] = (
    token_call(401, error_code="invalid_client", response=None),
    token_call(400, error_code="invalid_request", payload={"grant_type": "password"}),
    token_call(None),
    token_call(),
    whoami_call(),
    whoami_call(delivery=False),
    call("/api/core/whoami", 401, error_code="UNAUTHORIZED"),
    numbers_call(),
    send_call(),
    send_call(403, message_id=None, error_code="FORBIDDEN", payload=_NOT_OWNED),
    send_call(403, message_id=None, error_code="FORBIDDEN"),
    send_call(400, message_id=None, error_code="INVALID_REQUEST", payload=_E164),
    send_call(400, message_id=None, error_code="INVALID_REQUEST", idempotency=_NO_KEY),
    send_call(409, message_id=None, error_code="CONFLICT"),
    send_call(502, message_id=None, error_code="UPSTREAM_ERROR"),
    send_call(None, message_id=None),
    webhook(),
    webhook(signature="invalid", response_status=401),
    webhook(signature="valid", response_status=401),
    webhook(signature="not_checked", response_status=403),
    webhook(signature="missing", response_status=200),
    webhook(response_status=500),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(range(len(_MENU))), min_size=1, max_size=12),
       st.sampled_from([0.0, 60.0, 86400.0]))  # fmt: skip
def test_generated_report_does_not_contradict_itself(picks: list[int], grace: float) -> None:
    """Any mix of token, whoami, numbers, send and webhook records passes every property."""
    records = [{**_MENU[index], "ts": healthy_run(at=at)[0]["ts"]} for at, index in
               enumerate(picks)]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = write_log(Path(folder) / "log.jsonl", records)
        report = build_report([str(path)], options=ReportOptions(delivery_grace_s=grace))
    assert contradictions(report) == []
