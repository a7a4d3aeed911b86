"""The last secret scan over a finished report (issue: nothing is written unscanned)."""

from __future__ import annotations

import dataclasses

from escalate._report._model import Redactions, Report
from escalate._scan import SecretScanner


def redact_report(report: Report, scanner: SecretScanner) -> Report:
    """Scan every string of `report`; record what the scanner replaced so far, by rule."""
    scanned = scanner.scan_strings(report)
    return dataclasses.replace(scanned, redactions=Redactions(by_rule=scanner.summary()))
