"""The README, CHANGELOG and `--help` stay true: commands, help text, exit codes, rule catalogue."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner

import escalate
from escalate._cli import COMMANDS, main
from escalate._cli._exit import ExitCode
from escalate._report import RULES
from escalate._version import __version__
from escalate.sandbox import RedCloudSandbox

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
HELP_BLOCK = re.compile(r"<!-- help: (\w+) -->\n```text\n(.*?)```", re.DOTALL)
#: The `--help` texts the README embeds: the command list and the main command's.
EMBEDDED_HELP = ("escalate", "report")


def setup_commands() -> list[str]:
    """The shell commands of the README's Set-up section, in order."""
    section = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.DOTALL)


def help_text(command: str) -> str:
    """`escalate --help` or `escalate COMMAND --help` as a 100-column terminal shows it."""
    args = ["--help"] if command == "escalate" else [command, "--help"]
    return CliRunner().invoke(main, args, terminal_width=100).output


def test_setup_is_two_one_line_commands() -> None:
    """Set-up is exactly two one-line commands: run a sample, run the tests."""
    commands = setup_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands)
    assert "escalate report samples/" in commands[0]
    assert commands[0].startswith("pip install ")


def test_ci_runs_the_readme_test_command() -> None:
    """`.ci/run` runs the README's test command word for word."""
    assert setup_commands()[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_main_command_reports_its_sample() -> None:
    """The README's main command (its `escalate report` half) finds the sample's symptom."""
    words = shlex.split(setup_commands()[0].split("&&", 1)[1])
    assert words[:2] == ["escalate", "report"]
    result = CliRunner().invoke(main, words[1:], catch_exceptions=False)
    assert result.exit_code == ExitCode.FINDINGS
    assert "send_forbidden" in result.output


def test_installed_command_runs_the_readme_main_command() -> None:
    """The installed `escalate` script runs the README's main command from the project folder."""
    script = Path(sys.executable).with_name("escalate")
    command = str(script) if script.exists() else shutil.which("escalate")
    assert command, "the escalate command is not installed"
    words = shlex.split(setup_commands()[0].split("&&", 1)[1])
    done = subprocess.run([command, *words[1:]], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == ExitCode.FINDINGS, done.stderr
    assert "First failing stage" in done.stdout or "first failing stage" in done.stdout


@pytest.mark.parametrize("command", EMBEDDED_HELP)
def test_readme_embeds_current_help(command: str) -> None:
    """Each embedded `--help` block is the current text (ESCALATE_UPDATE_README=1 fixes it)."""
    blocks = dict(HELP_BLOCK.findall(README))
    assert set(blocks) == set(EMBEDDED_HELP)
    if os.environ.get("ESCALATE_UPDATE_README") == "1":
        _update_help_blocks()
        return
    assert blocks[command] == help_text(command)


def _update_help_blocks() -> None:
    text = HELP_BLOCK.sub(
        lambda m: f"<!-- help: {m[1]} -->\n```text\n{help_text(m[1])}```", README
    )  # fmt: skip
    (ROOT / "README.md").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_a_readme_section(command: str) -> None:
    """Each command has its own README section with an example."""
    section = README.split(f"### `escalate {command}`", 1)
    assert len(section) == 2, f"no README section for escalate {command}"
    assert f"$ escalate {command}" in section[1].split("\n### ", 1)[0]


def test_every_command_is_registered() -> None:
    """`escalate --help` lists exactly the registered commands, each importable."""
    context = click.Context(main)
    assert main.list_commands(context) == sorted(COMMANDS)
    assert all(main.get_command(context, name) is not None for name in COMMANDS)


def test_report_does_not_import_the_other_commands() -> None:
    """`escalate report` starts without importing capture, bundle, HAR or doctor code."""
    code = ("import sys; from escalate._cli import main; "
            "main(['report', '--help'], standalone_mode=False); "
            "print(sorted(m for m in sys.modules if m.startswith(('escalate._capture', "
            "'escalate._bundle', 'escalate._doctor', 'escalate._har', 'structlog'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_exit_code_table_matches_code() -> None:
    """The README's exit-code table lists exactly the ExitCode values."""
    section = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.MULTILINE)}
    assert documented == {int(code) for code in ExitCode}


def test_rule_catalogue_matches_registry() -> None:
    """The README's rule catalogue lists every rule id with its stage and title, in order."""
    section = README.split("## Rule catalogue", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| (.+?) \|$", section, re.MULTILINE)
    assert rows == [(rule.id, rule.stage, rule.title) for rule in RULES]


def test_changelog_has_the_current_version() -> None:
    """CHANGELOG.md has a section for the version being built."""
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {__version__}" in changelog


def test_readme_library_example_records_two_calls(tmp_path: Path) -> None:
    """The README's five-line capture example works as written, against the local sandbox."""
    example = README.split("## Capture in five lines", 1)[1].split("```python\n", 1)[1]
    code = example.split("```", 1)[0]
    assert len(code.strip().splitlines()) == 5
    log = tmp_path / "evidence.jsonl"
    with RedCloudSandbox() as rc:
        code = code.replace("https://your-api-host.example.com", rc.base_url)
        code = code.replace('"redcloud-evidence.jsonl"', repr(str(log)))
        namespace = {"CLIENT_ID": rc.client_id, "CLIENT_SECRET": rc.client_secret}
        try:
            exec(compile(code, "README.md", "exec"), namespace)
        finally:
            escalate.configure(path=os.devnull)
            client = namespace.get("client")
            if isinstance(client, httpx.Client):
                client.close()
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [line.count('"route":"/api/') for line in lines] == [1, 1]
    assert rc.client_secret not in log.read_text(encoding="utf-8")
