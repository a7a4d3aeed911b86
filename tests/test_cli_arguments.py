"""No command repeats a mistyped argument's value: it may be a secret typed in the wrong place."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from escalate._cli import COMMANDS, main
from escalate._cli._command import EscalateCommand
from escalate._cli._exit import ExitCode

CANARY = "CANARYs3cr3t"


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    "mistake",
    [[f"--client-secret={CANARY}"], ["--client-secret", CANARY]],
    ids=["unknown-option-with-value", "unknown-option-then-value"],
)
def test_usage_errors_never_echo_the_value(command: str, mistake: list[str]) -> None:
    """Every command: an unknown option with a value is a usage error that does not quote it."""
    result = CliRunner().invoke(main, [command, *mistake], env={"RC_CLIENT_ID": ""})
    assert result.exit_code == ExitCode.USAGE
    assert CANARY not in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_takes_any_paths_or_withholds_extra_arguments(name: str) -> None:
    """A command takes any number of positional paths, or is an EscalateCommand (no quoting)."""
    command = main.get_command(click.Context(main), name)
    assert command is not None
    variadic = any(isinstance(p, click.Argument) and p.nargs == -1 for p in command.params)
    assert variadic or isinstance(command, EscalateCommand)


def test_doctor_extra_argument_is_counted_not_quoted() -> None:
    """The one command without positional arguments says how many were unexpected, not which."""
    result = CliRunner().invoke(main, ["doctor", CANARY])
    assert result.exit_code == ExitCode.USAGE
    assert "got 1 unexpected argument" in result.output and CANARY not in result.output


@pytest.mark.parametrize(("name", "suggested"), [(CANARY, None), ("doctr", "doctor")])
def test_unknown_command_is_not_quoted(name: str, suggested: str | None) -> None:
    """`escalate SECRET`: exit 2, no quote of it; a close command name is suggested."""
    result = CliRunner().invoke(main, [name])
    assert result.exit_code == ExitCode.USAGE
    assert name not in result.output
    assert "Commands: bundle, diff, doctor, har, report." in result.output
    assert (f"Did you mean '{suggested}'?" in result.output) == (suggested is not None)
