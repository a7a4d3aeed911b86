"""`escalate report --follow` in a subprocess, its output read line by line, every wait bounded."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

#: every follower stops by itself after this long, whatever a test does
SAFETY_TIMEOUT = "60s"
#: how long a test waits for one expected line or the exit
WAIT_S = 30.0


class Follower:
    """A follower process; `expect` waits for a line, `wait` for the exit status."""

    def __init__(self, args: Sequence[str | Path], cwd: Path | None = None) -> None:
        command = [sys.executable, "-m", "escalate", "report", "--follow", "--interval", "0.05s",
                   "--follow-timeout", SAFETY_TIMEOUT, *(str(arg) for arg in args)]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)  # fmt: skip
        self.seen: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def expect(self, fragment: str, timeout: float = WAIT_S) -> str:
        """The next line containing `fragment`; fails (with what was seen) after `timeout`."""
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                missing = f"no line with {fragment!r} in {timeout}s: {self.seen}"
                raise AssertionError(missing) from None
            if line is None:
                raise AssertionError(f"exited before a line with {fragment!r}: {self.seen}")
            self.seen.append(line)
            if fragment in line:
                return line

    def wait(self, timeout: float = WAIT_S) -> int:
        """The exit status, once every line is read (fails after `timeout`)."""
        code = self.process.wait(timeout=timeout)
        while (line := self._lines.get(timeout=timeout)) is not None:
            self.seen.append(line)
        return code

    def __enter__(self) -> Follower:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=WAIT_S)
        if self.process.stdout is not None:
            self.process.stdout.close()


def append(path: Path, *sources: Path) -> None:
    """Append the lines of `sources` to `path`, flushed at once (as a logger writes them)."""
    with path.open("ab") as log:
        for source in sources:
            log.write(source.read_bytes())
