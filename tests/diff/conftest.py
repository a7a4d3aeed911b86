"""Fixtures of the diff tests: `escalate diff` run in-process, from the project folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from escalate._cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
MANIFEST: dict[str, dict[str, object]] = orjson.loads((SAMPLES / "manifest.json").read_bytes())
RunDiff = Callable[..., Result]


@pytest.fixture
def run_diff(monkeypatch: pytest.MonkeyPatch) -> RunDiff:
    """`run_diff(*args)`: `escalate diff ARGS` from the project folder."""
    monkeypatch.chdir(ROOT)

    def run(*args: str | Path) -> Result:
        return CliRunner().invoke(main, ["diff", *(str(arg) for arg in args)])

    return run


def sample_args(name: str) -> Sequence[str]:
    """The options the manifest gives a sample's report (e.g. a short delivery grace)."""
    return [str(arg) for arg in MANIFEST[name]["report_args"]]  # type: ignore[attr-defined]
