"""Compare two reports: per stage and per finding, what is new, gone, worse or better.

Rates, not counts: a stage's rate is its failures over its attempts, a finding's is the times it
was seen over its stage's attempts, so windows of different sizes compare fairly. A stage or
finding without evidence in a window is said to be so, never "unchanged".
"""

from __future__ import annotations

from typing import Literal

from escalate._diff._model import (
    FAILING_CHANGES,
    Diff,
    FindingChange,
    FindingDiff,
    Rate,
    StageChange,
    StageDiff,
    Window,
)
from escalate._report._model import Finding, Report, StageVerdict
from escalate._version import __version__

#: how a rate moved: both a stage change and a finding change
Trend = Literal["worse", "better", "unchanged"]
_FINDING_ORDER: tuple[FindingChange, ...] = (
    "new", "worse", "gone", "no_evidence_after", "better", "unchanged",
)  # fmt: skip


def compare_reports(before: Report, after: Report) -> Diff:
    """The diff of two windows' reports (each built by the report engine)."""
    windows = (window_of("before", before), window_of("after", after))
    stages = tuple(
        stage_diff(old, new) for old, new in zip(before.stages, after.stages, strict=True)
    )
    findings = finding_diffs(before, after)
    moved = tuple(s.change for s in stages) + tuple(f.change for f in findings)
    new_failures = any(change in FAILING_CHANGES for change in moved)
    return Diff(
        generated_by=f"escalate {__version__}",
        before=windows[0],
        after=windows[1],
        headline=diff_headline(windows, stages, findings),
        new_failures=new_failures,
        stages=stages,
        findings=findings,
    )


def window_of(label: str, report: Report) -> Window:
    """The summary of one window's report."""
    inputs = report.inputs
    return Window(
        label=label, files=inputs.files, filters=inputs.filters, records=inputs.records,
        calls=inputs.calls, webhooks=inputs.webhooks, first_seen=inputs.first_seen,
        last_seen=inputs.last_seen, first_failing_stage=report.first_failing_stage,
        headline=report.headline,
    )  # fmt: skip


def stage_diff(before: StageVerdict, after: StageVerdict) -> StageDiff:
    """One stage in both windows."""
    old, new = Rate(before.failures, before.attempts), Rate(after.failures, after.attempts)
    change = stage_change(before, after)
    summary = f"{before.id} failure rate {rates_text(old, new, stage_noun(before.id))}"
    if change in ("new_failure", "worse"):
        summary += f"; after: {after.summary}"
    return StageDiff(
        before.id, before.title, change, before.verdict, after.verdict, old, new, summary
    )


def stage_change(before: StageVerdict, after: StageVerdict) -> StageChange:
    """What happened to a stage: a failure in the after window only is always new."""
    failed_before, failed_after = before.verdict == "fail", after.verdict == "fail"
    if failed_after and not failed_before:
        return "new_failure"
    if not before.attempts and not after.attempts and not failed_after:
        return "no_evidence"
    if failed_before and not failed_after:
        return "fixed" if after.attempts else "no_evidence_after"
    if not before.attempts and not failed_before:
        return "no_evidence_before"
    if not after.attempts and not failed_after:
        return "no_evidence_after"
    return _trend(Rate(before.failures, before.attempts), Rate(after.failures, after.attempts))


def _trend(before: Rate, after: Rate) -> Trend:
    """worse, better or unchanged, by rate as shown (`percent`), so a label never contradicts
    the figures beside it; counts are compared when a window had no attempt."""
    if before.total and after.total and percent(before) == percent(after):
        return "unchanged"
    old = before.count * max(after.total, 1)
    new = after.count * max(before.total, 1)
    if new > old:
        return "worse"
    return "better" if new < old else "unchanged"


