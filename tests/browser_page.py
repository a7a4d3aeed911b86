"""Headless Chromium for the HTML report tests: load a page once, keep what it reported.

The report's CSP (`default-src 'none'`) blocks any external fetch and Chromium logs the violation
to the console, so "no console message" also means "nothing left the file".
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

WINDOW = (1280, 2000)
TIMEOUT_S = 60
#: Screenshots for a human to look at (gitignored).
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: Skipped on a developer machine without Chromium; never in CI (.ci/run installs it).
needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None and not os.environ.get("CI"),
    reason="chromium is not on PATH",
)


@dataclass(frozen=True)
class PageLoad:
    """What headless Chromium reported for one page."""

    dom: str
    console: list[str]
    screenshot: Path


def open_page(page: Path, tmp_path: Path) -> PageLoad:
    """Load `page` once: dump the DOM, collect console lines, take a screenshot."""
    screenshot = tmp_path / f"{page.stem}.png"
    command = [
        "chromium", "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr", "--v=0", "--dump-dom",
        f"--screenshot={screenshot}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
        page.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return PageLoad(dom=done.stdout, console=console, screenshot=screenshot)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def keep_screenshot(loaded: PageLoad, folder: str, name: str) -> None:
    """Copy the screenshot to `artifacts/FOLDER/NAME.png`."""
    target = ARTIFACTS / folder
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(loaded.screenshot, target / f"{name}.png")
