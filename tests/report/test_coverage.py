"""Missing evidence is never healthy: no evidence has its own verdict and exit; gaps are named."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._cli._exit import ExitCode
from escalate._render import FORMATS, Format
from tests.report.builders import (
    healthy_run,
    numbers_call,
    send_call,
    token_call,
    webhook,
    whoami_call,
    write_log,
)
from tests.report.conftest import MakeReport

NOISE = '{"level": "info", "service": "billing", "event": "request handled"}'


def _json_report(*args: str, stdin: bytes | None = None) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(main, ["report", *args, "--format", "json"], input=stdin)
    return result.exit_code, orjson.loads(result.output)


def test_empty_file_is_no_evidence(tmp_path: Path) -> None:
    """An empty file: verdict no_evidence, "nothing in the input", exit 4 (never 0)."""
    code, report = _json_report(str(write_log(tmp_path / "empty.jsonl", [])))
    assert (code, report["verdict"]) == (ExitCode.NO_EVIDENCE, "no_evidence")
    assert "nothing in the input" in report["no_evidence"]["reason"]  # type: ignore[index]


def test_empty_stdin_is_no_evidence() -> None:
    """No arguments and an empty standard input: no evidence, exit 4."""
    code, report = _json_report(stdin=b"")
    assert (code, report["verdict"]) == (ExitCode.NO_EVIDENCE, "no_evidence")


def test_only_other_services_lines_is_no_evidence(tmp_path: Path) -> None:
    """Other services' lines only: the reason says so and asks whether capture is configured."""
    code, report = _json_report(str(write_log(tmp_path / "app.log", [NOISE] * 3)))
    no_evidence = report["no_evidence"]
    assert code == ExitCode.NO_EVIDENCE
    assert "only other services' lines: 3 lines" in no_evidence["reason"]  # type: ignore[index]
    assert "ESCALATE_LOG" in no_evidence["action"]  # type: ignore[index]


def test_filters_matching_nothing_name_the_filters(tmp_path: Path) -> None:
    """Records that no filter lets through: "N records ... none matches", naming the filters."""
    log = write_log(tmp_path / "app.jsonl", healthy_run())
    code, report = _json_report(str(log), "--route", "/nowhere", "--until", "2020-01-01T00:00:00Z")
    reason = report["no_evidence"]["reason"]  # type: ignore[index]
    assert code == ExitCode.NO_EVIDENCE
    assert reason.startswith("6 evidence records read, but none matches the filters")
    assert "--route /nowhere" in reason and "--until 2020-01-01T00:00:00Z" in reason


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
def test_no_evidence_banner_is_neutral_in_every_format(tmp_path: Path, fmt: Format) -> None:
    """No format calls an empty input healthy: no pass mark, the no-evidence banner instead."""
    log = write_log(tmp_path / "empty.jsonl", [])
    result = CliRunner().invoke(main, ["report", str(log), "--format", fmt.value])
    assert "No evidence to judge" in result.output
    healthy_marks = ("No failing stage", "no failing stage", "✅", "PASS")
    assert [mark for mark in healthy_marks if mark in result.output] == []


def test_only_receiver_log_names_the_missing_sender_log(make_report: MakeReport) -> None:
    """Only webhook receipts: the call stages stay unknown, the headline names the missing log."""
    report = make_report([webhook(at=1), webhook("message.delivery", at=2)])
    assert [stage.verdict for stage in report.stages[:4]] == ["unknown"] * 4
    assert "the sending service's log" in report.headline
    assert report.missing_logs and report.verdict == "pass"


def test_only_sends_names_the_missing_session_start(make_report: MakeReport) -> None:
    """Sends without token, whoami or numbers calls: the headline names the session's start."""
    report = make_report([send_call(at=1), webhook(at=2)])
    assert "the start of the session" in report.headline


def test_full_evidence_names_no_missing_log(make_report: MakeReport) -> None:
    """A complete run names no missing log."""
    records = [token_call(), whoami_call(at=1), numbers_call(at=2), *healthy_run(at=3)[3:]]
    assert make_report(records).missing_logs == ()


def test_client_matching_nothing_is_no_evidence_naming_it(tmp_path: Path) -> None:
    """--client of another API client: no evidence, the reason names --client and its value."""
    log = write_log(tmp_path / "app.jsonl", healthy_run())
    code, report = _json_report(str(log), "--client", "rc_other")
    assert code == ExitCode.NO_EVIDENCE
    assert "--client rc_other" in report["no_evidence"]["reason"]  # type: ignore[index]
