"""Fixtures of the bundle tests: one captured log per session and its canary-salted copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._logs import capture_traffic, payload_secret_log, salted_log


@pytest.fixture(scope="session")
def traffic_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real captured traffic: successes, forbidden and invalid sends, webhooks, noise."""
    path = tmp_path_factory.mktemp("traffic") / "evidence.jsonl"
    capture_traffic(path)
    return path


@pytest.fixture(scope="session")
def salted(traffic_log: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The traffic log with canary secrets in every field and in free text."""
    return salted_log(traffic_log, tmp_path_factory.mktemp("salted") / "salted.jsonl")


@pytest.fixture(scope="session")
def payload_secret(traffic_log: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The traffic log with `"client_secret": "hunter2"` in every call's payload shape."""
    return payload_secret_log(traffic_log, tmp_path_factory.mktemp("payload") / "payload.jsonl")
