"""Fixtures of the follow tests: the shipped samples."""

from __future__ import annotations

from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
MANIFEST: dict[str, dict[str, object]] = orjson.loads((SAMPLES / "manifest.json").read_bytes())


def sample_files(name: str) -> list[Path]:
    """A sample's evidence files, sorted."""
    return sorted((SAMPLES / name).glob("*.jsonl"))
