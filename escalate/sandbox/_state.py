"""The sandbox's mutable state (client, numbers, tokens, idempotency store) behind one lock."""

from __future__ import annotations

import hmac
import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from escalate.sandbox._http import Reply
from escalate.sandbox._model import Faults, SandboxNumber

TOKEN_PREFIX = "rc_tok_"


@dataclass(frozen=True)
class IssuedToken:
    """A token the sandbox issued: to whom, when (monotonic seconds) and for how long."""

    client_id: str
    issued_at: float
    lifetime_s: int


@dataclass(frozen=True)
class StoredSend:
    """An accepted send kept under its Idempotency-Key: the canonical payload and the reply."""

    payload: str
    reply: Reply


class SandboxState:
    """Everything the routes read and change; callers hold `lock` around compound operations.

    The lock is re-entrant so a route may hold it across several of these methods (the send
    route does, so two concurrent sends with one Idempotency-Key cannot both be accepted).
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        numbers: list[SandboxNumber],
        faults: Faults,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lock = threading.RLock()
        self.client_id = client_id
        self.client_secret = client_secret
        self.numbers = numbers
        self.faults = faults
        self._clock = clock
        self._tokens: dict[str, IssuedToken] = {}
        self._sends: dict[tuple[str, str], StoredSend] = {}
        self._request_counter = itertools.count(1)

    def credentials_match(self, client_id: str, client_secret: str) -> bool:
        """True when the pair is the sandbox client's (compared in constant time)."""
        id_ok = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        secret_ok = hmac.compare_digest(client_secret.encode(), self.client_secret.encode())
        return id_ok and secret_ok

    def issue_token(self, client_id: str) -> tuple[str, int]:
        """Issue a new random opaque token; return it with its lifetime in seconds."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(24)
        lifetime = self.faults.token_lifetime_s
        with self.lock:
            self._tokens[token] = IssuedToken(client_id, self._clock(), lifetime)
        return token, lifetime

    def client_for_token(self, token: str) -> str | None:
        """Return the client a token authenticates, or None if unknown or expired."""
        with self.lock:
            issued = self._tokens.get(token)
        if issued is None or self.faults.expired_tokens:
            return None
        if self._clock() - issued.issued_at >= issued.lifetime_s:
            return None
        return issued.client_id

    def expire_tokens(self) -> None:
        """Make every token issued so far expired (newly issued ones are unaffected)."""
        with self.lock:
            self._tokens = {
                token: IssuedToken(issued.client_id, issued.issued_at, 0)
                for token, issued in self._tokens.items()
            }

    def owner_of(self, number: SandboxNumber) -> str:
        """Return the client owning a number (the empty owner means the sandbox's client)."""
        return number.owner or self.client_id

    def owned_numbers(self, client_id: str) -> list[SandboxNumber]:
        """Return the numbers assigned to a client, in inventory order."""
        with self.lock:
            return [n for n in self.numbers if self.owner_of(n) == client_id]

    def find_number(self, number_id: str) -> SandboxNumber | None:
        """Return the number with this id, whoever owns it."""
        with self.lock:
            return next((n for n in self.numbers if n.number_id == number_id), None)

    def next_request_id(self, route_name: str) -> str:
        """Return a new `requestId` such as `req_send_007` (one counter for all routes)."""
        with self.lock:
            return f"req_{route_name}_{next(self._request_counter):03d}"

    def stored_send(self, client_id: str, key: str) -> StoredSend | None:
        """Return the accepted send stored under a client's Idempotency-Key, if any."""
        with self.lock:
            return self._sends.get((client_id, key))

    def store_send(self, client_id: str, key: str, stored: StoredSend) -> None:
        """Remember an accepted send under its Idempotency-Key (kept for the sandbox's life)."""
        with self.lock:
            self._sends[(client_id, key)] = stored
