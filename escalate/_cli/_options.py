"""Options and errors shared by the commands: declared once, so `report`, `bundle`, `har` and
`doctor` cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, TypeVar

import click

from escalate._cli._exit import ExitCode
from escalate._controls import escaped
from escalate._render._format import FORMAT_NAMES, Format, parse_format
from escalate._report import OptionError, ReportOptions, parse_duration
from escalate._report._filters import DEFAULT_DELIVERY_GRACE_S
from escalate._report._model import SkippedLines
from escalate._report._reading._inputs import ENTRY_REASONS
from escalate._scan import ScanConfig, ScanConfigError, load_scan_config

_F = TypeVar("_F", bound=Callable[..., Any])

#: The parameter names `report_filters` adds, in the order `--help` shows them.
FILTER_PARAMS: Final = (
    "since", "until", "client", "message_id", "request_id", "route", "grace_s", "jobs",
)  # fmt: skip


class InputProblem(click.ClickException):
    """A wrong option value or unreadable input: `Error: ...` on stderr, exit status 2.

    The message names files (and may quote input): control characters are written escaped.
    """

    exit_code = int(ExitCode.USAGE)

    def __init__(self, message: str) -> None:
        super().__init__(escaped(message))


class InternalError(InputProblem):
    """A bug in escalate: exit status 70 and a request for a bug report."""

    exit_code = int(ExitCode.INTERNAL)


@contextmanager
def bugs_reported() -> Iterator[None]:
    """Turn an unexpected exception (a bug) into `InternalError`; click's own errors pass."""
    try:
        yield
    except click.ClickException:
        raise
    except Exception as error:  # a bug: say so plainly rather than print a traceback
        raise InternalError(
            f"internal error ({type(error).__name__}: {error}); please report it with the "
            "command line you ran"
        ) from error


def warn_skipped(skipped: SkippedLines) -> None:
    """A warning on stderr for each directory entry that was not read (the report lists them)."""
    entries = [(reason, path) for reason, path, line in skipped.examples if line == 0]
    total = sum(count for reason, count in skipped.by_reason if reason in ENTRY_REASONS)
    for reason, path in entries:
        click.echo(f"warning: skipped {escaped(path)}: {reason.replace('_', ' ')}", err=True)
    if total > len(entries):
        click.echo(f"warning: {total - len(entries)} more entries skipped", err=True)


def _grace(ctx: click.Context, param: click.Parameter, value: str | None) -> float:
    if value is None:
        return DEFAULT_DELIVERY_GRACE_S
    try:
        return parse_duration(value)
    except OptionError as error:
        raise click.BadParameter(str(error)) from None


_FILTERS: Final = (
    click.option("--since", help="Only records at or after: ISO 8601 or a duration ago (2h)."),
    click.option("--until", help="Only records at or before: ISO 8601 or a duration ago."),
    click.option("--client", help="Only this apiClientId (as whoami reported it)."),
    click.option("--message-id", help="Only this messageId."),
    click.option("--request-id", help="Only this requestId."),
    click.option("--route", help="Only this route, e.g. /api/core/messages/send."),
    click.option(
        "--delivery-grace", "grace_s", callback=_grace, metavar="DURATION",
        help="How long an accepted message may wait for its lifecycle: 0, 90s, 15m, 2h. "
        "[default: 90m]",
    ),
    click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
                 help="Processes."),
)


def report_filters(function: _F) -> _F:
    """Add the record filters of `escalate report` (keyword arguments named as FILTER_PARAMS)."""
    for option in reversed(_FILTERS):
        function = option(function)
    return function


def report_options(values: dict[str, Any]) -> ReportOptions:
    """The `ReportOptions` of the filter parameters a command received."""
    return ReportOptions(
        since=values["since"], until=values["until"], client=values["client"],
        message_id=values["message_id"], request_id=values["request_id"],
        route=values["route"], delivery_grace_s=values["grace_s"], jobs=values["jobs"],
    )  # fmt: skip


def format_option(help: str) -> Callable[[_F], _F]:
    """`--format` with every format of the registry, markdown by default; passes a `Format`."""
    return click.option(
        "--format", "fmt", type=click.Choice(FORMAT_NAMES), default=Format.MARKDOWN.value,
        show_default=True, callback=_format, help=help,
    )  # fmt: skip


def _format(ctx: click.Context, param: click.Parameter, value: str) -> Format:
    return parse_format(value)


def scan_config_option(function: _F) -> _F:
    """`--scan-config PATH`: extra secret-scan rules (TOML); $ESCALATE_SCAN_CONFIG otherwise."""
    option = click.option(
        "--scan-config",
        type=click.Path(dir_okay=False, path_type=Path),
        help="TOML file adding secret-scan rules [default: $ESCALATE_SCAN_CONFIG].",
    )
    return option(function)


def load_config_or_exit(path: Path | None) -> ScanConfig:
    """Load the scan config, turning its errors into a usage error."""
    try:
        return load_scan_config(path)
    except ScanConfigError as error:
        raise InputProblem(str(error)) from None
