"""Open each HTML fixture report in headless Chromium: no console message, no request, a screenshot.

Screenshots are kept in `artifacts/render/` (gitignored) for a human to look at.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from browser_page import WINDOW, keep_screenshot, needs_chromium, open_page, png_size

from escalate._render import Format, render
from escalate._report._model import Report

from .reports import FIXTURES

pytestmark = [pytest.mark.browser, needs_chromium]

@pytest.mark.parametrize(("name", "build"), FIXTURES, ids=[name for name, _ in FIXTURES])
def test_report_loads_cleanly_and_is_screenshotted(
    name: str, build: Callable[[], Report], tmp_path: Path
) -> None:
    """The page loads with no console message (so no blocked request) and renders its findings."""
    report = build()
    page = tmp_path / f"{name}.html"
    page.write_text(render(report, Format.HTML), encoding="utf-8")
    loaded = open_page(page, tmp_path)
    assert loaded.console == []
    assert "Stages, in the debugging order" in loaded.dom
    assert loaded.dom.count('class="finding ') == len(report.findings)
    assert png_size(loaded.screenshot) == WINDOW
    keep_screenshot(loaded, "render", name)


def test_an_external_request_would_be_caught(tmp_path: Path) -> None:
    """Control: a page with the report's CSP and an external image yields a console message."""
    html = render(FIXTURES[0][1](), Format.HTML).replace(
        "</main>", '<img alt="" src="http://127.0.0.1:9/pixel.png"></main>'
    )
    page = tmp_path / "external.html"
    page.write_text(html, encoding="utf-8")
    console = open_page(page, tmp_path).console
    assert any("Content Security Policy" in line for line in console)
