"""The worked examples of `escalate diff` in the README and docs/diff.md print what they show."""

from __future__ import annotations

import re
import shlex

import pytest

from .conftest import ROOT, RunDiff

#: a `$ escalate diff ...` line of a console block and the output lines shown after it
EXAMPLE = re.compile(r"^\$ escalate diff (.+)\n((?:(?!\$ ).*\n)*?)(?=\$ |```)", re.MULTILINE)
DOCUMENTS = ("README.md", "docs/diff.md")


def examples(document: str) -> list[tuple[str, list[str]]]:
    """(arguments, output lines shown) of each example with output in `document`."""
    text = (ROOT / document).read_text(encoding="utf-8")
    found = [(args, shown.splitlines()) for args, shown in EXAMPLE.findall(text)]
    return [(args, shown) for args, shown in found if shown and "samples/" in args]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_shown_output_is_what_the_command_prints(document: str, run_diff: RunDiff) -> None:
    """Every line an example shows (`...` elides) is a line of the command's real output."""
    shown_any = examples(document)
    assert shown_any, f"no worked example with output in {document}"
    for args, shown in shown_any:
        printed = run_diff(*shlex.split(args)).output.splitlines()
        assert [line for line in shown if line != "..." and line not in printed] == []
