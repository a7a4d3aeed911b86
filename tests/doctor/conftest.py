"""Doctor's fixtures: a sandbox posting to doctor's listener; capture reset after each test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import escalate
from escalate.sandbox import RedCloudSandbox

from ._doctor import WEBHOOK_SECRET, free_port


@pytest.fixture(autouse=True)
def _reset_capture() -> Iterator[None]:
    """Records written after a doctor test go nowhere."""
    yield
    escalate.configure(path=os.devnull)


@pytest.fixture
def listen_port() -> int:
    """A free loopback port for doctor's webhook listener."""
    return free_port()


@pytest.fixture
def sandbox(listen_port: int) -> Iterator[RedCloudSandbox]:
    """A sandbox that delivers webhooks to doctor's listener, signed with the test secret."""
    url = f"http://127.0.0.1:{listen_port}/hooks"
    with RedCloudSandbox(webhook_url=url, webhook_secret=WEBHOOK_SECRET) as running:
        yield running
