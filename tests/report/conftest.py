"""Fixtures of the report tests: build a report from records written to a temporary log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from escalate._report import ReportOptions, build_report
from escalate._report._model import Finding, Report
from tests.report.builders import write_log

MakeReport = Callable[..., Report]


@pytest.fixture
def make_report(tmp_path: Path) -> MakeReport:
    """`make_report(records, **options)`: write the records to a log and build its report."""
    counter = iter(range(1000))

    def make(records: Iterable[dict[str, Any] | bytes | str], **options: Any) -> Report:
        path = write_log(tmp_path / f"log{next(counter)}.jsonl", records)
        options.setdefault("delivery_grace_s", 60.0)
        return build_report([str(path)], options=ReportOptions(**options))

    return make


def finding(report: Report, symptom: str) -> Finding:
    """The report's finding with this id (fails the test when absent)."""
    matches = [f for f in report.findings if f.symptom == symptom]
    assert matches, f"no {symptom} in {[f.symptom for f in report.findings]}"
    return matches[0]


def check_verdict(found: Finding, start: str) -> tuple[str, str]:
    """(verdict, evidence) of the finding's check whose text starts with `start`."""
    check = next(c for c in found.checks if c.text.startswith(start))
    return check.verdict, check.evidence
