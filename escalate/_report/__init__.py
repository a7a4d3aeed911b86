"""Processing: read evidence logs, aggregate in one pass, diagnose, build a `Report`."""

from __future__ import annotations

from escalate._report._aggregation._state import AggregateState
from escalate._report._build import build_report, report_from_state
from escalate._report._diagnosis.rules import RULES
from escalate._report._filters import OptionError, ReportOptions, parse_duration, parse_time
from escalate._report._reading._reader import LineStats, iter_records
from escalate._report._reading._sources import InputError

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
