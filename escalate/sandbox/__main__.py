"""`python -m escalate.sandbox`: run the sandbox in the foreground for demos (Ctrl-C stops it).

Every `Faults` switch is a command-line switch too (`--expired-tokens`, `--server-error-routes
send`), so each integration mistake can be rehearsed without writing code.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from escalate.sandbox._server import RedCloudSandbox
from escalate.sandbox._switches import add_fault_switches, faults_from, switched_on


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m escalate.sandbox",
        description="Run a local Red Cloud CORE API sandbox, with the faults switched on below.",
        epilog="Example: python -m escalate.sandbox --port 8080 --expired-tokens",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: any free)")
    parser.add_argument("--webhook-url", default=None, help="where lifecycle webhooks are posted")
    add_fault_switches(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the sandbox, print how to reach it, serve until SIGINT or SIGTERM."""
    args = _parse(argv)
    stop = threading.Event()

    def _request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    faults = faults_from(args)
    sandbox = RedCloudSandbox(
        host=args.host, port=args.port, webhook_url=args.webhook_url, faults=faults
    )
    with sandbox:
        print(f"Red Cloud sandbox listening on {sandbox.base_url}")
        print(f"client_id={sandbox.client_id}")
        print(f"client_secret={sandbox.client_secret}")
        print(f"webhook_url={sandbox.webhook_url or '(none)'}")
        print(f"webhook_secret={sandbox.webhook_secret or '(signing disabled)'}")
        print(f"faults={' '.join(switched_on(faults)) or '(none)'}", flush=True)
        while not stop.wait(0.2):
            pass
    print("Red Cloud sandbox stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
