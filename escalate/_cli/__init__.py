"""The `escalate` command: a thin click group; each command lives in its own module.

Commands are imported when they run (or when `--help` lists them): `escalate report` does not
pay for importing the bundle, HAR and doctor machinery (0.13 s measured at every start).
"""

from __future__ import annotations

import importlib

import click

from escalate._cli._command import unknown_command_message
from escalate._version import __version__

#: command name -> "module:attribute" of its click command
COMMANDS = {
    "bundle": "escalate._cli.bundle:bundle_command",
    "diff": "escalate._cli.diff:diff_command",
    "doctor": "escalate._cli.doctor:doctor_command",
    "har": "escalate._cli.har:har_command",
    "report": "escalate._cli.report:report_command",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use.

    An unknown command name is not quoted back: it may be a secret typed in the wrong place.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, sorted."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return one command (None for an unknown name: click reports it)."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Resolve as click does, except that an unknown name is not repeated in the error."""
        name = args[0]
        if name in COMMANDS or name.startswith("-") or ctx.resilient_parsing:
            return super().resolve_command(ctx, args)
        ctx.fail(unknown_command_message(name, COMMANDS))


@click.group("escalate", cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="escalate")
def main() -> None:
    """Turn Red Cloud CORE API evidence logs into support-ready escalation reports."""
