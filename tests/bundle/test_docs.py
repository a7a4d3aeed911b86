"""Every option of `bundle`, `har` and `doctor` is documented, with an example per command."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from escalate._cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = {"bundle": "bundle.md", "har": "bundle.md", "doctor": "doctor.md"}


def _long_options(command: click.Command) -> list[str]:
    return [name for param in command.params for name in param.opts if name.startswith("--")]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_option_is_documented(name: str) -> None:
    """Each long option of the command appears in its docs page."""
    page = (DOCS / PAGES[name]).read_text(encoding="utf-8")
    command = main.get_command(click.Context(main), name)
    assert command is not None
    assert [opt for opt in _long_options(command) if opt not in page] == []


@pytest.mark.parametrize("name", sorted(PAGES))
def test_docs_show_an_example_invocation(name: str) -> None:
    """The docs page has a console example running the command."""
    page = (DOCS / PAGES[name]).read_text(encoding="utf-8")
    assert f"$ escalate {name}" in page
