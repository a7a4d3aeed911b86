"""The report's typed values: what the diagnosis produces and every renderer consumes.

`report_to_dict` is the one conversion to plain data; the JSON format, the Jinja2 context of every
template and the bundle all start from it, so the formats cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

REPORT_SCHEMA = "escalate.report/1"

Verdict = Literal["pass", "fail", "unknown"]
CheckVerdict = Literal["passed", "failed", "unknown"]
ReportVerdict = Literal["fail", "warnings", "pass", "no_evidence"]


@dataclass(frozen=True)
class StageVerdict:
    """One stage of the debugging order and what the evidence says about it."""

    id: str  #: `token`, `whoami`, `numbers`, `send`, `webhooks`
    title: str  #: "Token acquisition", ...
    verdict: Verdict
    summary: str  #: one sentence: "3 of 3 token requests failed with 401 invalid_client"
    attempts: int = 0  #: calls (or webhook receipts) seen for this stage
    failures: int = 0
    first_seen: str | None = None  #: ISO timestamps
    last_seen: str | None = None


@dataclass(frozen=True)
class Check:
    """One item of the guide's "Check:" list with the verdict the evidence gives it."""

    text: str  #: the check as the guide words it: "`sendFrom` uses numberId, not the phone number"
    verdict: CheckVerdict
    evidence: str  #: "12 of 12 sends had an E.164 value"


@dataclass(frozen=True)
class Cause:
    """A likely cause, ranked by the evidence (higher `weight` first)."""

    text: str
    weight: int  #: observations supporting it; 0 = listed by the guide only
    evidence: str = ""  #: the observations, required when `weight` > 0
    action: str = ""  #: the best next action when this cause is ranked first
    #: the text of the finding's check this cause contradicts: the cause claims that check fails
    check: str = ""


@dataclass(frozen=True)
class PackageRow:
    """One row of the guide's minimum useful escalation package, for one call."""

    endpoint: str  #: "POST /api/core/messages/send"
    status: str  #: "403" or "no response (ReadTimeout)"
    timestamp: str
    request_id: str | None
    payload_shape: str  #: compact JSON of the shape descriptor
    #: the guide's "was this a new token or a cached old one?": "yes (acquired 0.01 s before,
    #: expires in 3600 s)", "no: cached, age 3712 s, expired", "unknown (...)"
    token_fresh: str
    message_ids: tuple[str, ...] = ()
    error_message: str | None = None  #: the CORE wrapper's `error.message` (OAuth description)


@dataclass(frozen=True)
class EscalationPackage:
    """The minimum useful package for one finding, and whether it is complete."""

    rows: tuple[PackageRow, ...]
    reproduces: str  #: "yes: 12 of 12 attempts failed between A and B"
    ready: bool
    missing: tuple[str, ...] = ()  #: "no requestId captured: ..."


@dataclass(frozen=True)
class Evidence:
    """The observations behind a finding."""

    count: int
    first_seen: str | None
    last_seen: str | None
    request_ids: tuple[str, ...] = ()  #: at most 20
    message_ids: tuple[str, ...] = ()  #: at most 20
    details: tuple[tuple[str, str], ...] = ()  #: ("status/code", "403 FORBIDDEN x12")


@dataclass(frozen=True)
class Fix:
    """The failing request as it was and as it should be: the one change, explained.

    Shapes and numberIds only, never a value capture did not keep: `was` and `should_be` are
    request shapes (or, for a handler, code), so a fix passes the last secret scan like the rest.
    """

    field: str  #: what changes: "sendFrom", "Idempotency-Key header", "webhook verification"
    was: str  #: the request's shape as captured (compact JSON), or the code pattern it follows
    should_be: str  #: the same request with the one change, or the corrected code
    why: str  #: one or two sentences: which guide rule, which number


@dataclass(frozen=True)
class Finding:
    """One symptom of the troubleshooting guide that the evidence shows."""

    symptom: str  #: stable rule id, e.g. `send_forbidden`
    title: str  #: the guide's symptom heading
    stage: str  #: the stage it belongs to
    severity: Literal["error", "warning"]
    summary: str  #: one sentence for the top of the report
    checks: tuple[Check, ...]
    causes: tuple[Cause, ...]  #: ranked, most likely first
    next_action: str
    evidence: Evidence
    package: EscalationPackage
    caused_by: str | None = None  #: id of an earlier stage that probably explains this finding
    #: ids of rules whose every observation this finding explains (the same failed sends): their
    #: findings are not reported separately
    covers: tuple[str, ...] = ()
    fix: Fix | None = None  #: the corrected request, for the mistakes the guide names


