"""The `escalate bundle` command (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command("bundle")
def bundle_command() -> None:
    """Not implemented yet."""
    raise click.UsageError("escalate bundle is not implemented yet")
