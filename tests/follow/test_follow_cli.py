"""`escalate report --follow` options: what is refused, and that no secret reaches its output."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._render import FORMATS, Format
from tests.bundle._logs import FORBIDDEN, capture_traffic, salted_log

from .conftest import SAMPLES

HEALTHY = str(SAMPLES / "healthy")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--fail-fast", HEALTHY], id="fail-fast-without-follow"),
        pytest.param(["--follow-timeout", "1s", HEALTHY], id="timeout-without-follow"),
        pytest.param(["--follow", "-"], id="stdin"),
        pytest.param(["--follow", "nowhere.jsonl"], id="missing-file"),
        pytest.param(["--follow", "--client", "rc_x", HEALTHY], id="client"),
        pytest.param(["--follow", "--interval", "0s", HEALTHY], id="zero-interval"),
        pytest.param(["--follow", "--interval", "soon", HEALTHY], id="bad-interval"),
    ],
)
def test_follow_usage_errors_exit_2(args: list[str]) -> None:
    """What cannot be followed is a usage error: exit status 2, no traceback."""
    result = CliRunner().invoke(main, ["report", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_follow_of_healthy_sample_exits_0_at_its_timeout() -> None:
    """Nothing fails: following stops at its timeout with exit status 0 and says what it read."""
    result = CliRunner().invoke(main, ["report", "--follow", "--follow-timeout", "0s", HEALTHY])
    assert result.exit_code == 0, result.output
    assert "stopped: 14 records read; no failing stage; findings: none" in result.output


def test_follow_of_an_empty_log_says_there_is_no_evidence(tmp_path: Path) -> None:
    """No evidence is said plainly, never shown as a healthy run."""
    log = tmp_path / "app.jsonl"
    log.write_bytes(b"INFO unrelated line\n")
    result = CliRunner().invoke(main, ["report", "--follow", "--follow-timeout", "0s", str(log)])
    assert "no evidence record in 1 lines read" in result.output
    assert "no failing stage" not in result.output


@pytest.fixture(scope="module")
def salted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real captured traffic with canary secrets in every field and in free text."""
    folder = tmp_path_factory.mktemp("follow-salted")
    capture_traffic(folder / "traffic.jsonl")
    return salted_log(folder / "traffic.jsonl", folder / "salted.jsonl")


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
def test_follow_of_salted_log_holds_no_canary(salted: Path, fmt: Format, tmp_path: Path) -> None:
    """Neither the followed lines nor the final report (-o, every format) holds a canary."""
    final = tmp_path / f"final.{fmt.value}"
    result = CliRunner().invoke(main, ["report", "--follow", "--follow-timeout", "0s", str(salted),
                                       "-o", str(final), "--format", fmt.value])  # fmt: skip
    assert result.exit_code == 1, result.output
    written = result.output + final.read_text(encoding="utf-8")
    assert [canary for canary in FORBIDDEN if canary in written] == []


def test_follow_view_of_salted_log_holds_no_canary(salted: Path) -> None:
    """The terminal view passes the scan too."""
    from escalate._follow import FollowSettings, follow
    from escalate._report import ReportOptions

    written: list[str] = []
    settings = FollowSettings(timeout_s=0.0, terminal=True)
    follow([str(salted)], ReportOptions(), settings, written.append)
    assert [canary for canary in FORBIDDEN if canary in "".join(written)] == []
