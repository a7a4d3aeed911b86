"""The `escalate har` command (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command("har")
def har_command() -> None:
    """Not implemented yet."""
    raise click.UsageError("escalate har is not implemented yet")
