"""The tail every rendering command shares: render, the last secret scan, write to -o or stdout.

`report`, `report --follow` (its final report), `doctor` and `diff` end the same way, so the
secret scan cannot be forgotten by one of them, nor a template mistake reported differently.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from escalate._cli._options import InputProblem, bugs_reported
from escalate._files import write_atomically
from escalate._render import UserTemplateError
from escalate._scan import SecretScanner


def write_rendered(render: Callable[[], str], scanner: SecretScanner, output: Path | None) -> None:
    """Render, pass the text through `scanner` (the run's scan config), write it to `output`.

    `render` makes the document: a report or a diff in a format, or a user's `--template`. A
    template's mistake or unreadable file is an input error (exit 2, `Error: template: ...`); any
    other failure is a bug (exit 70). Without `output` the text goes to standard output.
    """
    with bugs_reported():
        try:
            text = scanner.scan_text(render())
        except (UserTemplateError, OSError) as error:
            raise InputProblem(f"template: {error}") from None
    write_output(text, output)


def write_output(text: str, output: Path | None) -> None:
    """Write `text` to `output` atomically, or to standard output when there is none."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        write_atomically(output, text.encode("utf-8"))
    except OSError as error:
        raise InputProblem(f"{output}: {error.strerror or error}") from None
