"""The tail every rendering command shares: render, the last secret scan, an atomic write."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import click
import orjson
import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._cli._exit import ExitCode
from escalate._cli._output import write_rendered
from escalate._files import write_atomically
from escalate._render import UserTemplateError
from escalate._scan import SecretScanner

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted(orjson.loads((ROOT / "samples" / "manifest.json").read_bytes()))
#: each rendering command that reads logs, with the arguments it needs to render the samples
COMMANDS = {
    "report": ["report", "samples/send_forbidden"],
    "diff": ["diff", "--before", "samples/healthy", "--after", "samples/send_forbidden"],
}


def _run(name: str, *extra: str) -> click.testing.Result:
    return CliRunner().invoke(main, [*COMMANDS[name], *extra])


@pytest.fixture(autouse=True)
def _from_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_output_file_is_what_stdout_would_show(name: str, tmp_path: Path) -> None:
    """`-o FILE` holds exactly the bytes the command prints without it."""
    target = tmp_path / "out"
    written = _run(name, "-o", str(target))
    assert written.output == ""
    assert target.read_text(encoding="utf-8") == _run(name).output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_existing_output_file_keeps_its_mode(name: str, tmp_path: Path) -> None:
    """Replacing an existing -o file keeps its permissions, as overwriting it would."""
    target = tmp_path / "out"
    target.write_text("old")
    target.chmod(0o640)
    _run(name, "-o", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text(encoding="utf-8") != "old"


def test_new_output_file_gets_the_umask_mode(tmp_path: Path) -> None:
    """A new -o file gets 0o666 less the umask, like any file the shell creates."""
    umask = os.umask(0o022)
    try:
        _run("report", "-o", str(tmp_path / "out"))
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o644


def test_failed_write_leaves_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails (here: the rename) is exit 2, and -o still holds the old file whole."""
    target = tmp_path / "out"
    target.write_text("previous report")

    def full_disk(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    result = _run("report", "-o", str(target))
    assert result.exit_code == ExitCode.USAGE
    assert "No space left on device" in result.output
    assert target.read_text() == "previous report"
    assert [path.name for path in tmp_path.iterdir()] == ["out"]


def test_output_to_a_device_writes_to_it(tmp_path: Path) -> None:
    """`-o /dev/null` writes to the device: it is never renamed over (even as root)."""
    result = _run("report", "-o", os.devnull)
    assert result.exit_code == ExitCode.FINDINGS
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_output_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    """`-o LINK` writes the file the link points to; the link stays a link."""
    (tmp_path / "real").write_text("old")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    _run("report", "-o", str(tmp_path / "link"))
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "real").read_text(encoding="utf-8").startswith("# ")


def test_the_tail_scans_what_it_writes(capsys: pytest.CaptureFixture[str]) -> None:
    """A secret the rendered text holds is replaced before it is written."""
    write_rendered(lambda: "token rc_secret_abc123\n", SecretScanner(), None)
    assert "rc_secret_abc123" not in capsys.readouterr().out


def test_a_template_mistake_is_an_input_error() -> None:
    """A user template's error is exit 2, `template: FILE:LINE: ...`."""
    def broken() -> str:
        raise UserTemplateError("my.j2:3: unexpected end of template")

    with pytest.raises(click.ClickException) as caught:
        write_rendered(broken, SecretScanner(), None)
    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.message == "template: my.j2:3: unexpected end of template"


def test_any_other_render_failure_is_a_bug() -> None:
    """A failing built-in renderer is exit 70, asking for a bug report."""
    def buggy() -> str:
        raise KeyError("stages")

    with pytest.raises(click.ClickException) as caught:
        write_rendered(buggy, SecretScanner(), None)
    assert caught.value.exit_code == ExitCode.INTERNAL


def test_file_in_a_directory_closed_to_writing_is_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No temporary file may be made beside an existing writable file: it is overwritten."""
    target = tmp_path / "out.md"
    target.write_bytes(b"old")
    real_open = os.open

    def closed_directory(name: str, flags: int, mode: int = 0o777) -> int:
        if name != str(target):
            raise PermissionError(13, "Permission denied")
        return real_open(name, flags, mode)

    monkeypatch.setattr(os, "open", closed_directory)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"


def test_new_file_in_a_directory_closed_to_writing_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where no file can be created at all, the PermissionError reaches the caller."""
    def closed_directory(name: str, flags: int, mode: int = 0o777) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", closed_directory)
    with pytest.raises(PermissionError):
        write_atomically(tmp_path / "out.md", b"new")


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    """After a write the directory holds the file alone."""
    write_atomically(tmp_path / "out.md", b"report\n")
    assert [path.name for path in tmp_path.iterdir()] == ["out.md"]


@pytest.mark.parametrize("sample", SAMPLES)
def test_har_command_writes_the_bundles_har(sample: str, tmp_path: Path) -> None:
    """`escalate har` writes byte for byte the `evidence.har` the bundle of the same logs holds."""
    har, bundle = tmp_path / "out.har", tmp_path / "ticket.zip"
    CliRunner().invoke(main, ["har", f"samples/{sample}", "-o", str(har)])
    CliRunner().invoke(main, ["bundle", f"samples/{sample}", "-o", str(bundle)])
    with zipfile.ZipFile(bundle) as archive:
        assert har.read_bytes() == archive.read("evidence.har")
