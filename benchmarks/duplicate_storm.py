"""`escalate report` on one business operation re-sent N times: a new key each time vs one key.

    python benchmarks/duplicate_storm.py [--sends 200000] [--repeat 3]

The duplicate storm is the very symptom escalate exists for: a client that retries a send under a
new Idempotency-Key every time. Both logs have N accepted sends of one operation (same
`operation` fingerprint, a new messageId each); in one every send has its own key, in the other
all share one. Each report runs in its own process; the rounds alternate, medians are printed
with the ratio new-keys / one-key (linear aggregation keeps it near 1; it was quadratic before).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import orjson
from _timing import time_report

_SEND = {
    "schema": "escalate.evidence/1", "kind": "call", "ts": "", "pid": 1, "seq": 0,
    "client": "httpx", "method": "POST", "host": "api.example.test",
    "route": "/api/core/messages/send", "stage": "send", "duration_ms": 41.5, "status": 202,
    "outcome": "ok", "exception": None, "request_id": None, "error_code": None,
    "error_message": None, "auth": {"scheme": "bearer", "fingerprint": "fp_ac80e8a7a36f"},
    "token": {"fingerprint": "fp_ac80e8a7a36f", "source": "acquired", "age_s": 1.0,
              "expires_in": 3600, "fresh": False, "expired": False},
    "content_type": "application/json",
    "payload": {"sendFrom": "num_abc123", "to": ["<e164>"], "messageType": "SMS",
                "text": "<text:len=26>", "externalReference": "<fp:fp_e7c597f710e6>"},
    "idempotency": {"present": True, "fingerprint": ""}, "operation": "fp_0f0b5e9fcbfa",
    "response": {"results": [{"to": "<e164>", "messageId": "", "status": "QUEUED"}],
                 "errors_count": 0, "errors": []},
}  # fmt: skip


def write_storm(path: Path, sends: int, new_key_each: bool) -> None:
    """N accepted sends of one operation, one second apart in microseconds."""
    with path.open("wb") as out:
        for n in range(sends):
            record = dict(_SEND, seq=n, ts=f"2026-12-01T10:{n // 60_000_000 % 60:02d}:"
                          f"{n // 1_000_000 % 60:02d}.{n % 1_000_000:06d}Z")  # fmt: skip
            record["idempotency"] = {"present": True,
                                     "fingerprint": f"fp_{(n if new_key_each else 0):012x}"}
            record["response"] = dict(_SEND["response"],  # type: ignore[call-overload]
                                      results=[{"to": "<e164>", "messageId": f"msg_{n:08d}",
                                                "status": "QUEUED"}])  # fmt: skip
            out.write(orjson.dumps(record) + b"\n")


def main(argv: list[str] | None = None) -> int:
    """Write both logs, time each report alternately, print medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        logs = {"new key each": Path(folder, "new.jsonl"), "one key": Path(folder, "one.jsonl")}
        write_storm(logs["new key each"], args.sends, new_key_each=True)
        write_storm(logs["one key"], args.sends, new_key_each=False)
        times: dict[str, list[float]] = {name: [] for name in logs}
        for _ in range(args.repeat):
            for name, path in logs.items():
                times[name].append(time_report(sys.executable, path)[0])
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"{args.sends} sends, one operation, {name}: {value:.2f} s")
    print(f"ratio new key each / one key: {medians['new key each'] / medians['one key']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
