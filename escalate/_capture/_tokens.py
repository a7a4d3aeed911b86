"""Bearer-token freshness: which tokens this process saw being issued, when, and for how long."""

from __future__ import annotations

import base64
import binascii
import threading
from collections import OrderedDict
from typing import Any

import orjson

from escalate._capture._forks import renew_lock_in_child
from escalate._capture._settings import fingerprint

MAX_TRACKED_TOKENS = 256


class _Issued:
    __slots__ = ("acquired_at", "expires_in", "used")

    def __init__(self, acquired_at: float, expires_in: int | None) -> None:
        self.acquired_at = acquired_at
        self.expires_in = expires_in
        self.used = False


class TokenRegistry:
    """Tokens seen issued through an instrumented client, keyed by fingerprint (never the token)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._issued: OrderedDict[str, _Issued] = OrderedDict()

    def acquired(self, token_fingerprint: str, expires_in: int | None, at: float) -> None:
        """Remember that a token was issued at `at` (`time.perf_counter` clock)."""
        with self._lock:
            self._issued[token_fingerprint] = _Issued(at, expires_in)
            while len(self._issued) > MAX_TRACKED_TOKENS:
                self._issued.popitem(last=False)

    def freshness(self, token: str, at: float, wall: float, *,
                  token_fingerprint: str | None = None) -> dict[str, Any]:
        """The `token` field of a call made with `token` at `at` (perf_counter) / `wall` (time).

        `token_fingerprint`: the token's fingerprint when the caller already has it.
        """
        token_fingerprint = token_fingerprint or fingerprint(token)
        issued = self._issued.get(token_fingerprint)  # one C call: atomic under the GIL
        if issued is None:
            if token.count(".") != 2:  # not a JWT: nothing more to learn (one literal, no call)
                return {"fingerprint": token_fingerprint, "source": "unknown", "age_s": None,
                        "expires_in": None, "fresh": None, "expired": None}
            return _jwt_freshness(token_fingerprint, token, wall)
        fresh = False
        if not issued.used:  # only the first use needs the lock: exactly one call is fresh
            with self._lock:
                fresh, issued.used = not issued.used, True
        return _freshness(token_fingerprint, "acquired", at - issued.acquired_at,
                          issued.expires_in, fresh)


def _freshness(
    token_fingerprint: str, source: str, age_s: float | None, expires_in: int | None,
    fresh: bool | None,
) -> dict[str, Any]:
    expired = None if age_s is None or expires_in is None else age_s > expires_in
    return {
        "fingerprint": token_fingerprint,
        "source": source,
        "age_s": None if age_s is None else round(age_s, 3),
        "expires_in": expires_in,
        "fresh": fresh,
        "expired": expired,
    }


def _jwt_freshness(token_fingerprint: str, token: str, wall: float) -> dict[str, Any]:
    """Freshness from a JWT-shaped token's `iat`/`exp` claims (the caller checked its shape)."""
    claims = jwt_claims(token)
    issued_at = claims.get("iat")
    expires_at = claims.get("exp")
    if not isinstance(issued_at, int | float) and not isinstance(expires_at, int | float):
        return _freshness(token_fingerprint, "unknown", None, None, None)
    age_s = wall - issued_at if isinstance(issued_at, int | float) else None
    expires_in = None
    if isinstance(issued_at, int | float) and isinstance(expires_at, int | float):
        expires_in = int(expires_at - issued_at)
    record = _freshness(token_fingerprint, "jwt", age_s, expires_in, None)
    if isinstance(expires_at, int | float):
        record["expired"] = wall > expires_at
    return record


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT-looking token (unverified: only `iat`/`exp` are read), else `{}`."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1]:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = orjson.loads(payload)
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


TOKENS = TokenRegistry()
renew_lock_in_child(TOKENS)
