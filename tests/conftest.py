"""Shared fixtures: a running Red Cloud sandbox and a webhook receiver, both on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from escalate.sandbox import RedCloudSandbox, WebhookSink


@pytest.fixture(autouse=True, scope="session")
def _fingerprint_key_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Capture's installation key file goes to a temporary state directory, never the home's."""
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    os.environ.pop("ESCALATE_FINGERPRINT_KEY", None)
    os.environ.pop("ESCALATE_FINGERPRINT_KEY_FILE", None)


@pytest.fixture
def redcloud() -> Iterator[RedCloudSandbox]:
    """A started Red Cloud sandbox with the default client and numbers, stopped after the test."""
    with RedCloudSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def webhook_sink() -> Iterator[WebhookSink]:
    """A webhook receiver: `.url`, `.received` (headers + raw bodies), `.status` settable."""
    with WebhookSink() as sink:
        yield sink
