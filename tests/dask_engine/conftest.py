"""A Dask cluster of two in-process workers on loopback, and a generated multi-file log."""

from __future__ import annotations

import gzip
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster

from tests.remote.conftest import s3, s3_endpoint, s3_env  # noqa: F401 - fixtures for S3 + Dask

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def scheduler() -> Iterator[str]:
    """The address of a `LocalCluster` of 2 single-threaded workers (threads of this process)."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster:  # fmt: skip
        yield cluster.scheduler_address


@pytest.fixture(scope="session")
def fleet_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated mixed log (broken lines included) cut into four rotated files, one gzipped."""
    directory = tmp_path_factory.mktemp("fleet")
    whole = directory.parent / "whole.log"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_mixed_log.py"),
                    "--size", "1", str(whole)], check=True, capture_output=True)  # fmt: skip
    lines = whole.read_bytes().splitlines(keepends=True)
    quarter = len(lines) // 4
    for index in range(4):
        part = b"".join(lines[index * quarter : (index + 1) * quarter if index < 3 else None])
        name = directory / f"app.log.{index}"
        if index == 3:
            name.with_suffix(".3.gz").write_bytes(gzip.compress(part, mtime=0))
        else:
            name.write_bytes(part)
    return directory
