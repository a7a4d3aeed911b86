"""The two windows of a diff: two sets of inputs, or one set split at a time (`--at`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

from escalate._report import OptionError, ReportOptions, build_report, parse_time
from escalate._report._model import Report
from escalate._report._reading._records import format_ts, parse_ts

#: the record timestamps' resolution: the before window ends this long before `--at`
_TICK = timedelta(microseconds=1)


@dataclasses.dataclass(frozen=True)
class Windows:
    """The inputs and options of each window."""

    before_paths: tuple[str, ...]
    after_paths: tuple[str, ...]
    before: ReportOptions
    after: ReportOptions


def given_windows(
    before: Sequence[str], after: Sequence[str], options: ReportOptions
) -> Windows:
    """Two sets of inputs, both read with the same filters."""
    _refuse_stdin((*before, *after))
    return Windows(tuple(before), tuple(after), options, options)


def split_windows(
    paths: Sequence[str], at: str, options: ReportOptions, now: datetime | None = None
) -> Windows:
    """One set of inputs: before is every record until just before `at`, after from `at` on.

    `--since` still starts the before window and `--until` ends the after one; raises
    `OptionError` for a time that cannot be read.
    """
    _refuse_stdin(paths)
    moment = parse_time(at, now)
    until = parse_time(options.until, now) if options.until else None
    since = parse_time(options.since, now) if options.since else None
    just_before = format_ts(parse_ts(moment) - _TICK)
    before = dataclasses.replace(options, until=min(filter(None, (until, just_before))))
    after = dataclasses.replace(options, since=max(filter(None, (since, moment))))
    return Windows(tuple(paths), tuple(paths), before, after)


def _refuse_stdin(paths: Sequence[str]) -> None:
    if "-" in paths:
        raise OptionError("diff reads files, directories or globs; - (stdin) cannot be a window")


def build_windows(windows: Windows) -> tuple[Report, Report]:
    """Each window's report, built by the report engine; raises `InputError`/`OptionError`."""
    return (
        build_report(windows.before_paths, options=windows.before),
        build_report(windows.after_paths, options=windows.after),
    )
