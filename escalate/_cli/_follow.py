"""`escalate report --follow`: its options and its run, kept apart from the one-shot report."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

import click

from escalate._cli._exit import ExitCode, report_exit_code
from escalate._cli._options import InputProblem
from escalate._report import InputError, OptionError, ReportOptions, parse_duration
from escalate._report._filters import Engine
from escalate._report._model import Report
from escalate._scan import ScanConfig

_F = TypeVar("_F", bound=Callable[..., Any])
#: the options only `--follow` reads, in the order `--help` shows them
FOLLOW_PARAMS = ("fail_fast", "interval", "follow_timeout")


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = parse_duration(value)
    except OptionError as error:
        raise click.BadParameter(str(error)) from None
    if seconds <= 0 and param.name == "interval":
        raise click.BadParameter("give a positive duration, e.g. 1s")
    return seconds


_OPTIONS = (
    click.option("--follow", is_flag=True,
                 help="Keep reading as the files grow (and are rotated or truncated); "
                 "a live view on a terminal, one line per change otherwise."),
    click.option("--fail-fast", is_flag=True,
                 help="With --follow: exit 1 at the first failing stage."),
    click.option("--interval", callback=_duration, metavar="DURATION",
                 help="With --follow: how often to look for new lines.  [default: 1s]"),
    click.option("--follow-timeout", callback=_duration, metavar="DURATION",
                 help="With --follow: stop after this long (default: at Ctrl-C)."),
)  # fmt: skip


def follow_options(function: _F) -> _F:
    """Add `--follow` and the options it reads."""
    for option in reversed(_OPTIONS):
        function = option(function)
    return function


def check_follow_options(follow: bool, values: dict[str, Any], options: ReportOptions) -> None:
    """Refuse a follow-only option without --follow, and --client with it (a usage error)."""
    given = [name for name in FOLLOW_PARAMS if values[name]]
    if given and not follow:
        names = ", ".join("--" + name.replace("_", "-") for name in given)
        raise click.UsageError(f"{names} only applies with --follow")
    if follow and options.client is not None:
        raise click.UsageError("--client needs the whole input first; it cannot be followed")
    if follow and options.engine is not Engine.LOCAL:
        raise click.UsageError("--follow reads on this machine; --engine dask is for whole logs")


def run_follow(
    paths: list[str],
    options: ReportOptions,
    values: dict[str, Any],
    config: ScanConfig,
    finish: Callable[[Report], None],
) -> ExitCode:
    """Follow `paths`; `finish` writes the final report. The exit code: 1 at a failing stage
    with --fail-fast, otherwise as `escalate report` of everything read."""
    from escalate._follow import FollowSettings, follow

    settings = FollowSettings(
        interval_s=values["interval"] or 1.0,
        timeout_s=values["follow_timeout"],
        fail_fast=values["fail_fast"],
        terminal=sys.stdout is not None and sys.stdout.isatty(),
    )
    try:
        with _terminate_stops():
            result = follow(paths, options, settings, _write, config)
    except InputError as error:
        raise InputProblem(str(error)) from None
    finish(result.report)
    if result.failed_fast:
        return ExitCode.FINDINGS
    return report_exit_code(result.report)


@contextmanager
def _terminate_stops() -> Iterator[None]:
    """SIGTERM (`timeout`, a CI runner, `kill`) stops following as Ctrl-C does: the last line,
    the -o report and the report's exit status, not a silent death."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _write(text: str) -> None:
    click.echo(text, nl=False)
    sys.stdout.flush()