def finding_diffs(before: Report, after: Report) -> tuple[FindingDiff, ...]:
    """Every finding of either window, ordered: new, worse, gone, better, unchanged."""
    old, new = _by_symptom(before.findings), _by_symptom(after.findings)
    _file_under_covered(old, new)
    _file_under_covered(new, old)
    attempts = (_attempts(before), _attempts(after))
    diffs = [
        finding_diff(old.get(symptom), new.get(symptom), attempts)
        for symptom in dict.fromkeys([*new, *old])
    ]
    return tuple(sorted(diffs, key=lambda item: _FINDING_ORDER.index(item.change)))


def finding_diff(
    before: Finding | None, after: Finding | None, attempts: tuple[dict[str, int], dict[str, int]]
) -> FindingDiff:
    """One finding (present in at least one window) in both windows."""
    shown = after or before
    assert shown is not None  # one of the two holds it: callers pass a symptom of either
    stage = shown.stage
    old = Rate(before.evidence.count if before else 0, attempts[0].get(stage, 0))
    new = Rate(after.evidence.count if after else 0, attempts[1].get(stage, 0))
    change: FindingChange
    if before is None:
        change = "new"
    elif after is None:
        change = "gone" if new.total else "no_evidence_after"
    else:
        change = _trend(old, new)
    return FindingDiff(
        shown.symptom, shown.title, stage, shown.severity, change, old, new, shown.summary
    )


def _by_symptom(findings: tuple[Finding, ...]) -> dict[str, Finding]:
    found: dict[str, Finding] = {}
    for finding in findings:
        found.setdefault(finding.symptom, finding)
    return found


def _file_under_covered(mine: dict[str, Finding], theirs: dict[str, Finding]) -> None:
    """A finding that covers another rule's is that rule's problem where the other window reports
    it alone (`send_failed_after_numbers_ok` covers `send_forbidden` where /numbers was called):
    file it under the covered id, so the two windows compare one problem, not a new and a gone."""
    for symptom, finding in list(mine.items()):
        for covered in finding.covers:
            if covered in theirs and covered not in mine and symptom not in theirs:
                mine[covered] = mine.pop(symptom)
                break


def _attempts(report: Report) -> dict[str, int]:
    return {stage.id: stage.attempts for stage in report.stages}


def stage_noun(stage: str) -> str:
    """What a stage's attempts are called: calls, or webhook receipts."""
    return "webhook receipts" if stage == "webhooks" else "calls"


def percent(rate: Rate) -> str:
    """`9%`, `0.4%`: one decimal only under 10%, none when it is whole."""
    value = 100 * rate.value
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return text.removesuffix(".0") + "%"


def rates_text(before: Rate, after: Rate, noun: str) -> str:
    """`2% → 9% of 1,200 vs 1,350 calls`; a window without attempts is said to have none."""
    if before.total and after.total:
        return f"{percent(before)} → {percent(after)} of {before.total:,} vs {after.total:,} {noun}"
    return f"{_side(before, noun)} → {_side(after, noun)}"


def _side(rate: Rate, noun: str) -> str:
    return f"{percent(rate)} of {rate.total:,} {noun}" if rate.total else f"no {noun}"


def diff_headline(
    windows: tuple[Window, Window], stages: tuple[StageDiff, ...], findings: tuple[FindingDiff, ...]
) -> str:
    """One sentence: what fails now that did not, or that nothing new fails; sizes of both."""
    before, after = windows
    sizes = f"(before: {before.records:,} records, after: {after.records:,})"
    if not after.has_evidence:
        return f"The after window holds no evidence {sizes}: nothing can be said about it."
    failing = [s.summary for s in stages if s.change == "new_failure"]
    new = [f.symptom for f in findings if f.change == "new"]
    lead = "" if before.has_evidence else "The before window holds no evidence, so all is new. "
    if not failing and not new:
        return f"{lead}Nothing new fails {sizes}."
    parts = [f"{'; '.join(failing)}"] if failing else []
    parts += [f"new finding{'s' if len(new) > 1 else ''}: {', '.join(new)}"] if new else []
    return f"{lead}New since before {sizes}: {'; '.join(parts)}."
