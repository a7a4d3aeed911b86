"""escalate: capture redacted evidence of Red Cloud CORE API calls and report on it.

Capture (see docs/capture.md)::

    import escalate
    escalate.configure(path="redcloud-evidence.jsonl")
    client = escalate.instrument(httpx.Client(base_url=BASE_URL))

Every call becomes one redacted JSON line (docs/record-schema.md).
"""

from __future__ import annotations

from typing import Any

from escalate._capture._instrument import aiohttp_trace_config, configure, instrument
from escalate._capture._middleware import WebhookMiddleware, WSGIWebhookMiddleware
from escalate._capture._stats import STATS as _STATS
from escalate._capture._webhook import record_webhook, verify_signature
from escalate._version import __version__


def capture_stats() -> dict[str, Any]:
    """Records written and errors swallowed by kind (`{"records_written", "errors_total",
    "errors"}`), for tests and diagnostics."""
    return _STATS.snapshot()


__all__ = [
    "WSGIWebhookMiddleware",
    "WebhookMiddleware",
    "__version__",
    "aiohttp_trace_config",
    "capture_stats",
    "configure",
    "instrument",
    "record_webhook",
    "verify_signature",
]
