"""The `escalate har` command: the cited evidence of a report as a HAR 1.2 file.

Same inputs and filters as `escalate report` (escalate/_cli/_options.py), read once (standard
input `-` too): the report's pass keeps the records its findings may cite. The records go
through the secret scan before the HAR is built, and the HAR text once more before it is written.
Exit codes: 0 written, 2 usage or input error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import orjson

from escalate._bundle import gather_evidence
from escalate._cli._options import (
    InputProblem,
    load_config_or_exit,
    report_filters,
    report_options,
    scan_config_option,
    warn_skipped,
)
from escalate._cli._output import write_rendered
from escalate._controls import json_escaped
from escalate._har import har_document
from escalate._report import InputError, OptionError
from escalate._scan import SecretScanner


@click.command("har")
@click.argument("paths", nargs=-1, type=str, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE (default: standard output).")  # fmt: skip
@report_filters
@scan_config_option
def har_command(
    paths: tuple[str, ...], output: Path | None, scan_config: Path | None, **filters: Any
) -> None:
    """Export the evidence a report cites as HAR 1.2 (shapes, never bodies or credentials)."""
    scanner = SecretScanner(load_config_or_exit(scan_config))
    try:
        gathered = gather_evidence(paths, report_options(filters))
    except (InputError, OptionError) as error:
        raise InputProblem(str(error)) from None
    records = [scanner.scan_value(record) for record in gathered.evidence]
    warn_skipped(gathered.report.inputs.skipped)
    document = scanner.scan_value(har_document(records))
    write_rendered(lambda: _har_text(document), scanner, output)
    redacted = sum(count for _, count in scanner.summary())
    click.echo(f"{len(records)} entries, {redacted} values redacted", err=True)


def _har_text(document: dict[str, Any]) -> str:
    """The HAR as indented JSON, control characters escaped (as the bundle's `evidence.har`)."""
    return json_escaped(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
