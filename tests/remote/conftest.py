"""A real S3-protocol server (moto's) and a plain HTTP server on loopback, and the samples in them.

The store's credentials and endpoint reach escalate only through the environment, as a user's
would (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_S3).
"""

from __future__ import annotations

import functools
import gzip
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
BUCKET = "evidence"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The URL of a moto S3 server on 127.0.0.1, stopped after the session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The store's usual environment pointing at the loopback server; returns the bucket name."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing-key-id",
        "AWS_SECRET_ACCESS_KEY": "testing-secret-key",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    return BUCKET


@pytest.fixture
def s3(s3_env: str) -> Any:
    """A boto3 S3 client of the loopback server with an empty `evidence` bucket."""
    import boto3

    client = boto3.client("s3")
    if any(b["Name"] == BUCKET for b in client.list_buckets()["Buckets"]):
        for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    else:
        client.create_bucket(Bucket=BUCKET)
    return client


def gzip_sample(name: str, directory: Path) -> list[Path]:
    """The sample's logs gzipped into `directory/NAME/`; returns the written files."""
    target = directory / name
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for log in sorted((SAMPLES / name).glob("*.jsonl")):
        path = target / f"{log.name}.gz"
        path.write_bytes(gzip.compress(log.read_bytes(), mtime=0))
        written.append(path)
    return written


def upload(s3: Any, files: list[Path], root: Path) -> None:
    """Put each file in the bucket under its path relative to `root`."""
    for path in files:
        s3.put_object(Bucket=BUCKET, Key=path.relative_to(root).as_posix(), Body=path.read_bytes())


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory served by a plain HTTP server on 127.0.0.1: (directory, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on the test output."""
