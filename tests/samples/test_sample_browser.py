"""Each sample's HTML report, as `escalate report --format html -o` writes it, in headless Chromium.

Screenshots are kept in `artifacts/samples/` (gitignored): look at them.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from browser_page import WINDOW, keep_screenshot, needs_chromium, open_page, png_size
from click.testing import CliRunner

from escalate._cli import main

from .test_samples import MANIFEST, ROOT

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_sample_html_report_loads_cleanly(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No console message (so no request left the file), every finding shown, a screenshot."""
    monkeypatch.chdir(ROOT)
    page = tmp_path / f"{name}.html"
    args = [str(arg) for arg in MANIFEST[name]["report_args"]]  # type: ignore[attr-defined]
    CliRunner().invoke(main, ["report", f"samples/{name}", *args, "--format", "html",
                              "-o", str(page)])  # fmt: skip
    loaded = open_page(page, tmp_path)
    assert loaded.console == []
    assert loaded.dom.count('class="finding ') == len(MANIFEST[name]["findings"])  # type: ignore[arg-type]
    assert png_size(loaded.screenshot) == WINDOW
    keep_screenshot(loaded, "samples", name)


def test_manifest_is_json() -> None:
    """The manifest the browser test reads is the committed one."""
    assert orjson.loads((ROOT / "samples" / "manifest.json").read_bytes()) == MANIFEST
