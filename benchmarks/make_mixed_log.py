"""Generate a large, realistic mixed log: ~10% evidence records among other services' JSON lines.

    python benchmarks/make_mixed_log.py --size 1G /tmp/mixed.log

Each business send (with its own externalReference) is a send record followed, a few hundred
lines later, by its `message.queued`/`message.sent`/`message.delivery` webhooks (a few go
unanswered or fail); token, whoami and numbers calls recur; a few lines are broken.
Deterministic for a given size.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import deque
from datetime import datetime, timedelta, timezone

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
_START = datetime(2026, 11, 27, 8, 0, 0, tzinfo=timezone.utc)
_SERVICES = ("billing", "inventory", "gateway", "search", "auth", "scheduler")
_OTHER = (
    '{{"ts":"{ts}","level":"info","service":"{svc}","event":"request handled","method":"GET",'
    '"path":"/api/v2/items/{n}","status":200,"duration_ms":{d},"trace_id":"{trace}",'
    '"user_agent":"Mozilla/5.0 (X11; Linux x86_64)","bytes":{b}}}'
)
_SEND = (
    '{{"schema":"escalate.evidence/1","kind":"call","ts":"{ts}","pid":4242,"seq":{n},'
    '"client":"httpx","method":"POST","host":"api.redcloud.test","route":"/api/core/messages/send",'
    '"stage":"send","duration_ms":{d},"status":{status},"outcome":"{outcome}","exception":null,'
    '"request_id":{rid},"error_code":{code},"error_message":null,'
    '"auth":{{"scheme":"bearer","fingerprint":"fp_1a2b3c4d5e6f"}},"token":{{"fingerprint":'
    '"fp_1a2b3c4d5e6f","source":"acquired","age_s":{age},"expires_in":3600,"fresh":false,'
    '"expired":false}},"content_type":"application/json","payload":{{"sendFrom":"num_abc123",'
    '"to":["<e164>"],"messageType":"SMS","text":"<text:len=42>","externalReference":'
    '"<fp:{ref}>"}},"idempotency":{{"present":true,"fingerprint":"fp_b{n:011x}"}},'
    '"operation":"fp_a{n:011x}","response":{response}}}'
)
_OTHER_CALL = (
    '{{"schema":"escalate.evidence/1","kind":"call","ts":"{ts}","pid":4242,"seq":{n},'
    '"client":"httpx","method":"{method}","host":"api.redcloud.test","route":"{route}",'
    '"stage":"{stage}","duration_ms":12.5,"status":200,"outcome":"ok","exception":null,'
    '"request_id":null,"error_code":null,"error_message":null,"auth":{auth},"token":null,'
    '"content_type":null,"payload":null,"idempotency":null,"operation":null,"response":{response}}}'
)
_WEBHOOK = (
    '{{"schema":"escalate.evidence/1","kind":"webhook","ts":"{ts}","pid":777,"seq":{n},'
    '"receiver":"asgi","route":"/webhooks/redcloud","event":"{event}","message_id":"{mid}",'
    '"external_reference":"{ref}","sequence":{seq},"provider_message_ref":null,'
    '"failure":null,"signature":"valid","timestamp_skew_s":0.4,"response_status":200,'
    '"body_size":231,"body_sha256":"{sha}","parse_error":false}}'
)
_BROKEN = (
    '{"schema":"escalate.evidence/1","kind":"call","ts":"2026-11-27T08:00:0',
    '{"schema":"escalate.evidence/1","kind":"call","ts":"2026-11-27T08:00:00.000000Z","status":"x"}',
    'not json at all but mentions "schema":"escalate.evidence/1"',
)
_TOKEN_RESPONSE = '{"token_type":"bearer","expires_in":3600,"token_fingerprint":"fp_1a2b3c4d5e6f"}'
_WHOAMI_RESPONSE = (
    '{"apiClientId":"rc_test_client_123","apiClientStatus":"ACTIVE","capabilities":'
    '["numbers:read"],"inboundWebhookConfigured":true,"deliveryWebhookConfigured":true}'
)
_NUMBERS_RESPONSE = (
    '{"numbers":[{"numberId":"num_abc123","status":"ACTIVE","smsEnabled":true,"mmsEnabled":true,'
    '"campaignRegistered":true,"e164":"<e164>"}]}'
)


def reference(n: int) -> str:
    """The fingerprinted externalReference of business send `n`: one per operation, as in real
    traffic (a shared one would link every send to every webhook), the length of a fingerprint."""
    return f"fp_{n * 0x9E3779B1 % (1 << 48):012x}"


def parse_size(text: str) -> int:
    """`1G`, `200M`, `512K` or bytes."""
    text = text.strip().upper().rstrip("B")
    unit = text[-1] if text and text[-1] in _UNITS else ""
    return int(float(text[: len(text) - len(unit)]) * _UNITS[unit])


class _Generator:
    def __init__(self) -> None:
        self.random = random.Random(42)
        self.line = 0
        self.sends = 0
        self.later: deque[tuple[int, str]] = deque()

    def ts(self) -> str:
        moment = _START + timedelta(milliseconds=self.line)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def next_line(self) -> str:
        self.line += 1
        if self.later and self.later[0][0] <= self.line:
            return self.later.popleft()[1].replace("{ts}", self.ts())
        roll = self.random.random()
        if roll < 0.025:
            return self.send()
        if roll < 0.0253:
            return self.other_call()
        if roll < 0.02531:
            return self.random.choice(_BROKEN)
        return self.other()

    def other(self) -> str:
        r = self.random.randrange(1 << 30)
        return _OTHER.format(
            ts=self.ts(),
            svc=_SERVICES[r % 6],
            n=r % 100000,
            d=r % 900 / 10,
            trace=f"{r:016x}{r * 7 % (1 << 32):08x}",
            b=r % 50000,
        )

    def send(self) -> str:
        self.sends += 1
        n, mid = self.sends, f"msg_{self.sends:010d}"
        if n % 97 == 0:
            error = '{"results":[],"errors_count":0,"errors":[]}'
            return _SEND.format(
                ts=self.ts(),
                n=n,
                ref=reference(n),
                d=20.1,
                status=403,
                outcome="http_error",
                rid=f'"req_{n}"',
                code='"FORBIDDEN"',
                age=n % 3000,
                response=error,
            )
        self.schedule(mid, n)
        response = (
            f'{{"results":[{{"to":"<e164>","messageId":"{mid}","status":"QUEUED"}}],'
            '"errors_count":0,"errors":[]}'
        )
        return _SEND.format(
            ts=self.ts(),
            n=n,
            ref=reference(n),
            d=35.2,
            status=202,
            outcome="ok",
            rid="null",
            code="null",
            age=n % 3000,
            response=response,
        )

    def schedule(self, mid: str, n: int) -> None:
        events = ("message.queued", "message.sent", "message.delivery")
        if n % 211 == 0:
            events = ("message.queued",)  # accepted, never delivered
        for offset, event in zip((40, 120, 400), events, strict=False):
            text = _WEBHOOK.format(
                ts="{ts}", n=n, event=event, mid=mid, ref=reference(n), seq=offset, sha="ab" * 32
            )
            self.later.append((self.line + offset + len(self.later) % 7, text))
        self.later = deque(sorted(self.later, key=lambda item: item[0]))

    def other_call(self) -> str:
        kind = self.random.randrange(3)
        basic = '{"scheme":"basic","fingerprint":"fp_c0ffee000000"}'
        bearer = '{"scheme":"bearer","fingerprint":"fp_1a2b3c4d5e6f"}'
        spec = (
            ("POST", "/api/auth/token", "token", basic, _TOKEN_RESPONSE),
            ("GET", "/api/core/whoami", "whoami", bearer, _WHOAMI_RESPONSE),
            ("GET", "/api/core/numbers", "numbers", bearer, _NUMBERS_RESPONSE),
        )[kind]
        method, route, stage, auth, response = spec
        return _OTHER_CALL.format(
            ts=self.ts(),
            n=self.line,
            method=method,
            route=route,
            stage=stage,
            auth=auth,
            response=response,
        )


def generate(size: int, out: str) -> int:
    """Write about `size` bytes of mixed log to `out`; return the number of lines."""
    generator = _Generator()
    written = 0
    with open(out, "w", encoding="utf-8") as handle:
        while written < size:
            block = "\n".join(generator.next_line() for _ in range(20000)) + "\n"
            handle.write(block)
            written += len(block)
    return generator.line


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G", help="approximate size: 1G, 200M, ...")
    parser.add_argument("out", help="the file to write")
    args = parser.parse_args(argv)
    lines = generate(parse_size(args.size), args.out)
    print(f"wrote {args.out}: {lines:,} lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
