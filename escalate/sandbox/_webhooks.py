"""Lifecycle webhooks: signed POSTs from a small pool of daemon threads, with retries.

Each accepted message gets a plan (its events, fixed when the send is accepted). Events of one
message are delivered strictly in `sequence` order: the next event is due `webhook_delay_s`
after the previous one finished (delivered or given up). A non-2xx answer or a connection error
is retried after each of `webhook_retry_delays`, then given up; the real schedule
(1, 5, 15, 60 minutes) is compressed for tests. The event payload beyond `messageId`,
`externalReference`, `sequence` and `providerMessageRef` is NOT FOUND in the reference: the
sandbox uses `type`, `occurredAt` (ISO 8601 UTC), `to`, and `error: {code, message}` on
`message.failed`. The timestamp header is unix seconds (its format is NOT FOUND).
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import http.client
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from escalate._schema import (
    EVENT_DELIVERY,
    EVENT_FAILED,
    EVENT_QUEUED,
    EVENT_SENT,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
)
from escalate.sandbox._model import WebhookAttempt

SUCCESS_EVENTS = (EVENT_QUEUED, EVENT_SENT, EVENT_DELIVERY)
FAILURE_EVENTS = (EVENT_QUEUED, EVENT_FAILED)
QUEUED_ONLY = (EVENT_QUEUED,)
FAILURE_ERROR = {"code": "DELIVERY_FAILED", "message": "Carrier rejected the message"}
WRONG_SECRET = "whsec_wrong_secret"
POST_TIMEOUT_S = 2.0
WORKERS = 4


@dataclass(frozen=True)
class Lifecycle:
    """What to post for one accepted message: where, signed how, which events."""

    url: str
    secret: str | None
    message_id: str
    to: str
    external_reference: str | None
    events: tuple[str, ...]
    provider_message_ref: str


@dataclass(frozen=True)
class _Job:
    """One delivery attempt of one event; `body` is fixed at the first attempt."""

    lifecycle: Lifecycle
    index: int
    attempt: int = 0
    body: bytes = b""


def signature(secret: str, timestamp: str, raw_body: bytes) -> str:
    """Return the hex HMAC-SHA256 of `f"{timestamp}.{raw_body}"` (api-reference section 6)."""
    message = timestamp.encode() + b"." + raw_body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def new_provider_reference() -> str:
    """Return a random provider message reference such as `prv_1a2b3c4d5e6f`."""
    return "prv_" + secrets.token_hex(6)


class WebhookDispatcher:
    """Delivers lifecycle webhooks in the background; `wait` blocks (bounded) until idle."""

    def __init__(self, delay_s: float, retry_delays: tuple[float, ...]) -> None:
        self._delay_s = delay_s
        self._retry_delays = retry_delays
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Job]] = []
        self._order = itertools.count()
        self._pending = 0
        self._stopped = False
        self._threads: list[threading.Thread] = []
        self.attempts: list[WebhookAttempt] = []

    def start(self) -> None:
        """Start the worker threads."""
        for number in range(WORKERS):
            thread = threading.Thread(target=self._work, name=f"sandbox-webhooks-{number}")
            thread.daemon = True
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the workers; pending deliveries are dropped. Bounded by `timeout`."""
        with self._cond:
            self._stopped = True
            self._pending -= len(self._heap)
            self._heap.clear()
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def schedule(self, lifecycle: Lifecycle) -> None:
        """Queue a message's lifecycle; its first event is due after the webhook delay."""
        self._push(_Job(lifecycle, 0), self._delay_s)

    def wait(self, timeout: float) -> None:
        """Block until every scheduled delivery finished; raise TimeoutError after `timeout`."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._pending == 0, timeout):
                raise TimeoutError(f"{self._pending} webhook deliveries still pending")

    def _push(self, job: _Job, delay: float) -> None:
        with self._cond:
            if self._stopped:
                return
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._order), job))
            self._pending += 1
            self._cond.notify_all()

    def _work(self) -> None:
        while True:
            job = self._next_job()
            if job is None:
                return
            try:
                self._run(job)
            finally:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def _next_job(self) -> _Job | None:
        with self._cond:
            while not self._stopped:
                if self._heap and self._heap[0][0] <= time.monotonic():
                    return heapq.heappop(self._heap)[2]
                wait = self._heap[0][0] - time.monotonic() if self._heap else 0.5
                self._cond.wait(min(max(wait, 0.001), 0.5))
            return None

    def _run(self, job: _Job) -> None:
        if not job.body:
            job = replace(job, body=_event_body(job.lifecycle, job.index))
        status, error = _post(job.lifecycle, job.body)
        self._record(job, status, error)
        failed = status is None or not 200 <= status < 300
        if failed and job.attempt < len(self._retry_delays):
            self._push(replace(job, attempt=job.attempt + 1), self._retry_delays[job.attempt])
            return
        if job.index + 1 < len(job.lifecycle.events):
            self._push(_Job(job.lifecycle, job.index + 1), self._delay_s)

    def _record(self, job: _Job, status: int | None, error: str | None) -> None:
        lifecycle = job.lifecycle
        attempt = WebhookAttempt(
            event=lifecycle.events[job.index],
            message_id=lifecycle.message_id,
            sequence=job.index + 1,
            attempt=job.attempt + 1,
            url=lifecycle.url,
            status=status,
            error=error,
        )
        with self._cond:
            self.attempts.append(attempt)


def _event_body(lifecycle: Lifecycle, index: int) -> bytes:
    event = lifecycle.events[index]
    payload: dict[str, Any] = {
        "type": event,
        "messageId": lifecycle.message_id,
        "externalReference": lifecycle.external_reference,
        "sequence": index + 1,
        "occurredAt": _now_iso(),
        "to": lifecycle.to,
    }
    if event in (EVENT_SENT, EVENT_DELIVERY):
        payload["providerMessageRef"] = lifecycle.provider_message_ref
    if event == EVENT_FAILED:
        payload["error"] = dict(FAILURE_ERROR)
    return json.dumps(payload, separators=(",", ":")).encode()


def _now_iso() -> str:
    now = datetime.now(timezone.utc)
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _post(lifecycle: Lifecycle, body: bytes) -> tuple[int | None, str | None]:
    """POST one event; return (status, None) for any answer, (None, error) for no answer.

    `http.client` rather than `urllib.request`: urllib re-cases header names
    (`X-redcloud-signature`), and receivers in tests may look headers up by exact name.
    """
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", HEADER_TIMESTAMP: timestamp}
    if lifecycle.secret is not None:
        headers[HEADER_SIGNATURE] = signature(lifecycle.secret, timestamp, body)
    try:
        connection, target = _connect(lifecycle.url)
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return int(response.status), None
        finally:
            connection.close()
    except (OSError, ValueError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"


def _connect(url: str) -> tuple[http.client.HTTPConnection, str]:
    """Return an unopened connection for an http(s) URL and the request target."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    factory = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return factory(parts.hostname, parts.port, timeout=POST_TIMEOUT_S), target
