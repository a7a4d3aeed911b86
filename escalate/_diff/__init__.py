"""`escalate diff`: two windows of evidence (two sets of inputs, or one split at a time), each
diagnosed by the report engine, compared stage by stage and finding by finding."""

from __future__ import annotations

from escalate._diff._compare import compare_reports
from escalate._diff._model import (
    DIFF_SCHEMA,
    Diff,
    FailOn,
    FindingDiff,
    Rate,
    StageDiff,
    Window,
    diff_to_dict,
    gate_fails,
)
from escalate._diff._render import render_diff
from escalate._diff._windows import Windows, build_windows, given_windows, split_windows

__all__ = [
    "DIFF_SCHEMA",
    "Diff",
    "FailOn",
    "FindingDiff",
    "Rate",
    "StageDiff",
    "Window",
    "Windows",
    "build_windows",
    "compare_reports",
    "diff_to_dict",
    "gate_fails",
    "given_windows",
    "render_diff",
    "split_windows",
]
