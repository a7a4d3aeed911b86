"""The debugging order, live: one function per stage, each returning a `StepResult`.

Every call goes through the instrumented httpx client, so the evidence lands in the log; the
results here are only doctor's running commentary, the diagnosis is the report's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from escalate._doctor._listener import WebhookListener
from escalate._doctor._settings import DoctorSettings
from escalate._schema import (
    EVENT_DELIVERY,
    HEADER_IDEMPOTENCY_KEY,
    ROUTE_NUMBERS,
    ROUTE_SEND,
    ROUTE_TOKEN,
    ROUTE_WHOAMI,
    SIGNATURE_INVALID,
    SIGNATURE_MISSING,
    STAGE_NUMBERS,
    STAGE_SEND,
    STAGE_TOKEN,
    STAGE_WEBHOOKS,
    STAGE_WHOAMI,
)

if TYPE_CHECKING:  # httpx is an optional extra: imported when a call is made
    import httpx

_UNAUTHORIZED: Final = 401
RETRIED_NOTE: Final = (
    "refused again with a freshly acquired token (doctor already retried once): another retry "
    "will not help"
)
#: The API refuses a send from such a number: 400 "sendFrom must have campaignregId configured".
NO_CAMPAIGN: Final = "no campaignRegId (sends from it are refused)"


@dataclass(frozen=True)
class StepResult:
    """What one stage of the live run showed."""

    stage: str
    ok: bool
    detail: str
    notes: tuple[str, ...] = ()


@dataclass
class Session:
    """The state carried from stage to stage."""

    client: httpx.Client
    settings: DoctorSettings
    listener: WebhookListener | None = None
    token: str | None = None
    message_id: str | None = None
    numbers: list[dict[str, Any]] = field(default_factory=list)


Step = Callable[[Session], StepResult]


def token_step(session: Session) -> StepResult:
    """Acquire a token with client_credentials, form-encoded."""
    response = _call(session, "POST", ROUTE_TOKEN, data=_token_form(session.settings))
    if isinstance(response, str):
        return StepResult(STAGE_TOKEN, False, response)
    token = _json(response).get("access_token")
    if response.status_code != 200 or not isinstance(token, str):
        return StepResult(STAGE_TOKEN, False, _failure_text(response))
    session.token = token
    expires_in = _json(response).get("expires_in")
    return StepResult(STAGE_TOKEN, True, f"token issued (expires_in {expires_in})")


def whoami_step(session: Session) -> StepResult:
    """Call whoami; on 401 get a fresh token and retry once, as the guide advises."""
    response = _call(session, "GET", ROUTE_WHOAMI, headers=_bearer(session))
    retry = not isinstance(response, str) and response.status_code == _UNAUTHORIZED
    retried = retry and token_step(session).ok
    if retried:
        response = _call(session, "GET", ROUTE_WHOAMI, headers=_bearer(session))
    if failed := _failure(STAGE_WHOAMI, response):
        return dataclasses.replace(failed, notes=(RETRIED_NOTE,)) if retried else failed
    assert not isinstance(response, str)
    body = _json(response)
    return StepResult(
        STAGE_WHOAMI, True,
        f"client {body.get('apiClientId')} is {body.get('apiClientStatus')}; delivery webhook "
        f"configured: {body.get('deliveryWebhookConfigured')}",
    )  # fmt: skip


def numbers_step(session: Session) -> StepResult:
    """List numbers and check each for ACTIVE and its SMS/MMS flags."""
    response = _call(session, "GET", ROUTE_NUMBERS, headers=_bearer(session))
    if failed := _failure(STAGE_NUMBERS, response):
        return failed
    assert not isinstance(response, str)
    numbers = _json(response).get("numbers")
    listed = numbers if isinstance(numbers, list) else []
    session.numbers = [number for number in listed if isinstance(number, dict)]
    notes = tuple(number_note(n) for n in session.numbers) + _send_number_notes(session)
    return StepResult(STAGE_NUMBERS, True, f"{len(session.numbers)} numbers assigned", notes)


def send_step(session: Session) -> StepResult:
    """The explicit test send, with a stable Idempotency-Key."""
    spec = session.settings.send
    assert spec is not None, "send_step runs only with --send"
    headers = {**_bearer(session), HEADER_IDEMPOTENCY_KEY: spec.idempotency_key()}
    response = _call(session, "POST", ROUTE_SEND, json=spec.body(), headers=headers)
    if failed := _failure(STAGE_SEND, response):
        return failed
    assert not isinstance(response, str)
    results = _json(response).get("results")
    first = results[0] if isinstance(results, list) and results else {}
    session.message_id = first.get("messageId") if isinstance(first, dict) else None
    if not session.message_id:
        return StepResult(STAGE_SEND, False, f"{response.status_code} but no accepted recipient")
    return StepResult(STAGE_SEND, True, f"{response.status_code} {first.get('status')}: "
                      f"messageId {session.message_id}")  # fmt: skip


def webhooks_step(session: Session) -> StepResult:
    """Wait (bounded) for the send's lifecycle events at the local receiver."""
    assert session.listener is not None and session.message_id is not None
    receipts = session.listener.wait_for_lifecycle(session.message_id, session.settings.wait_s)
    events = [str(r.get("event")) for r in receipts]
    bad = [r for r in session.listener.records
           if r.get("signature") in (SIGNATURE_INVALID, SIGNATURE_MISSING)]  # fmt: skip
    if bad:
        return StepResult(STAGE_WEBHOOKS, False, f"{len(bad)} webhook(s) failed signature checks")
    if not receipts:
        return StepResult(STAGE_WEBHOOKS, False, f"no webhook within {session.settings.wait_s:g}s")
    ok = EVENT_DELIVERY in events
    return StepResult(STAGE_WEBHOOKS, ok, "events: " + " -> ".join(events))