@dataclass(frozen=True)
class SkippedLines:
    """Lines that were read but not used, by reason."""

    not_evidence: int = 0  #: other services' lines: expected, not an error
    by_reason: tuple[tuple[str, int], ...] = ()  #: ("invalid_json", 3), ("newer_schema", 1), ...
    examples: tuple[tuple[str, str, int], ...] = ()  #: (reason, file, line number), at most 10


@dataclass(frozen=True)
class InputSummary:
    """What was read."""

    files: tuple[str, ...]
    lines: int
    records: int  #: evidence records used after filters
    calls: int
    webhooks: int
    first_seen: str | None
    last_seen: str | None
    filters: tuple[tuple[str, str], ...] = ()  #: ("--since", "2026-11-27T10:00:00Z"), ...
    skipped: SkippedLines = field(default_factory=SkippedLines)
    #: envelopes unwrapped and the records each gave: ("docker", 1204), ... (docs/inputs.md)
    envelopes: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class NoEvidence:
    """Why a report has no evidence record to judge, and what to do about it."""

    reason: str  #: "the 2 input files are empty", "120 records, none matches --since 2h", ...
    action: str  #: "check that capture is configured and ESCALATE_LOG is the file you passed"


@dataclass(frozen=True)
class Redactions:
    """What the last secret scan replaced before writing, by rule; never the values."""

    by_rule: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class TimelineBucket:
    """Calls and webhooks of one stage in one time slice, for the HTML timeline."""

    start: str  #: ISO timestamp of the slice start
    stage: str  #: one of the five stage ids
    ok: int
    failed: int


@dataclass(frozen=True)
class Report:
    """Everything a renderer needs."""

    generated_by: str  #: "escalate 0.1.0"
    inputs: InputSummary
    stages: tuple[StageVerdict, ...]  #: always the five stages, in the debugging order
    first_failing_stage: str | None
    headline: str  #: one sentence for a person: what fails first, and why
    findings: tuple[Finding, ...]  #: ordered by stage, then severity
    #: who and where: ("client_id", "rc_..."), ("apiClientId", "rc_..."), ("API host", ...), ...
    client_context: tuple[tuple[str, str], ...] = ()
    #: `fail`, `warnings`, `pass`, or `no_evidence` (no evidence record left to judge)
    verdict: ReportVerdict = "pass"
    no_evidence: NoEvidence | None = None
    #: logs that seem missing when only part of the debugging order has evidence
    missing_logs: tuple[str, ...] = ()
    redactions: Redactions = field(default_factory=Redactions)
    #: at most 60 equal slices over the input's time span, every stage per slice
    timeline: tuple[TimelineBucket, ...] = ()
    timeline_slice_s: float = 0.0


def report_to_dict(report: Report) -> dict[str, Any]:
    """Convert a report to the plain data of the JSON format (schema `escalate.report/1`).

    Top-level keys: `schema`, `generated_by`, `inputs`, `stages` (an object keyed by stage id, in
    the debugging order, each with `verdict`), `first_failing_stage`, `headline`, `findings` (a
    list, each with its rule id under `symptom`), `client_context`, `verdict`, `no_evidence`,
    `missing_logs`, `redactions`, `timeline`, `timeline_slice_s`.
    """
    data = dataclasses.asdict(report)
    data["stages"] = {stage["id"]: stage for stage in data["stages"]}
    data["client_context"] = dict(data["client_context"])
    data["redactions"] = dict(data["redactions"]["by_rule"])
    skipped = data["inputs"]["skipped"]
    skipped["by_reason"] = dict(skipped["by_reason"])
    skipped["examples"] = [
        {"reason": reason, "file": path, "line": line} for reason, path, line in skipped["examples"]
    ]
    data["inputs"]["filters"] = dict(data["inputs"]["filters"])
    data["inputs"]["envelopes"] = dict(data["inputs"]["envelopes"])
    for finding in data["findings"]:
        finding["evidence"]["details"] = dict(finding["evidence"]["details"])
    return {"schema": REPORT_SCHEMA, **data}
