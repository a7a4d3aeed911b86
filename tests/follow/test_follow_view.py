"""What a follower shows: a view redrawn in place on a terminal, plain lines otherwise."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from escalate._cli import main
from escalate._follow import CLEAR, FollowSettings, follow
from escalate._report import ReportOptions

from .conftest import SAMPLES


def test_terminal_view_is_redrawn_in_place() -> None:
    """On a terminal each update clears the screen and draws the stages and findings."""
    written: list[str] = []
    settings = FollowSettings(timeout_s=0.0, terminal=True)
    follow([str(SAMPLES / "send_forbidden")], ReportOptions(), settings, written.append)
    assert written and all(text.startswith(CLEAR) for text in written)
    assert "ESCALATE FOLLOW" in written[-1] and "[FAIL]  send" in written[-1]
    assert "send_forbidden: " in written[-1]


def test_plain_lines_have_no_control_characters() -> None:
    """Not on a terminal: one plain line per change, no escape sequence."""
    result = CliRunner().invoke(main, ["report", "--follow", "--follow-timeout", "0s",
                                       str(SAMPLES / "send_forbidden")])  # fmt: skip
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert all(line.startswith("[") for line in result.output.splitlines())
    assert "first failing stage: send" in result.output


def test_a_real_terminal_gets_the_view(tmp_path: Path) -> None:
    """Under a pseudo-terminal the command chooses the view by itself."""
    main_fd, child_fd = pty.openpty()
    command = [sys.executable, "-m", "escalate", "report", "--follow", "--follow-timeout", "1s",
               "--interval", "0.1s", str(SAMPLES / "healthy")]  # fmt: skip
    process = subprocess.Popen(command, stdout=child_fd, stderr=child_fd, stdin=child_fd)
    os.close(child_fd)
    try:
        shown = _read_until_exit(main_fd, process, deadline=time.monotonic() + 60)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        os.close(main_fd)
    assert CLEAR in shown and "ESCALATE FOLLOW" in shown
    assert process.returncode == 0


def _read_until_exit(fd: int, process: subprocess.Popen[bytes], deadline: float) -> str:
    output = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed: the process has exited
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    return output.decode("utf-8", "replace")
