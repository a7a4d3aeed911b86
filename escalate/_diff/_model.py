"""The diff's typed values: two windows' reports compared, stage by stage and finding by finding.

`diff_to_dict` is the one conversion to plain data (schema `escalate.diff/1`); the JSON format and
every diff template start from it, so the formats cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

DIFF_SCHEMA = "escalate.diff/1"

#: what happened to a stage between the windows
StageChange = Literal[
    "new_failure", "fixed", "worse", "better", "unchanged", "no_evidence_before",
    "no_evidence_after", "no_evidence",
]  # fmt: skip
#: what happened to a finding between the windows
FindingChange = Literal["new", "gone", "worse", "better", "unchanged", "no_evidence_after"]
#: changes that make `escalate diff` exit 1: something fails now that did not before
FAILING_CHANGES: tuple[str, ...] = ("new_failure", "new")
#: `--fail-on` values: what else makes the diff fail a gate
FailOn = Literal["new", "worse"]


@dataclass(frozen=True)
class Rate:
    """`count` of `total` (a failure rate): 0.0 when there is no attempt, with `total` 0."""

    count: int
    total: int

    @property
    def value(self) -> float:
        """count / total, 0.0 without attempts (check `total` before reading it as healthy)."""
        return self.count / self.total if self.total else 0.0


@dataclass(frozen=True)
class Window:
    """One side of the diff: what was read and what its report says."""

    label: str  #: `before` or `after`
    files: tuple[str, ...]
    filters: tuple[tuple[str, str], ...]  #: ("--until", "2026-..."), the split included
    records: int
    calls: int
    webhooks: int
    first_seen: str | None
    last_seen: str | None
    first_failing_stage: str | None
    headline: str

    @property
    def has_evidence(self) -> bool:
        """Whether the window holds any evidence record at all."""
        return self.records > 0


@dataclass(frozen=True)
class StageDiff:
    """One stage in both windows."""

    id: str
    title: str
    change: StageChange
    before_verdict: str
    after_verdict: str
    before: Rate  #: failures of attempts
    after: Rate
    summary: str  #: one sentence: "send failure rate 0% -> 75% of 4 vs 4 calls"


@dataclass(frozen=True)
class FindingDiff:
    """One finding (rule id) in either window, with its rate over its stage's attempts."""

    symptom: str
    title: str
    stage: str
    severity: str
    change: FindingChange
    before: Rate  #: times seen of the stage's attempts (0 of N when absent)
    after: Rate
    summary: str  #: the finding's own summary from the window that has it (after first)


@dataclass(frozen=True)
class Diff:
    """Everything a diff renderer needs."""

    generated_by: str
    before: Window
    after: Window
    headline: str
    new_failures: bool  #: a stage fails or a finding appears that the before window did not have
    stages: tuple[StageDiff, ...]  #: the five stages, in the debugging order
    findings: tuple[FindingDiff, ...]  #: new first, then worse, gone, better, unchanged
    redactions: tuple[tuple[str, int], ...] = field(default=())


def gate_fails(diff: Diff, fail_on: FailOn = "new") -> bool:
    """Whether the diff fails a canary gate: something new fails (or, with `worse`, a rate rose),
    or the after window holds no evidence (a gate must not pass on nothing)."""
    if not diff.after.has_evidence:
        return True
    failing = FAILING_CHANGES + (("worse",) if fail_on == "worse" else ())
    return any(change in failing for change in changes(diff))


def changes(diff: Diff) -> tuple[str, ...]:
    """Every stage's and finding's change."""
    return tuple(s.change for s in diff.stages) + tuple(f.change for f in diff.findings)


def diff_to_dict(diff: Diff) -> dict[str, Any]:
    """Convert a diff to the plain data of its JSON format (schema `escalate.diff/1`).

    Rates become `{"count", "total", "rate"}`; windows gain `has_evidence`; `stages` is an
    object keyed by stage id, in the debugging order; `redactions` an object by scan rule.
    """
    data = dataclasses.asdict(diff)
    for side in ("before", "after"):
        window = getattr(diff, side)
        data[side]["filters"] = dict(window.filters)
        data[side]["has_evidence"] = window.has_evidence
    for item in (*data["stages"], *data["findings"]):
        for side in ("before", "after"):
            item[side]["rate"] = round(Rate(**item[side]).value, 4)
    data["stages"] = {stage["id"]: stage for stage in data["stages"]}
    data["redactions"] = dict(data["redactions"])
    return {"schema": DIFF_SCHEMA, **data}
