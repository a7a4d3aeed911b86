"""Processing: read evidence logs, aggregate in one pass, diagnose, build a `Report`."""

from __future__ import annotations

from escalate._report._aggregate import AggregateState
from escalate._report._build import build_report, report_from_state
from escalate._report._filters import OptionError, ReportOptions, parse_duration, parse_time
from escalate._report._inputs import InputError
from escalate._report._reader import LineStats, iter_records
from escalate._report.rules import RULES

__all__ = [
    "RULES",
    "AggregateState",
    "InputError",
    "LineStats",
    "OptionError",
    "ReportOptions",
    "build_report",
    "iter_records",
    "parse_duration",
    "parse_time",
    "report_from_state",
]
