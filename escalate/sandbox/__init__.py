"""A local Red Cloud CORE API server for tests and demos (standard library only).

    with RedCloudSandbox(webhook_url=receiver_url) as rc:
        rc.faults.expired_tokens = True   # takes effect on the next request
        ...
        rc.wait_for_webhooks()

Behaviour follows Red Cloud's published API reference; where that reference is silent, the module
that implements the point documents the choice made (`_token`, `_core`, `_send`, `_router`,
`_webhooks`), and docs/sandbox.md lists them all.
"""

from __future__ import annotations

from escalate.sandbox._model import Faults, RecordedRequest, SandboxNumber, WebhookAttempt
from escalate.sandbox._server import RedCloudSandbox
from escalate.sandbox._sink import ReceivedWebhook, WebhookSink
from escalate.sandbox._webhooks import signature

__all__ = [
    "Faults",
    "ReceivedWebhook",
    "RecordedRequest",
    "RedCloudSandbox",
    "SandboxNumber",
    "WebhookAttempt",
    "WebhookSink",
    "signature",
]
