"""The `/api/core/*` routes: bearer authentication, whoami, numbers, and routing to send.

Choices where the reference is silent (NOT FOUND): authentication is checked before the path is
resolved, so an unauthenticated request to an unknown CORE path is 401, an authenticated one 404
NOT_FOUND; a known path with the wrong method is 405 METHOD_NOT_ALLOWED with an `Allow` header.
Every 401 carries the documented message "Invalid or missing bearer token", whatever the cause
(missing, malformed, unknown, expired token, or inactive client).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from escalate._schema import ROUTE_NUMBERS, ROUTE_SEND, ROUTE_WHOAMI
from escalate.sandbox._http import Reply, Request, core_error
from escalate.sandbox._model import SandboxNumber
from escalate.sandbox._send import SendOutcome, handle_send
from escalate.sandbox._state import SandboxState

CLIENT_NAME = "Red Cloud Test Client"
CAPABILITIES = ("numbers:read", "numbers:search", "numbers:update")
UNAUTHORIZED_MESSAGE = "Invalid or missing bearer token"


@dataclass(frozen=True)
class WebhookFlags:
    """What `whoami` reports about webhook configuration."""

    inbound: bool
    delivery: bool


@dataclass(frozen=True)
class CoreRoute:
    """One CORE route: its path, method, `requestId` name and handler."""

    path: str
    method: str
    name: str
    handler: Callable[[Request, SandboxState, str, WebhookFlags], SendOutcome]


def _whoami(request: Request, state: SandboxState, client: str, flags: WebhookFlags) -> SendOutcome:
    numbers = state.owned_numbers(client)
    body = {
        "apiClientId": client,
        "apiClientName": CLIENT_NAME,
        "apiClientStatus": "ACTIVE",
        "capabilities": list(CAPABILITIES),
        "assignedNumbers": {
            "total": len(numbers),
            "smsEnabledCount": sum(n.sms_enabled for n in numbers),
            "mmsEnabledCount": sum(n.mms_enabled for n in numbers),
        },
        "inboundWebhookConfigured": flags.inbound,
        "deliveryWebhookConfigured": flags.delivery,
    }
    return SendOutcome(Reply(200, body))


def _numbers(
    request: Request, state: SandboxState, client: str, flags: WebhookFlags
) -> SendOutcome:
    listed = [_number_json(n) for n in state.owned_numbers(client)]
    return SendOutcome(Reply(200, {"numbers": listed}))


def _number_json(number: SandboxNumber) -> dict[str, Any]:
    body: dict[str, Any] = {
        "numberId": number.number_id,
        "e164": number.e164,
        "status": number.status,
        "campaignRegId": number.campaign_reg_id,
        "smsEnabled": number.sms_enabled,
        "mmsEnabled": number.mms_enabled,
    }
    if number.webhook_inbound_override:
        body["webhookInboundOverride"] = number.webhook_inbound_override
    if number.webhook_delivery_override:
        body["webhookDeliveryOverride"] = number.webhook_delivery_override
    return body


def _send(request: Request, state: SandboxState, client: str, flags: WebhookFlags) -> SendOutcome:
    return handle_send(request, state, client)


CORE_ROUTES = (
    CoreRoute(ROUTE_WHOAMI, "GET", "whoami", _whoami),
    CoreRoute(ROUTE_NUMBERS, "GET", "numbers", _numbers),
    CoreRoute(ROUTE_SEND, "POST", "send", _send),
)


def find_core_route(path: str) -> CoreRoute | None:
    """Return the CORE route registered for a path, or None."""
    return next((route for route in CORE_ROUTES if route.path == path), None)


def handle_core(request: Request, state: SandboxState, flags: WebhookFlags) -> SendOutcome:
    """Authenticate a CORE request, then answer it from its route (or 404/405)."""
    route = find_core_route(request.path)
    name = route.name if route else "core"
    client = _authenticated_client(request, state)
    if client is None:
        return _error(state, 401, "UNAUTHORIZED", UNAUTHORIZED_MESSAGE, name)
    if route is None:
        return _error(state, 404, "NOT_FOUND", f"No route for {request.path}", name)
    if request.method != route.method:
        message = f"{request.method} is not allowed on {route.path}; use {route.method}"
        outcome = _error(state, 405, "METHOD_NOT_ALLOWED", message, name)
        reply = outcome.reply
        return SendOutcome(Reply(reply.status, reply.body, {"Allow": route.method}))
    return route.handler(request, state, client, flags)


def _error(state: SandboxState, status: int, code: str, message: str, name: str) -> SendOutcome:
    return SendOutcome(core_error(status, code, message, state.next_request_id(name)))


def _authenticated_client(request: Request, state: SandboxState) -> str | None:
    """Return the client of a valid, unexpired bearer token of an active client, else None."""
    scheme, _, token = (request.header("authorization") or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    client = state.client_for_token(token)
    if client is None or state.faults.inactive_client:
        return None
    return client
