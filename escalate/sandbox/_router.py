"""Top-level routing: route faults first, then the OAuth route, then the CORE routes.

A route listed in `Faults.server_error_routes` or `upstream_error_routes` fails before anything
else is checked (authentication included), the way a failing gateway or crashed handler would;
such a send is not accepted, so its Idempotency-Key stays unused.
"""

from __future__ import annotations

from escalate._schema import ROUTE_TOKEN, stage_for_route
from escalate.sandbox._core import WebhookFlags, find_core_route, handle_core
from escalate.sandbox._http import Reply, Request, core_error, oauth_error
from escalate.sandbox._send import SendOutcome
from escalate.sandbox._state import SandboxState
from escalate.sandbox._token import handle_token

CORE_PREFIX = "/api/core/"
SERVER_ERROR_MESSAGE = "Internal server error"
UPSTREAM_ERROR_MESSAGE = "Upstream platform dependency error"


def normalize_path(raw_path: str) -> str:
    """Return the request path without query string or trailing slash."""
    path = raw_path.split("?", 1)[0].split("#", 1)[0]
    return path.rstrip("/") or "/"


def route_request(request: Request, state: SandboxState, flags: WebhookFlags) -> SendOutcome:
    """Answer any request the sandbox receives."""
    faulted = _faulted(request.path, state)
    if faulted is not None:
        return SendOutcome(faulted)
    if request.path == ROUTE_TOKEN:
        if request.method != "POST":
            return SendOutcome(oauth_error(405, "invalid_request", "Use POST for token requests"))
        return SendOutcome(handle_token(request, state))
    if request.path.startswith(CORE_PREFIX):
        return handle_core(request, state, flags)
    message = f"No route for {request.path}"
    return SendOutcome(core_error(404, "NOT_FOUND", message, state.next_request_id("other")))


def _faulted(path: str, state: SandboxState) -> Reply | None:
    faults = state.faults
    names = {path, stage_for_route(path)}
    if names & set(faults.server_error_routes):
        return _fault_reply(path, state, 500, "SERVER_ERROR", SERVER_ERROR_MESSAGE)
    if names & set(faults.upstream_error_routes):
        return _fault_reply(path, state, 502, "UPSTREAM_ERROR", UPSTREAM_ERROR_MESSAGE)
    return None


def _fault_reply(path: str, state: SandboxState, status: int, code: str, message: str) -> Reply:
    if path == ROUTE_TOKEN:
        return oauth_error(status, "server_error", message)
    route = find_core_route(path)
    return core_error(status, code, message, state.next_request_id(route.name if route else "core"))
