"""Reports over many input files: the formats people read name the first 20 and count the rest;
the JSON format lists every file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._render._filters import FILES_SHOWN

ROOT = Path(__file__).resolve().parents[2]
FILES = FILES_SHOWN + 7


def _split(sample: str, folder: Path) -> list[str]:
    """The sample's lines, one file each (padded with empty files to FILES), in time order; the
    names are relative (short enough for the text format not to wrap one)."""
    lines = [
        line
        for path in sorted((ROOT / "samples" / sample).glob("*.jsonl"))
        for line in path.read_text().splitlines(keepends=True)
    ]
    folder.mkdir()
    names = []
    for index in range(FILES):
        path = folder / f"part-{index:03d}.jsonl"
        path.write_text(lines[index] if index < len(lines) else "")
        names.append(str(path.relative_to(Path.cwd())))
    return names


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def many(tmp_path: Path) -> list[str]:
    return _split("send_forbidden", tmp_path / "logs")


@pytest.mark.parametrize("fmt", ["markdown", "text", "html"])
def test_a_readable_report_names_the_first_files_and_counts_the_rest(
    many: list[str], fmt: str
) -> None:
    result = CliRunner().invoke(main, ["report", "--format", fmt, "logs"])
    assert result.exit_code == 1, result.output
    assert all(name in result.output for name in many[:FILES_SHOWN])
    assert not any(name in result.output for name in many[FILES_SHOWN:])
    assert f"and {FILES - FILES_SHOWN} more files" in " ".join(result.output.split())


def test_the_json_report_lists_every_file(many: list[str]) -> None:
    result = CliRunner().invoke(main, ["report", "--format", "json", "logs"])
    assert json.loads(result.output)["inputs"]["files"] == many


def test_a_few_files_are_all_named(tmp_path: Path) -> None:
    folder = tmp_path / "few"
    folder.mkdir()
    for index in range(3):
        (folder / f"part-{index}.jsonl").write_text("")
    result = CliRunner().invoke(main, ["report", "--format", "markdown", str(folder)])
    assert all(f"part-{index}.jsonl" in result.output for index in range(3))
    assert "more file" not in result.output


@pytest.mark.parametrize("fmt", ["markdown", "text", "html"])
def test_a_diff_names_the_first_files_of_each_window(tmp_path: Path, fmt: str) -> None:
    before = _split("healthy", tmp_path / "before")
    after = _split("send_forbidden", tmp_path / "after")
    args = ["diff", "--format", fmt, "--before", "before", "--after", "after"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    text = " ".join(result.output.split())
    for window in (before, after):
        assert all(name in result.output for name in window[:FILES_SHOWN])
        assert not any(name in result.output for name in window[FILES_SHOWN:])
    assert text.count(f"and {FILES - FILES_SHOWN} more files") == 2
