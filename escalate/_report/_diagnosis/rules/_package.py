"""The evidence and the escalation package of a finding, from the groups behind it."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from escalate._report._aggregation._groups import SAMPLE_SIZE, keep_earliest
from escalate._report._aggregation._shapes import token_class, token_freshness_text
from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._select import (
    Selected,
    attempts,
    count,
    sampled_calls,
    status_details,
)
from escalate._report._filters import call_message_ids
from escalate._report._model import (
    Cause,
    Check,
    CheckVerdict,
    EscalationPackage,
    Evidence,
    PackageRow,
)
from escalate._report._reading._records import CallRecord, parse_ts

MAX_ROWS = 4
_PAYLOAD_CHARS = 400


def check(text: str, failed: int, total: int, evidence: str) -> Check:
    """A check that fails when `failed` of `total` calls broke it; unknown without calls."""
    verdict: CheckVerdict = "unknown" if total == 0 else ("failed" if failed else "passed")
    return Check(text=text, verdict=verdict, evidence=evidence)


def ranked(causes: Sequence[Cause]) -> tuple[Cause, ...]:
    """Causes with the most supporting observations first (stable for ties: the guide's order)."""
    return tuple(sorted(causes, key=lambda cause: -cause.weight))


def call_evidence(groups: Selected) -> Evidence:
    """Counts, first and last time, requestIds and messageIds of the calls in the groups."""
    request_ids = keep_earliest([s for _, g in groups for s in g.request_ids])
    message_ids = keep_earliest([s for _, g in groups for s in g.message_ids])
    firsts = [g.first for _, g in groups if g.first]
    lasts = [g.last for _, g in groups if g.last]
    return Evidence(
        count=count(groups),
        first_seen=min(firsts, default=None),
        last_seen=max(lasts, default=None),
        request_ids=tuple(value for _, value in request_ids)[:SAMPLE_SIZE],
        message_ids=tuple(value for _, value in message_ids)[:SAMPLE_SIZE],
        details=status_details(groups) + api_error_details(groups) + recipient_codes(groups),
    )


def escalate_with(groups: Selected) -> str:
    """What to escalate with: the requestIds, or endpoints and timestamps when there are none."""
    if any(group.request_ids for _, group in groups):
        return "escalate with the requestIds below"
    return "escalate with the endpoints and timestamps below (no answer carried a requestId)"


def api_error_details(groups: Selected) -> tuple[tuple[str, str], ...]:
    """("API error (403 FORBIDDEN)", "sendFrom number is not owned ...") from the sampled calls.

    Groups keep only their earliest and latest calls, so a message seen only in between is not
    listed; the status/code details above count every call.
    """
    messages: dict[str, list[str]] = {}
    for key, group in groups:
        status, code = key.status, key.error_code
        answer = status if status is not None else key.outcome
        label = f"API error ({answer} {code or ''}".strip() + ")"
        for call in sampled_calls([(key, group)]):
            if call.error_message and call.error_message not in messages.setdefault(label, []):
                messages[label].append(call.error_message)
    return tuple((label, " | ".join(texts)) for label, texts in messages.items() if texts)


def recipient_codes(groups: Selected) -> tuple[tuple[str, str], ...]:
    """("recipient errors[].code", "INVALID_RECIPIENT x2") from the sampled calls' responses.

    Per-recipient codes are API enumerations, recorded verbatim; a shape descriptor (`<str:...>`,
    from a capture that did not keep them) is not a code and is left out.
    """
    codes: dict[str, int] = {}
    for call in sampled_calls(groups):
        errors = call.response.get("errors") if call.response else None
        for item in errors if isinstance(errors, list) else ():
            code = item.get("code") if isinstance(item, dict) else None
            if isinstance(code, str) and code and not code.startswith("<"):
                codes[code] = codes.get(code, 0) + 1
    if not codes:
        return ()
    counted = ", ".join(f"{code} x{n}" for code, n in sorted(codes.items()))
    return (("recipient errors[].code (sampled calls)", counted),)


def duration_text(first: str | None, last: str | None) -> str:
    """`4m 10s` between two canonical timestamps."""
    if not first or not last:
        return "an unknown period"
    seconds = int((parse_ts(last) - parse_ts(first)).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s"]
    return " ".join(part for part in parts if part) if seconds else "0s"


def reproduces(state: AggregateState, groups: Selected) -> str:
    """`consistently: 12 of 12 attempts failed over 4m 10s`, counted over the groups' routes."""
    failures = count(groups)
    routes = {(key.stage, key.route) for key, _ in groups}
    total = sum(attempts(state, stage, route) for stage, route in routes)
    evidence = call_evidence(groups)
    period = duration_text(evidence.first_seen, evidence.last_seen)
    when = f"over {period} ({evidence.first_seen} to {evidence.last_seen})"
    if failures == 1:
        return f"once: 1 of {total} attempts failed, at {evidence.first_seen}"
    word = "consistently" if failures == total else "intermittently"
    return f"{word}: {failures} of {total} attempts failed {when}"


def representative_calls(groups: Selected) -> list[CallRecord]:
    """The earliest call of each group, then the latest call overall, at most MAX_ROWS."""
    chosen: list[CallRecord] = []
    for _, group in groups:
        if group.rows and group.rows[0] not in chosen:
            chosen.append(group.rows[0])
    latest = max((g.latest for _, g in groups if g.latest), key=lambda c: c.ts, default=None)
    chosen = chosen[: MAX_ROWS - 1]
    if latest is not None and latest not in chosen:
        chosen.append(latest)
    return chosen


def package_row(call: CallRecord, message_ids: tuple[str, ...] = ()) -> PackageRow:
    """One row of the escalation package for one call."""
    if call.status is not None:
        status = str(call.status) + (f" {call.error_code}" if call.error_code else "")
    else:
        status = f"no response ({call.exception or call.outcome})"
    return PackageRow(
        endpoint=f"{call.method} {call.route}",
        status=status,
        timestamp=call.ts,
        request_id=call.request_id,
        payload_shape=payload_text(call.payload),
        token_fresh=token_freshness_text(call.token)
        if call.stage != "token"
        else "n/a (token request)",
        message_ids=message_ids,
        error_message=call.error_message,
    )


def example_payload_text(groups: Selected, operation: str | None = None) -> str:
    """The payload shape of an example call of the groups: one of `operation` when one was kept.

    Groups keep only their earliest and latest calls; when none of them is the operation's, the
    earliest example stands for it (a shape has no values, so the sends of an integration share it).
    """
    examples = [
        call
        for _, group in groups
        for call in (*group.rows, *((group.latest,) if group.latest else ()))
    ]
    own = [call for call in examples if operation is not None and call.operation == operation]
    chosen = min(own or examples, key=lambda call: call.ts, default=None)
    return payload_text(chosen.payload) if chosen is not None else "(not captured)"


def payload_text(payload: object) -> str:
    """Compact JSON of a payload shape, cut to a readable length."""
    if payload is None:
        return "(no body)"
    text = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode()
    return text if len(text) <= _PAYLOAD_CHARS else text[: _PAYLOAD_CHARS - 1] + "…"


def call_package(
    state: AggregateState, groups: Selected, *, needs_message_id: bool = False
) -> EscalationPackage:
    """The escalation package of failing calls, with what is missing and how to get it."""
    calls = representative_calls(groups)
    rows = tuple(package_row(call, call_message_ids(call)) for call in calls)
    missing = missing_items(calls, count(groups))
    if needs_message_id and not any(row.message_ids for row in rows):
        missing.append("no messageId: no send was accepted; nothing to trace downstream")
    return EscalationPackage(
        rows=rows, reproduces=reproduces(state, groups), ready=not missing, missing=tuple(missing)
    )


def missing_items(calls: Sequence[CallRecord], failures: int) -> list[str]:
    """What an escalation of these calls still lacks, each with how to get it."""
    missing: list[str] = []
    core = [call for call in calls if call.route.startswith("/api/core/")]
    if any(call.status is None for call in core):
        missing.append(
            "no requestId captured: the call got no response at all (timeout or network "
            "error), so CORE never answered; retry once to get an answer with a requestId"
        )
    elif any(call.request_id is None for call in core):
        missing.append(
            "no requestId captured: the failing call got no CORE error body; "
            "log the raw response body of the next failure"
        )
    if any(isinstance(call.payload, str) and call.payload.startswith("<") for call in calls):
        missing.append(
            "request payload shape unknown: the body was a stream or not JSON; "
            "send it as JSON (json=...) so the shape can be captured"
        )
    if any(call.stage != "token" and token_class(call.token) == "unknown" for call in calls):
        missing.append(
            "token freshness unknown: the token was not acquired through an instrumented client; "
            "instrument the client that calls /api/auth/token too"
        )
    if failures == 1:
        missing.append("seen once: retry once to show whether the issue reproduces")
    return missing


def plural(count: int, noun: str) -> str:
    """`1 send`, `3 sends`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def cause(
    text: str, weight: int, evidence: str = "", *, action: str = "", contradicts: str = ""
) -> Cause:
    """A likely cause with the number of observations supporting it.

    `action`: the next action when it is ranked first; `contradicts`: the text of the finding's
    check the cause claims fails (a report never ranks it while that check passed). A cause
    without support cites nothing: its evidence text is dropped ("error text mentions an
    inactive client" only when one does).
    """
    return Cause(
        text=text,
        weight=weight,
        evidence=evidence if weight else "",
        action=action,
        check=contradicts,
    )


def observed_evidence(*observations: tuple[int, str]) -> str:
    """The evidence texts of what was observed at least once, joined: `2 did X; 1 said Y`."""
    return "; ".join(text for n, text in observations if n)
