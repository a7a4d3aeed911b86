"""`escalate diff` runs the report's last secret scan: no canary reaches any output format."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from escalate._render import FORMATS, Format
from tests.bundle._logs import FORBIDDEN, capture_traffic, salted_log

from .conftest import RunDiff


@pytest.fixture(scope="module")
def salted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real captured traffic with canary secrets in every field and in free text."""
    folder = tmp_path_factory.mktemp("diff-salted")
    capture_traffic(folder / "traffic.jsonl")
    return salted_log(folder / "traffic.jsonl", folder / "salted.jsonl")


def _middle(path: Path) -> str:
    stamps = sorted(orjson.loads(line)["ts"] for line in path.read_bytes().splitlines()[1:])
    return str(stamps[len(stamps) // 2])


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
def test_diff_of_salted_windows_holds_no_canary(
    salted: Path, fmt: Format, run_diff: RunDiff
) -> None:
    """Both windows salted, given apart or split at a time: no canary in any format."""
    given = run_diff("--before", salted, "--after", salted, "--format", fmt.value)
    split = run_diff(salted, "--at", _middle(salted), "--format", fmt.value)
    assert {given.exit_code, split.exit_code} <= {0, 1}, given.output
    for output in (given.output, split.output):
        assert [canary for canary in FORBIDDEN if canary in output] == []


def test_diff_says_what_was_redacted(salted: Path, run_diff: RunDiff) -> None:
    """The JSON diff counts the redactions by rule, never their values."""
    result = run_diff("--before", salted, "--after", salted, "--format", "json")
    assert sum(orjson.loads(result.output)["redactions"].values()) > 0
