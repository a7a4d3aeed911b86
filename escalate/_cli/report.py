"""The `escalate report` command (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command("report")
def report_command() -> None:
    """Not implemented yet."""
    raise click.UsageError("escalate report is not implemented yet")
