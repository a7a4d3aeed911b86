"""escalate: capture redacted evidence of Red Cloud CORE API calls and report on it."""

from __future__ import annotations

from escalate._version import __version__

__all__ = ["__version__"]
