"""`Exchange` values built directly, for tests of the record builder."""

from __future__ import annotations

import time
from typing import Any

from escalate._capture._exchange import Exchange, Request


def exchange(path: str = "/api/core/whoami", *, method: str = "GET",
             headers: dict[str, str] | None = None, body: bytes | None = None, query: str = "",
             started: float | None = None, duration_s: float = 0.0123,
             **outcome: Any) -> Exchange:
    """One exchange of an httpx call to `api.test` (what came back in `outcome`)."""
    request = Request(
        client="httpx", method=method, host="api.test", raw_path=path, query=query,
        headers=list((headers or {}).items()), body=body, streamed=False,
        started=time.time() if started is None else started,
        started_monotonic=time.perf_counter())
    return Exchange(request=request, seq=1, duration_s=duration_s, **outcome)
