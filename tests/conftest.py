"""Shared fixtures: a running Red Cloud sandbox and a webhook receiver, both on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from escalate.sandbox import RedCloudSandbox, WebhookSink


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
