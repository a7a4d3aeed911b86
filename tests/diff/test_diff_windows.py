"""The two windows: split at a deploy time (`--at`), given apart, or said to hold no evidence."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ._traffic import OTHERS, OWN, capture_deploy
from .conftest import RunDiff


@pytest.fixture(scope="module")
def deploy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A log of 4 accepted sends, a deploy, then 1 accepted and 3 forbidden sends."""
    path = tmp_path_factory.mktemp("deploy") / "evidence.jsonl"
    return path, capture_deploy(path, [OWN] * 4, [OWN, OTHERS, OTHERS, OTHERS])


@pytest.fixture(scope="module")
def degraded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A log of 3 accepted and 1 forbidden sends, a deploy, then 1 accepted and 3 forbidden."""
    path = tmp_path_factory.mktemp("degraded") / "evidence.jsonl"
    return path, capture_deploy(path, [OWN, OWN, OWN, OTHERS], [OWN, OTHERS, OTHERS, OTHERS])


def test_split_at_the_deploy_shows_send_as_new_failure(
    deploy: tuple[Path, str], run_diff: RunDiff
) -> None:
    """`--at` the deploy time: send went from 0 of 4 to 3 of 4 failures; exit 1."""
    path, deployed = deploy
    result = run_diff(path, "--at", deployed, "--format", "json")
    diff = orjson.loads(result.output)
    assert result.exit_code == 1
    send = diff["stages"]["send"]
    assert (send["change"], send["before"]["total"], send["after"]["count"]) == (
        "new_failure", 4, 3)  # fmt: skip
    assert diff["before"]["filters"]["--until"] < deployed <= diff["after"]["filters"]["--since"]


def test_split_windows_hold_every_record_once(deploy: tuple[Path, str], run_diff: RunDiff) -> None:
    """Before and after together hold exactly the log's records: none lost, none twice."""
    path, deployed = deploy
    diff = orjson.loads(run_diff(path, "--at", deployed, "--format", "json").output)
    whole = path.read_bytes().count(b'"schema":"escalate.evidence/')
    assert diff["before"]["records"] + diff["after"]["records"] == whole


def test_a_higher_rate_is_worse_and_fails_only_with_fail_on_worse(
    degraded: tuple[Path, str], run_diff: RunDiff
) -> None:
    """1 of 4 -> 3 of 4 forbidden: worse, not new; exit 0, or 1 with `--fail-on worse`."""
    path, deployed = degraded
    result = run_diff(path, "--at", deployed, "--format", "json")
    diff = orjson.loads(result.output)
    assert result.exit_code == 0
    assert diff["stages"]["send"]["change"] == "worse"
    assert {f["symptom"]: f["change"] for f in diff["findings"]}["send_forbidden"] == "worse"
    assert run_diff(path, "--at", deployed, "--fail-on", "worse").exit_code == 1


def test_an_empty_after_window_is_said_plainly_and_fails(
    deploy: tuple[Path, str], run_diff: RunDiff
) -> None:
    """`--at` after every record: the after window holds no evidence; never "unchanged"; exit 1."""
    path, _ = deploy
    result = run_diff(path, "--at", "2099-01-01T00:00:00Z", "--format", "json")
    diff = orjson.loads(result.output)
    assert result.exit_code == 1
    assert diff["after"]["has_evidence"] is False
    assert "holds no evidence" in diff["headline"]
    assert "unchanged" not in {s["change"] for s in diff["stages"].values()}


def test_an_empty_before_window_makes_every_failure_new(
    deploy: tuple[Path, str], run_diff: RunDiff
) -> None:
    """`--at` before every record: the before window holds no evidence, said in the headline."""
    path, _ = deploy
    result = run_diff(path, "--at", "2000-01-01T00:00:00Z", "--format", "text")
    assert result.exit_code == 1
    assert "The before window holds no evidence" in result.output
    assert "unchanged" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="nothing"),
        pytest.param(["samples/healthy"], id="paths-without-at"),
        pytest.param(["--at", "2026-11-27T00:00:00Z"], id="at-without-paths"),
        pytest.param(["--before", "samples/healthy"], id="before-only"),
        pytest.param(["samples/healthy", "--at", "1h", "--after", "samples/mixed"], id="mixed"),
        pytest.param(["samples/healthy", "--at", "yesterday"], id="bad-time"),
        pytest.param(["--before", "-", "--after", "samples/healthy"], id="stdin"),
        pytest.param(["--before", "nowhere", "--after", "samples/healthy"], id="missing-file"),
    ],
)
def test_usage_errors_exit_2(args: list[str], run_diff: RunDiff) -> None:
    """Windows that cannot be made are a usage error: exit status 2, no traceback."""
    result = run_diff(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
