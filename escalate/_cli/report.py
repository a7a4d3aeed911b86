"""The `escalate report` command: parse options, build the report, render it, map errors to exits.

Exit codes (escalate/_cli/_exit.py): 0 no findings, 1 findings (or a failing stage that no rule
names, e.g. a 404 on /api/core/numbers), 2 usage or input error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from escalate._cli._exit import ExitCode
from escalate._report import InputError, OptionError, ReportOptions, build_report, parse_duration
from escalate._report._filters import DEFAULT_DELIVERY_GRACE_S
from escalate._report._model import Report

#: inputs at least this large get a progress bar on a terminal
PROGRESS_MIN_BYTES = 64 * 1024 * 1024


class OutputFormat(enum.Enum):
    """`--format` values."""

    MARKDOWN = "markdown"
    HTML = "html"
    JSON = "json"
    TEXT = "text"


def _assert_never(value: NoReturn) -> NoReturn:
    raise AssertionError(f"unhandled format: {value!r}")


def renderer_name(fmt: OutputFormat) -> str:
    """The renderer's name for a format (exhaustive: a new member must be mapped here)."""
    if fmt is OutputFormat.MARKDOWN:
        return "markdown"
    if fmt is OutputFormat.HTML:
        return "html"
    if fmt is OutputFormat.JSON:
        return "json"
    if fmt is OutputFormat.TEXT:
        return "text"
    _assert_never(fmt)


class ReportInputError(click.ClickException):
    """Input or option problems: printed as `Error: ...`, exit status 2, never a traceback."""

    exit_code = int(ExitCode.USAGE)


class InternalError(click.ClickException):
    """A bug in escalate: exit status 70 and a request for a bug report."""

    exit_code = int(ExitCode.INTERNAL)


def _grace(ctx: click.Context, param: click.Parameter, value: str | None) -> float:
    if value is None:
        return DEFAULT_DELIVERY_GRACE_S
    try:
        return parse_duration(value)
    except OptionError as error:
        raise click.BadParameter(str(error)) from None


@click.command("report")
@click.argument("paths", nargs=-1, type=str)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in OutputFormat]),
    default="markdown",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--template", type=click.Path(dir_okay=False, path_type=Path), help="Your own Jinja2 template."
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@click.option("--since", help="Only records at or after: ISO 8601 or a duration ago (2h).")
@click.option("--until", help="Only records at or before: ISO 8601 or a duration ago.")
@click.option("--client", help="Only this apiClientId (as whoami reported it).")
@click.option("--message-id", help="Only this messageId.")
@click.option("--request-id", help="Only this requestId.")
@click.option("--route", help="Only this route, e.g. /api/core/messages/send.")
@click.option(
    "--delivery-grace",
    "grace_s",
    callback=_grace,
    metavar="DURATION",
    help="How long an accepted message may wait for its lifecycle: 0, 90s, 15m, 2h. [default: 90m]",
)
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Processes.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: on a terminal, for large inputs).",
)
def report_command(
    paths: tuple[str, ...],
    fmt: str,
    template: Path | None,
    output: Path | None,
    since: str | None,
    until: str | None,
    client: str | None,
    message_id: str | None,
    request_id: str | None,
    route: str | None,
    grace_s: float,
    jobs: int,
    progress: bool | None,
) -> None:
    """Diagnose evidence logs (files, directories, globs, - for stdin; .gz and .zst too)."""
    inputs = list(paths) or _default_inputs()
    options = ReportOptions(
        since=since,
        until=until,
        client=client,
        message_id=message_id,
        request_id=request_id,
        route=route,
        delivery_grace_s=grace_s,
        jobs=jobs,
    )
    try:
        with _progress_bar(inputs, progress) as on_progress:
            report = _build(inputs, dataclasses.replace(options, progress=on_progress))
        text = _render(report, OutputFormat(fmt), template)
    except click.ClickException:
        raise
    except Exception as error:  # a bug: say so plainly rather than print a traceback
        raise InternalError(
            f"internal error ({type(error).__name__}: {error}); please report it with the "
            "command line you ran"
        ) from error
    _write(text, output)
    failed = report.findings or report.first_failing_stage is not None
    click.get_current_context().exit(int(ExitCode.FINDINGS if failed else ExitCode.OK))


def _default_inputs() -> list[str]:
    if sys.stdin is not None and not sys.stdin.isatty():
        return ["-"]
    raise click.UsageError("give at least one log file, directory or glob (or - for stdin)")


def _build(inputs: list[str], options: ReportOptions) -> Report:
    try:
        return build_report(inputs, options=options)
    except (InputError, OptionError) as error:
        raise ReportInputError(str(error)) from None


def _render(report: Report, fmt: OutputFormat, template: Path | None) -> str:
    try:
        from escalate._render import render
    except ModuleNotFoundError:
        return _fallback(report, fmt, template)
    import jinja2

    try:
        return render(report, renderer_name(fmt), template=template)
    except (OSError, ValueError, jinja2.TemplateError) as error:
        raise ReportInputError(f"template: {error}") from None


def _fallback(report: Report, fmt: OutputFormat, template: Path | None) -> str:
    if fmt is not OutputFormat.JSON or template is not None:
        raise ReportInputError(f"format {fmt.value} needs escalate._render, which is missing")
    import orjson

    from escalate._report._model import report_to_dict

    return orjson.dumps(report_to_dict(report), option=orjson.OPT_INDENT_2).decode() + "\n"


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ReportInputError(f"{output}: {error.strerror or error}") from None


@contextmanager
def _progress_bar(inputs: list[str], wanted: bool | None) -> Iterator[Callable[[int], None] | None]:
    total = _input_bytes(inputs)
    show = wanted if wanted is not None else (sys.stderr.isatty() and total >= PROGRESS_MIN_BYTES)
    if not show:
        yield None
        return
    with click.progressbar(length=max(total, 1), label="reading", file=sys.stderr) as bar:
        yield bar.update


def _input_bytes(inputs: list[str]) -> int:
    total = 0
    for path in inputs:
        for root, _, files in os.walk(path) if os.path.isdir(path) else [("", [], [path])]:
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.path.getsize(os.path.join(root, name))
    return total