def number_note(number: dict[str, Any]) -> str:
    """One line per number: status, flags, and what is wrong with it."""
    problems = []
    if number.get("status") != "ACTIVE":
        problems.append("not ACTIVE")
    if not number.get("smsEnabled") and not number.get("mmsEnabled"):
        problems.append("neither SMS nor MMS enabled")
    if not _campaign_registered(number):
        problems.append(NO_CAMPAIGN)
    flags = f"SMS {_yes(number.get('smsEnabled'))}, MMS {_yes(number.get('mmsEnabled'))}"
    verdict = "; ".join(problems) if problems else "ok"
    return f"{number.get('numberId')}: {number.get('status')}, {flags}: {verdict}"


def _send_number_notes(session: Session) -> tuple[str, ...]:
    """Warn before the send when `--from` is not usable for `--type`."""
    spec = session.settings.send
    if spec is None:
        return ()
    chosen = [n for n in session.numbers if n.get("numberId") == spec.from_number]
    if not chosen:
        return (f"--from {spec.from_number} is not among this client's numbers",)
    flag = "smsEnabled" if spec.message_type == "SMS" else "mmsEnabled"
    if chosen[0].get("status") != "ACTIVE" or not chosen[0].get(flag):
        return (f"--from {spec.from_number} is not ACTIVE with {flag}",)
    if not _campaign_registered(chosen[0]):
        return (f"--from {spec.from_number} has {NO_CAMPAIGN}",)
    return ()


def _campaign_registered(number: dict[str, Any]) -> bool:
    """A campaign registration id, under the read spelling or the update field's (as capture)."""
    return bool(number.get("campaignRegId", number.get("campaignregId")))


def _call(session: Session, method: str, route: str, **kwargs: Any) -> httpx.Response | str:
    """Make one call; return the response, or a description of why none arrived."""
    import httpx

    try:
        return session.client.request(method, route, **kwargs)
    except httpx.HTTPError as exc:
        return f"no response ({type(exc).__name__})"


def _failure(stage: str, response: httpx.Response | str) -> StepResult | None:
    """A failed step for a missing or non-2xx response; None when the call succeeded."""
    if isinstance(response, str):
        return StepResult(stage, False, response)
    if not response.is_success:
        return StepResult(stage, False, _failure_text(response))
    return None


def _token_form(settings: DoctorSettings) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": settings.client_id,
            "client_secret": settings.client_secret}  # fmt: skip


def _bearer(session: Session) -> dict[str, str]:
    return {"Authorization": f"Bearer {session.token}"} if session.token else {}


def _json(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a response, or an empty dict."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _failure_text(response: httpx.Response) -> str:
    """`401 invalid_client: Client authentication failed`, `403 FORBIDDEN (req_...)`, ..."""
    body = _json(response)
    error = body.get("error")
    if isinstance(error, dict):
        text = f"{error.get('code')}: {error.get('message')}"
    else:
        text = f"{error}: {body.get('error_description')}" if error else response.reason_phrase
    request_id = body.get("requestId")
    return f"{response.status_code} {text}" + (f" (requestId {request_id})" if request_id else "")


def _yes(value: object) -> str:
    return "yes" if value is True else "no"
