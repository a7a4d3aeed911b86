"""Open each HTML fixture report in headless Chromium: no console message, no request, a screenshot.

The report's CSP (`default-src 'none'`) blocks any external fetch and Chromium logs the violation to
the console, so "no console message" also means "nothing left the file". Screenshots are kept in
`artifacts/render/` (gitignored) for a human to look at.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from escalate._render import Format, render
from escalate._report._model import Report

from .reports import FIXTURES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not on PATH"),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "render"
WINDOW = (1280, 2000)
TIMEOUT_S = 60


@dataclass(frozen=True)
class PageLoad:
    """What headless Chromium reported for one page."""

    dom: str
    console: list[str]
    screenshot: Path


def _open(page: Path, tmp_path: Path) -> PageLoad:
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


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


@pytest.mark.parametrize(("name", "build"), FIXTURES, ids=[name for name, _ in FIXTURES])
def test_report_loads_cleanly_and_is_screenshotted(
    name: str, build: Callable[[], Report], tmp_path: Path
) -> None:
    """The page loads with no console message (so no blocked request) and renders its findings."""
    report = build()
    page = tmp_path / f"{name}.html"
    page.write_text(render(report, Format.HTML), encoding="utf-8")
    loaded = _open(page, tmp_path)
    assert loaded.console == []
    assert "Stages, in the debugging order" in loaded.dom
    assert loaded.dom.count('class="finding ') == len(report.findings)
    assert _png_size(loaded.screenshot) == WINDOW
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(loaded.screenshot, ARTIFACTS / f"{name}.png")


def test_an_external_request_would_be_caught(tmp_path: Path) -> None:
    """Control: a page with the report's CSP and an external image yields a console message."""
    html = render(FIXTURES[0][1](), Format.HTML).replace(
        "</main>", '<img alt="" src="http://127.0.0.1:9/pixel.png"></main>'
    )
    page = tmp_path / "external.html"
    page.write_text(html, encoding="utf-8")
    console = _open(page, tmp_path).console
    assert any("Content Security Policy" in line for line in console)
