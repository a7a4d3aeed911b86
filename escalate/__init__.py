"""escalate: capture redacted evidence of Red Cloud CORE API calls and report on it.

Capture (see docs/capture.md)::

    import escalate
    escalate.configure(path="redcloud-evidence.jsonl")
    client = escalate.instrument(httpx.Client(base_url=BASE_URL))

Every call becomes one redacted JSON line (docs/record-schema.md).

The capture names are imported on first use: `escalate report` and the other commands never
capture, and importing capture (structlog, asyncio) cost them 0.13 s of start-up on every run.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

from escalate._version import __version__

if TYPE_CHECKING:
    from escalate._capture._emit import flush
    from escalate._capture._instrument import aiohttp_trace_config, configure, instrument
    from escalate._capture._middleware import WebhookMiddleware, WSGIWebhookMiddleware
    from escalate._capture._webhook import record_webhook, verify_signature

#: Where each lazily imported public name lives.
_LAZY_NAMES = {
    "WSGIWebhookMiddleware": "escalate._capture._middleware",
    "WebhookMiddleware": "escalate._capture._middleware",
    "aiohttp_trace_config": "escalate._capture._instrument",
    "configure": "escalate._capture._instrument",
    "flush": "escalate._capture._emit",
    "instrument": "escalate._capture._instrument",
    "record_webhook": "escalate._capture._webhook",
    "verify_signature": "escalate._capture._webhook",
}


def __getattr__(name: str) -> Any:
    """Import a capture name on first use and keep it as a module attribute."""
    module = _LAZY_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'escalate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def capture_stats() -> dict[str, Any]:
    """Records written and errors swallowed by kind (`{"records_written", "errors_total",
    "errors"}`), for tests and diagnostics, once the records pending on the writer thread are
    written."""
    from escalate._capture._stats import STATS

    emit = sys.modules.get("escalate._capture._emit")  # nothing pending if capture never ran
    if emit is not None:
        emit.flush()
    return STATS.snapshot()


__all__ = [
    "WSGIWebhookMiddleware",
    "WebhookMiddleware",
    "__version__",
    "aiohttp_trace_config",
    "capture_stats",
    "configure",
    "flush",
    "instrument",
    "record_webhook",
    "verify_signature",
]
