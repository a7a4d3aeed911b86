"""Per-call overhead of escalate's capture against bare clients, over loopback.

    python benchmarks/capture_overhead.py --calls 5000 --rounds 5

A minimal HTTP/1.1 keep-alive server runs in a separate process (so it does not compete with the
client for the GIL) and answers `POST /api/core/messages/send` like Red Cloud does (202 and a
`results[]` body). Each round runs every mode back to back on fresh clients: bare httpx,
httpx + escalate, httpx + OpenTelemetry (no SDK, then the SDK with a discarding exporter) when
`opentelemetry-instrumentation-httpx` is importable, bare requests, requests + escalate. Every
call is timed alone; the table gives the median and p99 per call and the median's difference and
ratio against the bare client of the same library in the same run. Not a test: absolute times
drift between machines, compare ratios.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import requests

import escalate

BODY = (
    b'{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS",'
    b'"text":"Your order 789 has shipped","externalReference":"order_789"}'
)
REPLY = (
    b'{"results":[{"to":"+15551234567","messageId":"msg_abc123","status":"QUEUED"}],"errors":[]}'
)
HEADERS = {
    "Authorization": "Bearer rc_token_example",
    "Idempotency-Key": "idem_order_789",
    "Content-Type": "application/json",
}
ROUTE = "/api/core/messages/send"
RESPONSE = (
    b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(REPLY), REPLY)
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.wfile.write(RESPONSE)  # one write: no Nagle / delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def _serve(port_queue: Any) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


@contextmanager
def server() -> Iterator[str]:
    """A keep-alive server in its own process; yields its base URL."""
    context = multiprocessing.get_context("spawn")
    port_queue = context.Queue()
    process = context.Process(target=_serve, args=(port_queue,), daemon=True)
    process.start()
    try:
        yield f"http://127.0.0.1:{port_queue.get(timeout=30)}"
    finally:
        process.terminate()
        process.join(5)


def _time_calls(call: Callable[[], Any], calls: int) -> list[float]:
    for _ in range(50):  # warm the connection and caches
        call()
    timings = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    return timings


def _httpx_mode(base: str, setup: Callable[[httpx.Client], Any]) -> Callable[[int], list[float]]:
    def run(calls: int) -> list[float]:
        with httpx.Client() as client:
            setup(client)
            url = base + ROUTE
            return _time_calls(lambda: client.post(url, content=BODY, headers=HEADERS), calls)

    return run


def _requests_mode(base: str, instrument: bool) -> Callable[[int], list[float]]:
    def run(calls: int) -> list[float]:
        with requests.Session() as session:
            if instrument:
                escalate.instrument(session)
            url = base + ROUTE
            return _time_calls(lambda: session.post(url, data=BODY, headers=HEADERS), calls)

    return run


def _otel_setups() -> dict[str, Callable[[httpx.Client], Any]] | None:
    try:
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    except ImportError:
        return None
    setups: dict[str, Callable[[httpx.Client], Any]] = {
        "httpx + opentelemetry (no SDK)": HTTPXClientInstrumentor.instrument_client
    }
    provider = _sdk_provider()
    if provider is not None:
        setups["httpx + opentelemetry (SDK)"] = lambda client: (
            HTTPXClientInstrumentor.instrument_client(client, tracer_provider=provider)
        )
    return setups


def _sdk_provider() -> Any:
    try:
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import (
            SimpleSpanProcessor,
            SpanExporter,
            SpanExportResult,
        )
    except ImportError:
        return None

    class _Discard(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_Discard()))
    return provider


def _modes(base: str) -> dict[str, tuple[str, Callable[[int], list[float]]]]:
    """name -> (baseline name, runner)."""
    bare_httpx, bare_requests = "httpx bare", "requests bare"
    modes = {
        bare_httpx: (bare_httpx, _httpx_mode(base, lambda client: None)),
        "httpx + escalate": (bare_httpx, _httpx_mode(base, escalate.instrument)),
    }
    for name, setup in (_otel_setups() or {}).items():
        modes[name] = (bare_httpx, _httpx_mode(base, setup))
    modes[bare_requests] = (bare_requests, _requests_mode(base, False))
    modes["requests + escalate"] = (bare_requests, _requests_mode(base, True))
    return modes


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _report(results: dict[str, list[float]], baselines: dict[str, str]) -> None:
    print(f"{'mode':34} {'median us':>10} {'p99 us':>9} {'+median us':>11} {'ratio':>6}")
    for name, timings in results.items():
        median = statistics.median(timings) * 1e6
        base = statistics.median(results[baselines[name]]) * 1e6
        print(
            f"{name:34} {median:10.1f} {_percentile(timings, 0.99) * 1e6:9.1f} "
            f"{median - base:+11.1f} {median / base:6.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=5000, help="calls per mode per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (modes interleaved)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, server() as base:
        escalate.configure(path=os.path.join(folder, "evidence.jsonl"))
        modes = _modes(base)
        results: dict[str, list[float]] = {name: [] for name in modes}
        for round_number in range(args.rounds):
            for name, (_, run) in modes.items():
                results[name].extend(run(args.calls))
            print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)
        stats = escalate.capture_stats()
    if _otel_setups() is None:
        print("opentelemetry-instrumentation-httpx: not installed")
    print(f"{args.calls} calls x {args.rounds} rounds per mode, POST {ROUTE} over loopback")
    _report(results, {name: baseline for name, (baseline, _) in modes.items()})
    print(
        f"escalate: {stats['records_written']} records written, "
        f"{stats['errors_total']} errors swallowed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
