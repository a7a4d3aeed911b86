"""What changed between two successive reports of a followed log, one line per change.

These are the plain lines `escalate report --follow` appends when its output is not a terminal:
a stage whose verdict changed, the first failing stage, a new or gone finding, and what happened
to the files (followed, rotated, truncated).
"""

from __future__ import annotations

from escalate._report._model import Report

#: what a file event line says, by the event of `_tail.Block`
FILE_EVENTS = {
    "following": "following",
    "rotated": "rotated or removed: read to its end and closed",
    "truncated": "truncated: reading it again from the start",
    "compressed": "compressed: not followed (give it to escalate report without --follow)",
}


def report_changes(old: Report | None, new: Report) -> list[str]:
    """The lines saying what `new` says that `old` (None: nothing read yet) did not."""
    lines = _stage_changes(old, new)
    old_first = old.first_failing_stage if old else None
    if new.first_failing_stage != old_first:
        lines.append(_first_line(new))
    known = {finding.symptom for finding in old.findings} if old else set()
    for finding in new.findings:
        if finding.symptom not in known:
            lines.append(f"new finding {finding.symptom} ({finding.stage}): {finding.summary}")
    current = {finding.symptom for finding in new.findings}
    lines += [f"finding gone: {symptom}" for symptom in sorted(known - current)]
    return lines


def _stage_changes(old: Report | None, new: Report) -> list[str]:
    before = {stage.id: stage.verdict for stage in old.stages} if old else {}
    return [
        f"stage {stage.id}: {before.get(stage.id, 'unknown')} -> {stage.verdict} ({stage.summary})"
        for stage in new.stages
        if stage.verdict != before.get(stage.id, "unknown")
    ]


def _first_line(report: Report) -> str:
    if report.first_failing_stage is None:
        return "no failing stage any more"
    return f"first failing stage: {report.first_failing_stage}"


def file_event(event: str, name: str) -> str:
    """`file app.jsonl: truncated: reading it again from the start`."""
    return f"file {name}: {FILE_EVENTS.get(event, event)}"


def status_line(report: Report) -> str:
    """One line for the end: what was read and what it says (no evidence said plainly)."""
    inputs = report.inputs
    if inputs.records == 0:
        return f"no evidence record in {inputs.lines:,} lines read: nothing can be said yet"
    first = report.first_failing_stage
    verdict = f"first failing stage: {first}" if first else "no failing stage"
    findings = ", ".join(finding.symptom for finding in report.findings) or "none"
    return f"{inputs.records:,} records read; {verdict}; findings: {findings}"
