"""`escalate report` on the command line: formats, output file, stdin, exit codes, errors."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import orjson
import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._render._format import FORMAT_NAMES
from escalate._report._reading import _inputs as inputs_module
from escalate._report._reading._inputs import resolve_sources
from tests.report.builders import healthy_run, send_call, write_log


@pytest.fixture
def healthy_log(tmp_path: Path) -> Path:
    """A log with one healthy run."""
    return write_log(tmp_path / "healthy.jsonl", healthy_run())


@pytest.fixture
def failing_log(tmp_path: Path) -> Path:
    """A log with forbidden sends."""
    records = [send_call(403, at=i, message_id=None, error_code="FORBIDDEN") for i in range(3)]
    return write_log(tmp_path / "failing.jsonl", records)


def _run(*args: str, stdin: bytes | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["report", *args], input=stdin)
    return result.exit_code, result.output


def test_no_findings_exits_0(healthy_log: Path) -> None:
    """A healthy log exits 0."""
    code, output = _run(str(healthy_log), "--format", "json")
    assert code == 0
    assert orjson.loads(output)["findings"] == []


def test_findings_exit_1(failing_log: Path) -> None:
    """A log with findings exits 1 and names them in the JSON."""
    code, output = _run(str(failing_log), "--format", "json")
    assert code == 1
    data = orjson.loads(output)
    assert data["first_failing_stage"] == "send"
    assert "send_forbidden" in [f["symptom"] for f in data["findings"]]


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_every_format_renders(failing_log: Path, fmt: str) -> None:
    """Every --format value renders and mentions the finding."""
    code, output = _run(str(failing_log), "--format", fmt)
    assert code == 1
    assert "send_forbidden" in output


def test_output_file(failing_log: Path, tmp_path: Path) -> None:
    """-o writes the report to a file and nothing to stdout."""
    target = tmp_path / "report.md"
    code, output = _run(str(failing_log), "-o", str(target))
    assert (code, output) == (1, "")
    assert "send_forbidden" in target.read_text()


def test_stdin_dash(failing_log: Path) -> None:
    """`-` reads the log from standard input, gzip too."""
    code, output = _run("-", "--format", "json", stdin=gzip.compress(failing_log.read_bytes()))
    assert code == 1
    assert orjson.loads(output)["inputs"]["calls"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.log"], "missing.log: no such file or directory"),
        (["--delivery-grace", "5x", "LOG"], "invalid duration '5x'"),
        (["--since", "yesterday", "LOG"], "invalid time 'yesterday'"),
        (["--format", "pdf", "LOG"], "Invalid value for '--format'"),
        (["--jobs", "0", "LOG"], "Invalid value for '--jobs'"),
    ],
    ids=["missing", "grace", "since", "format", "jobs"],
)
def test_usage_and_input_errors_exit_2(healthy_log: Path, args: list[str], message: str) -> None:
    """Bad inputs and options exit 2 with a message naming the problem, no traceback."""
    code, output = _run(*[str(healthy_log) if a == "LOG" else a for a in args])
    assert code == 2
    assert message in output
    assert "Traceback" not in output


def test_unreadable_template_exits_2(healthy_log: Path, tmp_path: Path) -> None:
    """A missing --template is a usage error."""
    code, output = _run(str(healthy_log), "--template", str(tmp_path / "none.j2"))
    assert code == 2
    assert "none.j2" in output


def test_installed_command(failing_log: Path, tmp_path: Path) -> None:
    """The installed `escalate` command runs, writes JSON and exits 1 on findings."""
    command = shutil.which("escalate", path=os.path.dirname(sys.executable))
    command = command or shutil.which("escalate")
    assert command, "escalate is not installed"
    result = subprocess.run(
        [command, "report", "--format", "json", "--jobs", "2", str(failing_log)],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert orjson.loads(result.stdout)["first_failing_stage"] == "send"
    assert result.stderr == b""


def test_installed_command_missing_file(tmp_path: Path) -> None:
    """The installed command exits 2 naming a missing file on stderr."""
    command = shutil.which("escalate", path=os.path.dirname(sys.executable))
    command = command or shutil.which("escalate")
    assert command
    missing = str(tmp_path / "gone.log")
    result = subprocess.run([command, "report", missing], capture_output=True, timeout=60)
    assert result.returncode == 2
    assert f"{missing}: no such file or directory" in result.stderr.decode()
    assert b"Traceback" not in result.stderr


def test_progress_bar_on_request(failing_log: Path) -> None:
    """--progress draws on stderr and leaves the report intact."""
    result = CliRunner().invoke(
        main, ["report", "--progress", "--format", "json", str(failing_log)]
    )
    assert result.exit_code == 1
    assert "send_forbidden" in result.stdout


def _bar_lengths(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every progress bar drawn from now on."""
    lengths: list[int] = []
    progressbar = click.progressbar

    def recording(*args: Any, **kwargs: Any) -> Any:
        lengths.append(kwargs["length"])
        return progressbar(*args, **kwargs)

    monkeypatch.setattr(click, "progressbar", recording)
    return lengths


