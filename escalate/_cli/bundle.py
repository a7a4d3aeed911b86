"""The `escalate bundle` command: write an escalation bundle, or `--verify` one.

Exit codes: 0 written (or verified), 2 usage or input error, 3 `--verify` found a checksum
mismatch or a secret. The record filters are `escalate report`'s (escalate/_cli/_options.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from escalate._bundle import NotABundle, verify_bundle, write_bundle
from escalate._cli._exit import ExitCode
from escalate._cli._options import (
    InputProblem,
    load_config_or_exit,
    report_filters,
    report_options,
    scan_config_option,
    warn_skipped,
)
from escalate._cli.report import report_command
from escalate._controls import escaped
from escalate._report import InputError, OptionError, ReportOptions
from escalate._scan import ScanConfig


@click.command("bundle")
@click.argument("paths", nargs=-1, type=str)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="The bundle to write (a .zip).",
)  # fmt: skip
@click.option("--verify", "verify", type=click.Path(dir_okay=False, path_type=Path),
              help="Check this bundle's checksums and re-run the secret scan on it.")  # fmt: skip
@report_filters
@scan_config_option
def bundle_command(
    paths: tuple[str, ...], output: Path | None, verify: Path | None, scan_config: Path | None,
    **filters: Any,
) -> None:
    """Write a support bundle: report (md, html, json), cited evidence (jsonl, HAR), manifest."""
    config = load_config_or_exit(scan_config)
    if verify is not None:
        _verify(verify, config, paths, output)
        return
    if not paths or output is None:
        raise click.UsageError("give the logs and -o ticket.zip (or --verify ticket.zip)")
    argv = command_line("bundle", paths, filters)
    summary = _write(paths, output, report_options(filters), config, argv)
    warn_skipped(summary.skipped)
    click.echo(
        f"wrote {escaped(summary.path)} ({summary.size} bytes, {summary.evidence_records} evidence "
        f"records, first failing stage: {summary.first_failing_stage or 'none'})", err=True,
    )  # fmt: skip


def command_line(command: str, paths: Sequence[str], values: dict[str, Any]) -> list[str]:
    """The command line as parsed, in a canonical order (what the manifest records).

    Where the bundle is written (`-o`) is left out: it does not change what the bundle holds,
    and the same inputs must give the same bytes whatever the archive is called.
    """
    words = ["escalate", command, *paths]
    defaults = {p.name: p.default for p in report_command.params}
    for name, value in sorted(values.items()):
        if value is not None and value != defaults.get(name) and name != "grace_s":
            words += [f"--{name.replace('_', '-')}", str(value)]
    if values.get("grace_s") not in (None, _default_grace()):
        words += ["--delivery-grace", f"{values['grace_s']:g}s"]
    return words


def _default_grace() -> float:
    """The report's default delivery grace, in seconds."""
    return ReportOptions().delivery_grace_s


def _write(
    paths: Sequence[str], output: Path, options: ReportOptions, config: ScanConfig,
    argv: Sequence[str],
) -> Any:
    """Write the bundle, mapping input errors to exit status 2."""
    try:
        return write_bundle(paths, output, options=options, scan_config=config, argv=argv)
    except (InputError, OptionError, OSError) as error:
        raise InputProblem(str(error)) from None


def _verify(bundle: Path, config: ScanConfig, paths: Sequence[str], output: Path | None) -> None:
    """`--verify`: exit 0 when the bundle is intact and clean, 3 otherwise."""
    if paths or output is not None:
        raise click.UsageError("--verify takes only the bundle to check")
    try:
        result = verify_bundle(bundle, scan_config=config)
    except NotABundle as error:
        raise InputProblem(str(error)) from None
    except OSError as error:
        raise InputProblem(f"{bundle}: {error.strerror or error}") from None
    for problem in result.problems:
        click.echo(f"FAIL {escaped(problem)}", err=True)
    if not result.ok:
        click.get_current_context().exit(int(ExitCode.VERIFY_FAILED))
    click.echo(f"OK {escaped(bundle)}: {result.files_checked} files, checksums match, "
               "no secret found")  # fmt: skip

