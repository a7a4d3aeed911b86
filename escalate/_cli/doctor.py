"""The `escalate doctor` command (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command("doctor")
def doctor_command() -> None:
    """Not implemented yet."""
    raise click.UsageError("escalate doctor is not implemented yet")