def test_progress_bar_length_is_the_size_of_the_sources_read(
    failing_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bar's length is the stored size of the files the inputs resolve to: a directory's
    files (not its hidden ones), a glob's matches."""
    logs = tmp_path / "logs"
    (logs / "api").mkdir(parents=True)
    read = [shutil.copy(failing_log, logs / "api" / "a.jsonl"), logs / "b.jsonl"]
    gzip_log = tmp_path / "c.jsonl.gz"
    read[1].write_bytes(failing_log.read_bytes() * 3)
    gzip_log.write_bytes(gzip.compress(failing_log.read_bytes()))
    (logs / ".b.jsonl.swp").write_bytes(b"x" * 1000)
    inputs = [str(logs), str(tmp_path / "*.gz")]
    lengths = _bar_lengths(monkeypatch)
    result = CliRunner().invoke(main, ["report", "--progress", "--format", "json", *inputs])
    assert result.exit_code == 1
    sizes = [os.path.getsize(path) for path in (*read, gzip_log)]
    assert lengths == [sum(sizes)]
    assert lengths == [sum(source.size() or 0 for source in resolve_sources(inputs))]


@pytest.mark.parametrize("bar", ["--progress", "--no-progress"])
def test_the_inputs_are_resolved_once_with_or_without_a_bar(
    bar: str, failing_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inputs are expanded once, whether a bar is drawn (sized from them) or not."""
    lengths = _bar_lengths(monkeypatch)
    expanded: list[str] = []
    expand = inputs_module._expand

    def counting(path: str, skipped: list[tuple[str, str]]) -> list[str]:
        expanded.append(path)
        return expand(path, skipped)

    monkeypatch.setattr(inputs_module, "_expand", counting)
    result = CliRunner().invoke(main, ["report", bar, str(failing_log)])
    assert result.exit_code == 1
    drawn = [os.path.getsize(failing_log)] if bar == "--progress" else []
    assert (lengths, expanded) == (drawn, [str(failing_log)])


def test_progress_bar_on_a_missing_input_exits_2(tmp_path: Path) -> None:
    """--progress with an input that does not exist: the input error, not a traceback."""
    missing = str(tmp_path / "gone.log")
    code, output = _run("--progress", missing)
    assert code == 2
    assert f"{missing}: no such file or directory" in output


def test_broken_template_exits_2(healthy_log: Path, tmp_path: Path) -> None:
    """A template that does not compile is a usage error naming it, not a traceback."""
    template = tmp_path / "bad.md.j2"
    template.write_text("{% for x in %}")
    code, output = _run(str(healthy_log), "--template", str(template))
    assert code == 2
    assert output.startswith("Error: template:")


def test_failing_stage_without_rule_exits_1(tmp_path: Path) -> None:
    """A failing stage no rule names (a 404 on numbers) still exits 1."""
    from tests.report.builders import call

    log = write_log(tmp_path / "numbers.jsonl", [call("/api/core/numbers", 404)])
    code, output = _run(str(log), "--format", "json")
    assert code == 1
    assert orjson.loads(output)["first_failing_stage"] == "numbers"


def test_python_dash_m_escalate_runs_the_same_command(tmp_path: Path) -> None:
    """`python -m escalate report` works where no script is on PATH, with the same exit codes."""
    log = write_log(tmp_path / "app.jsonl", [send_call(403, at=1)])
    result = subprocess.run(
        [sys.executable, "-m", "escalate", "report", "--format", "json", str(log)],
        capture_output=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert orjson.loads(result.stdout)["first_failing_stage"] == "send"
    usage = subprocess.run([sys.executable, "-m", "escalate", "--help"], capture_output=True,
                           timeout=120, cwd=tmp_path)
    assert usage.returncode == 0 and b"Usage: escalate" in usage.stdout
