"""The `escalate diff` command: two windows of evidence, compared stage by stage and finding by
finding.

Exit codes (escalate/_cli/_exit.py): 0 nothing new fails, 1 something new fails (a stage that
fails only in the after window, or a finding it alone has; with `--fail-on worse` also a failure
rate that rose) or the after window holds no evidence (a canary gate must not pass on nothing),
2 usage or input error.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from escalate._cli._exit import ExitCode
from escalate._cli._options import (
    InputProblem,
    bugs_reported,
    format_option,
    load_config_or_exit,
    report_filters,
    report_options,
    scan_config_option,
)
from escalate._cli._output import write_rendered
from escalate._diff import (
    Diff,
    FailOn,
    Windows,
    build_windows,
    compare_reports,
    gate_fails,
    given_windows,
    render_diff,
    split_windows,
)
from escalate._render import Format
from escalate._report import InputError, OptionError, ReportOptions
from escalate._scan import SecretScanner

_HOW = "give PATHS with --at TIME, or --before PATH and --after PATH (each repeatable)"


@click.command("diff")
@click.argument("paths", nargs=-1, type=str)
@click.option("--at", metavar="TIME",
              help="Split PATHS at this time (a deploy): before it, and from it on. "
              "ISO 8601 or a duration ago (30m).")  # fmt: skip
@click.option("--before", multiple=True, metavar="PATH", help="An input of the before window.")
@click.option("--after", multiple=True, metavar="PATH", help="An input of the after window.")
@format_option(help="Output format.")
@click.option("--fail-on", type=click.Choice(["new", "worse"]), default="new", show_default=True,
              help="Exit 1 when something new fails, or also when a rate rose.")  # fmt: skip
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@report_filters
@scan_config_option
def diff_command(
    paths: tuple[str, ...],
    at: str | None,
    before: tuple[str, ...],
    after: tuple[str, ...],
    fmt: Format,
    fail_on: FailOn,
    output: Path | None,
    scan_config: Path | None,
    **filters: Any,
) -> None:
    """Compare two windows of evidence: what is new, gone, worse or better, per stage and finding.

    Exits 1 when something new fails in the after window (or it holds no evidence), so it can
    gate a canary deploy.
    """
    windows = _windows(paths, at, before, after, report_options(filters))
    scanner = SecretScanner(load_config_or_exit(scan_config))
    with bugs_reported():
        diff = _diff(windows, scanner)
    write_rendered(lambda: render_diff(diff, fmt), scanner, output)
    failed = gate_fails(diff, fail_on)
    click.get_current_context().exit(int(ExitCode.FINDINGS if failed else ExitCode.OK))


def _windows(
    paths: tuple[str, ...],
    at: str | None,
    before: tuple[str, ...],
    after: tuple[str, ...],
    options: ReportOptions,
) -> Windows:
    """The two windows the arguments describe, or a usage error saying how to give them."""
    if paths and (before or after):
        raise click.UsageError(f"PATHS and --before/--after cannot be mixed: {_HOW}")
    if paths and at is None:
        raise click.UsageError(f"--at TIME is needed to split PATHS into two windows: {_HOW}")
    if not paths and (at is not None or not before or not after):
        raise click.UsageError(f"two windows are needed: {_HOW}")
    try:
        if at is not None:
            return split_windows(paths, at, options)
        return given_windows(before, after, options)
    except OptionError as error:
        raise InputProblem(str(error)) from None


def _diff(windows: Windows, scanner: SecretScanner) -> Diff:
    """Build both windows' reports, scan them like a report, compare them."""
    try:
        before, after = build_windows(windows)
    except (InputError, OptionError) as error:
        raise InputProblem(str(error)) from None
    diff = compare_reports(scanner.scan_strings(before), scanner.scan_strings(after))
    return dataclasses.replace(diff, redactions=scanner.summary())
