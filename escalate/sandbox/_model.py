"""The sandbox's configurable values: numbers, faults, and what it records for assertions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, NamedTuple

from escalate._schema import STAGE_BY_ROUTE

DEFAULT_CLIENT_ID = "rc_test_client_123"
DEFAULT_CLIENT_SECRET = "rc_secret_abc123"
OTHER_CLIENT_ID = "rc_other_client"


@dataclass
class SandboxNumber:
    """A number in the sandbox's inventory, as `GET /api/core/numbers` lists it.

    Mutable on purpose: a test may flip `status` or a flag of a running sandbox; the next request
    sees the change. `owner` is the API client owning the number; the empty string means the
    sandbox's own client (whatever `client_id` it was given).
    """

    number_id: str
    e164: str
    status: str = "ACTIVE"
    sms_enabled: bool = True
    mms_enabled: bool = True
    campaign_reg_id: str | None = "A1B2C3"
    owner: str = ""
    #: Per-number delivery webhook URL; when set, lifecycle webhooks go here instead of
    #: the sandbox's `webhook_url` (api-reference section 6, "Destinations").
    webhook_delivery_override: str | None = None
    webhook_inbound_override: str | None = None


def default_numbers() -> list[SandboxNumber]:
    """Return a fresh copy of the default inventory (one number per send-time failure)."""
    return [
        SandboxNumber("num_abc123", "+15551234567"),
        SandboxNumber("num_sms_only", "+15551230001", mms_enabled=False),
        SandboxNumber("num_inactive", "+15551230002", status="INACTIVE"),
        SandboxNumber("num_no_campaign", "+15551230003", campaign_reg_id=None),
        SandboxNumber("num_other_client", "+15551230004", owner=OTHER_CLIENT_ID),
    ]


#: What a route fault names: a CORE path, or the stage names of `escalate._schema`.
FAULT_ROUTES: Final = (*STAGE_BY_ROUTE, *STAGE_BY_ROUTE.values())


def _switch(help: str, metavar: str | None = None, **more: object) -> dict[str, object]:
    """A fault's documentation, read by `python -m escalate.sandbox` to make its switch."""
    return {"help": help, "metavar": metavar, **more}


@dataclass
class Faults:
    """Failure switches, mutable at runtime: a change takes effect on the next request.

    Each field's `metadata["help"]` says what it does; `python -m escalate.sandbox` makes one
    command-line switch per field from it (`--expired-tokens`, `--server-error-routes send`).
    Routes in `server_error_routes` / `upstream_error_routes` are paths such as
    `/api/core/messages/send`; the stage names of `escalate._schema` (`token`, `whoami`,
    `numbers`, `send`) are accepted too. Webhook faults are read when a send is accepted and
    apply to that send's whole lifecycle.
    """

    inactive_client: bool = field(default=False, metadata=_switch(
        "the API client is inactive: the token route answers 401 invalid_client, CORE routes "
        "with an issued token 401 UNAUTHORIZED"))
    expired_tokens: bool = field(default=False, metadata=_switch(
        "every token is already expired when used: CORE routes answer 401 UNAUTHORIZED, "
        "even with a freshly acquired token"))
    token_lifetime_s: int = field(default=3600, metadata=_switch(
        "expires_in of newly issued tokens; a token is expired once its age "
        "reaches it: a short lifetime rehearses a token expiring mid-session", "SECONDS"))
    server_error_routes: set[str] = field(default_factory=set, metadata=_switch(
        "these routes answer 500 SERVER_ERROR (the token route: OAuth server_error), before "
        "any other check", "ROUTE", choices=FAULT_ROUTES))
    upstream_error_routes: set[str] = field(default_factory=set, metadata=_switch(
        "these routes answer 502 UPSTREAM_ERROR (the token route: OAuth server_error, 502)",
        "ROUTE", choices=FAULT_ROUTES))
    delay_s: float = field(default=0.0, metadata=_switch(
        "delay every response by this many seconds, to provoke client timeouts; a delayed send "
        "is still accepted, so a retry under a new key sends twice", "SECONDS"))
    drop_webhooks: bool = field(default=False, metadata=_switch(
        "accepted sends produce no webhooks at all"))
    bad_webhook_signatures: bool = field(default=False, metadata=_switch(
        "webhooks are signed with a wrong secret (the receiver's signature check fails)"))
    fail_deliveries: bool = field(default=False, metadata=_switch(
        "the lifecycle is message.queued -> message.failed instead of queued -> sent -> delivery"))
    stop_after_queued: bool = field(default=False, metadata=_switch(
        "the lifecycle stops after message.queued (accepted but never delivered)"))


class RecordedRequest(NamedTuple):
    """One request the sandbox answered; compares equal to a `(method, path, status)` tuple."""

    method: str
    path: str
    status: int


@dataclass(frozen=True)
class WebhookAttempt:
    """One webhook POST attempt: what was sent, and the status answered or the exception."""

    event: str
    message_id: str
    sequence: int
    attempt: int
    url: str
    status: int | None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        """True when the receiver answered 2xx."""
        return self.status is not None and 200 <= self.status < 300
