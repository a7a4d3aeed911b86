"""Questions rules ask of the call groups: which calls failed how, and what did they look like."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from escalate._report._aggregation._groups import CallGroup, GroupKey
from escalate._report._aggregation._state import AggregateState
from escalate._report._reading._records import CallRecord
from escalate._schema import OUTCOME_OK, STAGE_SEND, STAGE_TOKEN

SERVER_ERROR_CODES = frozenset({"SERVER_ERROR", "UPSTREAM_ERROR", "server_error"})
Selected = list[tuple[GroupKey, CallGroup]]
ShapeT = TypeVar("ShapeT")


def select(state: AggregateState, match: Callable[[GroupKey], bool]) -> Selected:
    """Groups whose key matches, earliest first."""
    found = [(key, group) for key, group in state.groups.items() if match(key)]
    return sorted(found, key=lambda item: (item[1].first or "", repr(item[0])))


def failed(key: GroupKey) -> bool:
    """The calls got no success."""
    return key.outcome != OUTCOME_OK


def server_error(key: GroupKey) -> bool:
    """A 5xx or an error code saying the server or its upstream failed."""
    status, code = key.status, key.error_code
    return (status is not None and status >= 500) or code in SERVER_ERROR_CODES


def answered(status: int, code: str) -> Callable[[GroupKey], bool]:
    """Calls answered this HTTP status or this CORE error code (the docs' status-to-code table)."""
    return lambda key: key.status == status or key.error_code == code


def sends_answered(status: int, code: str) -> Callable[[GroupKey], bool]:
    """Sends answered this HTTP status or this CORE error code."""
    match = answered(status, code)
    return lambda key: key.stage == STAGE_SEND and match(key)


def unauthorized(key: GroupKey) -> bool:
    """A CORE call answered 401 or `UNAUTHORIZED` (the token route has its own OAuth errors)."""
    return key.stage != STAGE_TOKEN and answered(401, "UNAUTHORIZED")(key)


def expired_only(key: GroupKey, group: CallGroup) -> bool:
    """401s whose every token had aged out: `token_expired_mid_session` explains them."""
    return unauthorized(key) and group.token_classes.get("expired", 0) == group.count


def client_failure(stage: str) -> Callable[[GroupKey], bool]:
    """Failed calls of a stage that are not server errors."""
    return lambda key: key.stage == stage and failed(key) and not server_error(key)


def count(groups: Selected) -> int:
    """Calls in the groups."""
    return sum(group.count for _, group in groups)


def first_call(groups: Selected) -> str:
    """When the earliest call of the groups was made ("" when a group has no time)."""
    return min(group.first or "" for _, group in groups)


def successes_after(state: AggregateState, since: str, match: Callable[[GroupKey], bool]) -> int:
    """Successful calls whose key matches, counted in groups that last succeeded after `since`."""
    return sum(
        group.count
        for key, group in state.groups.items()
        if match(key) and not failed(key) and (group.last or "") > since
    )


def attempts(state: AggregateState, stage: str, route: str | None = None) -> int:
    """Every call of a stage (optionally one route), whatever its outcome."""
    return sum(
        group.count
        for key, group in state.groups.items()
        if key.stage == stage and (route is None or key.route == route)
    )


def successes(state: AggregateState, stage: str) -> Selected:
    """Successful calls of a stage."""
    return select(state, lambda key: key.stage == stage and not failed(key))


def shapes_of(groups: Selected, kind: type[ShapeT]) -> dict[ShapeT, int]:
    """Summed request shapes of one kind."""
    total: dict[ShapeT, int] = {}
    for _, group in groups:
        for shape, n in group.shapes.items():
            if isinstance(shape, kind):
                total[shape] = total.get(shape, 0) + n
    return total


def count_shapes(shapes: dict[ShapeT, int], match: Callable[[ShapeT], bool]) -> int:
    """Calls whose shape matches."""
    return sum(n for shape, n in shapes.items() if match(shape))


def token_classes(groups: Selected) -> dict[str, int]:
    """How fresh the tokens of the calls were: `fresh`, `valid`, `expired`, `unknown`, `none`."""
    total: dict[str, int] = {}
    for _, group in groups:
        for name, n in group.token_classes.items():
            total[name] = total.get(name, 0) + n
    return total


def status_details(groups: Iterable[tuple[GroupKey, CallGroup]]) -> tuple[tuple[str, str], ...]:
    """("POST /api/core/messages/send", "403 FORBIDDEN x12") pairs for the evidence."""
    details: dict[str, list[str]] = {}
    for key, group in groups:
        _, method, route, status, outcome, code = key
        label = f"{status if status is not None else outcome} {code or ''}".strip()
        details.setdefault(f"{method} {route}", []).append(f"{label} x{group.count}")
    return tuple((name, ", ".join(labels)) for name, labels in details.items())


def error_text_hits(groups: Selected, *words: str) -> int:
    """Sampled failing calls whose error message contains every word (case-insensitive)."""
    hits = 0
    for call in sampled_calls(groups):
        message = (call.error_message or "").lower()
        hits += all(word in message for word in words)
    return hits


def sampled_calls(groups: Selected) -> list[CallRecord]:
    """The calls the groups kept (their earliest, and their latest when it is another one)."""
    calls: list[CallRecord] = []
    for _, group in groups:
        calls.extend(group.rows)
        if group.latest is not None and group.latest not in group.rows:
            calls.append(group.latest)
    return calls
