"""Bundles built on a Dask cluster: the evidence kept on the workers is the one-process evidence."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from escalate._bundle import build_bundle
from escalate._report import ReportOptions
from escalate._report._filters import Engine


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_bundle_on_dask_holds_the_one_process_evidence(fleet_logs: Path, scheduler: str) -> None:
    """Files folded on workers give the same evidence, HAR and report as one process."""
    paths = [str(fleet_logs)]
    alone, _ = build_bundle(paths, options=ReportOptions())
    on_dask, _ = build_bundle(paths, options=ReportOptions(engine=Engine.DASK, scheduler=scheduler))
    expected, found = _members(alone), _members(on_dask)
    assert found["evidence.jsonl"].count(b"\n") > 3
    for name in ("evidence.jsonl", "evidence.har", "report.json", "manifest.json"):
        assert found[name] == expected[name], name
