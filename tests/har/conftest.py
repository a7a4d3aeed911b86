"""Fixtures of the HAR tests: the bundle tests' captured and salted logs."""

from __future__ import annotations

from bundle.conftest import salted, traffic_log

__all__ = ["salted", "traffic_log"]
