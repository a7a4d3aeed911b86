"""The `escalate report` command: parse options, build the report, render it, map errors to exits.

Exit codes (escalate/_cli/_exit.py): 0 no findings, 1 findings (or a failing stage that no rule
names, e.g. a 404 on /api/core/numbers), 2 usage or input error, 4 no evidence record to judge.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from escalate._cli._exit import report_exit_code
from escalate._cli._follow import FOLLOW_PARAMS, check_follow_options, follow_options, run_follow
from escalate._cli._options import (
    InputProblem,
    bugs_reported,
    format_option,
    load_config_or_exit,
    report_filters,
    report_options,
    scan_config_option,
    warn_skipped,
)
from escalate._cli._output import write_rendered
from escalate._render import Format, render
from escalate._report import InputError, OptionError, ReportOptions, build_report
from escalate._report._filters import Engine
from escalate._report._model import Report
from escalate._report._reading._inputs import resolve_inputs
from escalate._report._reading._sources import Source
from escalate._report._redact import redact_report
from escalate._scan import ScanConfig, SecretScanner

#: inputs at least this large get a progress bar on a terminal
PROGRESS_MIN_BYTES = 64 * 1024 * 1024
#: said instead of a bar that could not move: `--progress` on inputs of unknown size only
UNSIZED_NOTE = (
    "escalate: --progress: no bar, the inputs' size is not known before they are read "
    "(standard input, a pipe, a URL)"
)


@click.command("report")
@click.argument("paths", nargs=-1, type=str)
@format_option(help="Output format.")
@click.option(
    "--template", type=click.Path(dir_okay=False, path_type=Path), help="Your own Jinja2 template."
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@report_filters
@scan_config_option
@click.option(
    "--engine",
    type=click.Choice([engine.value for engine in Engine]),
    default=Engine.LOCAL.value,
    show_default=True,
    help="Where logs are read: this machine (--jobs) or a Dask cluster.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler, e.g. tcp://10.0.0.5:8786 [default: $DASK_SCHEDULER_ADDRESS, else a "
    "local cluster].",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: on a terminal, for large inputs).",
)
@follow_options
def report_command(
    paths: tuple[str, ...],
    fmt: Format,
    template: Path | None,
    output: Path | None,
    progress: bool | None,
    scan_config: Path | None,
    engine: str,
    scheduler: str | None,
    follow: bool,
    **filters: Any,
) -> None:
    """Diagnose evidence logs (files, directories, globs, - for stdin; .gz and .zst too;
    s3://, gs://, https:// URLs with the matching extra).

    With --follow, keep reading as they grow; -o then gets the full report when following stops.
    """
    following = {name: filters.pop(name) for name in FOLLOW_PARAMS}
    options = _with_engine(report_options(filters), Engine(engine), scheduler)
    check_follow_options(follow, following, options)
    inputs = list(paths) or _default_inputs(follow)
    config = load_config_or_exit(scan_config)
    if follow:
        finish = _final_report(fmt, template, output, config)
        code = run_follow(inputs, options, following, config, finish)
        click.get_current_context().exit(int(code))
    scanner = SecretScanner(config)
    with bugs_reported():
        report = redact_report(_build(inputs, options, progress), scanner)
    warn_skipped(report.inputs.skipped)
    write_rendered(lambda: render(report, fmt, template=template), scanner, output)
    click.get_current_context().exit(int(report_exit_code(report)))


def _with_engine(options: ReportOptions, engine: Engine, scheduler: str | None) -> ReportOptions:
    if engine is Engine.LOCAL and scheduler is not None:
        raise click.UsageError("--scheduler is for --engine dask")
    if engine is Engine.DASK and options.jobs > 1:
        raise click.UsageError("--jobs is for --engine local: a Dask cluster has its workers")
    return dataclasses.replace(options, engine=engine, scheduler=scheduler)


def _final_report(
    fmt: Format, template: Path | None, output: Path | None, config: ScanConfig
) -> Callable[[Report], None]:
    """What `--follow` does with the report of everything read: write it to -o, if given."""

    def finish(report: Report) -> None:
        if output is not None:
            scanner = SecretScanner(config)
            write_rendered(lambda: render(report, fmt, template=template), scanner, output)

    return finish


def _default_inputs(follow: bool = False) -> list[str]:
    if not follow and sys.stdin is not None and not sys.stdin.isatty():
        return ["-"]
    raise click.UsageError("give at least one log file, directory or glob (or - for stdin)")


def _build(inputs: list[str], options: ReportOptions, progress: bool | None) -> Report:
    """The report, the inputs resolved once (for the bar's length and for the pass)."""
    try:
        resolved = resolve_inputs(inputs)
        with _progress_bar(resolved.sources, progress) as on_progress:
            with_bar = dataclasses.replace(options, progress=on_progress)
            return build_report(resolved, options=with_bar)
    except (InputError, OptionError) as error:
        raise InputProblem(str(error)) from None


@contextmanager
def _progress_bar(
    sources: Sequence[Source], wanted: bool | None
) -> Iterator[Callable[[int], None] | None]:
    if wanted is False or (wanted is None and not sys.stderr.isatty()):
        yield None
        return
    sizes = [source.size() for source in sources]
    length = _bar_length(sizes, wanted)
    if not length:
        if length == 0 and None in sizes:
            click.echo(UNSIZED_NOTE, err=True)
        yield None
        return
    with click.progressbar(length=length, label="reading", file=sys.stderr) as bar:
        yield bar.update


def _bar_length(sizes: Sequence[int | None], wanted: bool | None) -> int | None:
    """The bytes to read when a bar is drawn (asked for, or large), else None: the stored size
    of the sources as far as known without reading them (None: standard input, a pipe, a URL,
    which add nothing; 0 when asked for but nothing has a size)."""
    total = sum(size or 0 for size in sizes)
    return total if wanted or total >= PROGRESS_MIN_BYTES else None
