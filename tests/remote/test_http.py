"""`escalate report https://...`: an object on a plain web server reads as its local copy."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from escalate._cli import main
from escalate._cli._exit import ExitCode
from tests.remote.conftest import gzip_sample


def test_http_objects_give_the_local_report(http_root: tuple[Path, str]) -> None:
    """Each gzipped log named by its http:// URL gives the local copy's report."""
    root, base = http_root
    files = gzip_sample("send_forbidden", root)
    runner = CliRunner()
    local = runner.invoke(main, ["report", *map(str, files), "--format", "json"])
    urls = [f"{base}/{path.relative_to(root).as_posix()}" for path in files]
    remote = runner.invoke(main, ["report", *urls, "--format", "json"])
    assert remote.exit_code == local.exit_code == ExitCode.FINDINGS
    assert remote.stdout.replace(f"{base}/", f"{root}/") == local.stdout


def test_missing_http_object_is_an_input_error(http_root: tuple[Path, str]) -> None:
    """A 404 exits 2 naming the URL, without a traceback."""
    _, base = http_root
    result = CliRunner().invoke(main, ["report", f"{base}/nothing.log"])
    assert result.exit_code == ExitCode.USAGE
    assert f"{base}/nothing.log" in result.stderr
    assert "Traceback" not in result.stderr
