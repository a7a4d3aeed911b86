"""Usage errors that never repeat what was typed: it may be a secret pasted in the wrong place.

click's own messages quote an unexpected argument ("Got unexpected extra argument (s3cr3t)") and an
unknown command name ("No such command 's3cr3t'"). `escalate doctor` takes its credentials from
the environment only, so a secret typed on its command line must not come back on the terminal
(and into CI logs). These messages say how many words were unexpected, never which.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import click

NOT_SHOWN: Final = "not shown: it may be a secret typed in the wrong place"


class EscalateCommand(click.Command):
    """A click command whose unexpected-argument error does not quote the arguments.

    `extra_arguments_hint` is appended to that error: where the value belongs instead.
    """

    def __init__(self, *args: Any, extra_arguments_hint: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra_arguments_hint = extra_arguments_hint

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse as click does, then refuse leftover arguments without naming them."""
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True  # click would fail here, quoting the arguments
        try:
            rest = super().parse_args(ctx, args)
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            ctx.fail(unexpected_arguments_message(len(rest), self.extra_arguments_hint))
        return rest


def unexpected_arguments_message(count: int, hint: str = "") -> str:
    """`got 2 unexpected arguments (not shown: ...)`, with the command's hint."""
    noun = "argument" if count == 1 else "arguments"
    message = f"got {count} unexpected {noun} ({NOT_SHOWN})"
    return f"{message}; {hint}" if hint else message


def unknown_command_message(name: str, commands: Iterable[str]) -> str:
    """`no such command (not shown: ...)`, suggesting a close command name and listing them all."""
    import difflib  # only for a wrong name: importing it costs every start 0.9 ms (-X importtime)

    known = sorted(commands)
    close = difflib.get_close_matches(name, known, n=1)
    suggestion = f" Did you mean '{close[0]}'?" if close else ""
    return (
        f"no such command ({NOT_SHOWN})."
        f"{suggestion} Commands: {', '.join(known)}."
    )
