"""`RedCloudSandbox`: the local server, its HTTP handler and its lifecycle (start/stop)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from escalate.sandbox._core import WebhookFlags
from escalate.sandbox._http import Reply, Request
from escalate.sandbox._model import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Faults,
    RecordedRequest,
    SandboxNumber,
    WebhookAttempt,
    default_numbers,
)
from escalate.sandbox._router import normalize_path, route_request
from escalate.sandbox._send import AcceptedMessage
from escalate.sandbox._state import SandboxState
from escalate.sandbox._webhooks import (
    FAILURE_EVENTS,
    QUEUED_ONLY,
    SUCCESS_EVENTS,
    WRONG_SECRET,
    Lifecycle,
    WebhookDispatcher,
    new_provider_reference,
)

_MAX_BODY = 10 * 1024 * 1024


class RedCloudSandbox:
    """A local Red Cloud CORE API (api-reference.md) for tests and demos, on 127.0.0.1.

    `faults`, `webhook_url` and the `SandboxNumber` objects may be changed while it runs; the
    next request sees the change. `requests` logs every answered request and
    `webhook_deliveries` every webhook POST attempt, for assertions.
    """

    def __init__(
        self,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        numbers: list[SandboxNumber] | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = "whsec_sandbox",
        faults: Faults | None = None,
        webhook_delay_s: float = 0.02,
        webhook_retry_delays: tuple[float, ...] = (0.05, 0.1, 0.2),
        host: str = "127.0.0.1",
        port: int = 0,
        inbound_webhook_configured: bool = True,
        delivery_webhook_configured: bool = True,
    ) -> None:
        self.numbers = numbers if numbers is not None else default_numbers()
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.inbound_webhook_configured = inbound_webhook_configured
        self.delivery_webhook_configured = delivery_webhook_configured
        self.requests: list[RecordedRequest] = []
        self._state = SandboxState(
            client_id=client_id,
            client_secret=client_secret,
            numbers=self.numbers,
            faults=faults if faults is not None else Faults(),
        )
        self._dispatcher = WebhookDispatcher(webhook_delay_s, tuple(webhook_retry_delays))
        self._address = (host, port)
        self._server: _SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def faults(self) -> Faults:
        """The live failure switches; mutate them or assign a new `Faults` at any time."""
        return self._state.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._state.faults = faults

    @property
    def client_id(self) -> str:
        """The API client id the sandbox accepts."""
        return self._state.client_id

    @property
    def client_secret(self) -> str:
        """The API client secret the sandbox accepts."""
        return self._state.client_secret

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`; valid once started."""
        if self._server is None:
            raise RuntimeError("RedCloudSandbox is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def webhook_deliveries(self) -> list[WebhookAttempt]:
        """Every webhook POST attempt so far, in the order they finished."""
        return self._dispatcher.attempts

    def start(self) -> RedCloudSandbox:
        """Bind, start serving in a daemon thread and start the webhook workers."""
        if self._server is not None:
            return self
        self._server = _SandboxHTTPServer(self._address, _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.name = "redcloud-sandbox"
        self._thread.start()
        self._dispatcher.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop pending webhooks; bounded (a few seconds at most)."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(2.0)
        self._dispatcher.stop()

    def __enter__(self) -> RedCloudSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_for_webhooks(self, timeout: float = 5.0) -> None:
        """Block until every scheduled webhook delivery finished; TimeoutError after `timeout`."""
        self._dispatcher.wait(timeout)

    def expire_tokens(self) -> None:
        """Make every token issued so far expired by time (new tokens are unaffected)."""
        self._state.expire_tokens()

    def answer(self, request: Request) -> Reply:
        """Answer one request: route it, queue its webhooks, apply the delay, log it."""
        # whoami reports the delivery webhook configured only when there is a URL to deliver to
        delivery = self.delivery_webhook_configured and self.webhook_url is not None
        flags = WebhookFlags(self.inbound_webhook_configured, delivery)
        outcome = route_request(request, self._state, flags)
        for message in outcome.accepted:
            self._schedule_lifecycle(message)
        if self.faults.delay_s > 0:
            self._stopping.wait(self.faults.delay_s)
        with self._state.lock:
            recorded = RecordedRequest(request.method, request.path, outcome.reply.status)
            self.requests.append(recorded)
        return outcome.reply

    def _schedule_lifecycle(self, message: AcceptedMessage) -> None:
        override = message.number.webhook_delivery_override
        url = override or (self.webhook_url if self.delivery_webhook_configured else None)
        if url is None or self.faults.drop_webhooks:
            return
        self._dispatcher.schedule(self._lifecycle(message, url))

    def _lifecycle(self, message: AcceptedMessage, url: str) -> Lifecycle:
        faults = self.faults
        events: tuple[str, ...] = SUCCESS_EVENTS
        if faults.stop_after_queued:
            events = QUEUED_ONLY
        elif faults.fail_deliveries:
            events = FAILURE_EVENTS
        secret = WRONG_SECRET if faults.bad_webhook_signatures else self.webhook_secret
        return Lifecycle(
            url=url,
            secret=secret,
            message_id=message.message_id,
            to=message.to,
            external_reference=message.external_reference,
            events=events,
            provider_message_ref=new_provider_reference(),
        )


class _SandboxHTTPServer(ThreadingHTTPServer):
    """A threading server that knows its sandbox and never prints tracebacks."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], sandbox: RedCloudSandbox
    ) -> None:
        self.sandbox = sandbox
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client that hung up mid-response is normal in fault tests."""


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP/1.1 requests into `Request` values and `Reply` values into responses."""

    protocol_version = "HTTP/1.1"
    #: Headers and body go out in two writes; without TCP_NODELAY, Nagle plus delayed ACKs
    #: add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    server: _SandboxHTTPServer
    #: Idle keep-alive connections are closed after this many seconds.
    timeout = 10

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: no request logging to stderr."""

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            self.close_connection = True
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Request(self.command, normalize_path(self.path), headers, body)
        self._write(self.server.sandbox.answer(request))

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if 0 <= length <= _MAX_BODY else None

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
            if sum(map(len, chunks)) > _MAX_BODY:
                return None

    def _write(self, reply: Reply) -> None:
        payload = reply.encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
