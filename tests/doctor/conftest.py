"""Doctor configures capture for the whole process: reset it to the null device after each test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import escalate


@pytest.fixture(autouse=True)
def _reset_capture() -> Iterator[None]:
    """Records written after a doctor test go nowhere."""
    yield
    escalate.configure(path=os.devnull)
