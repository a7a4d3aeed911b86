"""Message states: kept compact, the same answers as a plain map, mergeable."""

from __future__ import annotations

import pickle
import random
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from escalate._report._aggregation import _messages
from escalate._report._aggregation._messages import LIFECYCLE_ONLY, RESOLVED, MessageStates

#: (messageId, accepted ts) for a send, (messageId, None) for a lifecycle webhook
Event = tuple[str, "str | None"]
_TIMES = [f"2026-11-27T10:00:0{n}.000000Z" for n in range(4)]
_IDS = ["msg_a", "msg_b", "msg_0c", "msg_\u00e9", "msg_\ud800", "msg_00", "msg_0a0b"]
_EVENTS = st.lists(
    st.tuples(st.sampled_from(_IDS), st.one_of(st.none(), st.sampled_from(_TIMES))), max_size=30
)


def _model(events: list[Event]) -> dict[str, str | int]:
    """The plain map the states replace: every message, RESOLVED ones included."""
    states: dict[str, str | int] = {}
    for message_id, ts in events:
        seen = states.get(message_id)
        if ts is not None:
            if seen is None or (type(seen) is str and ts < seen):
                states[message_id] = ts
            elif type(seen) is not str:
                states[message_id] = RESOLVED
        elif seen is None or seen == LIFECYCLE_ONLY:
            states[message_id] = LIFECYCLE_ONLY
        elif type(seen) is str:
            states[message_id] = RESOLVED
    return states


def _states(events: list[Event]) -> MessageStates:
    states = MessageStates()
    # so few recent messages that most are packed: both places (and the move) are exercised
    with patch.object(_messages, "RECENT", 2):
        for message_id, ts in events:
            if ts is None:
                states.lifecycle(message_id)
            else:
                states.accepted(message_id, ts)
    return states


@settings(max_examples=300, deadline=None)
@given(_EVENTS)
def test_states_answer_as_the_plain_map(events: list[Event]) -> None:
    """Items, values, lookups and length are those of the plain map, in any order of events."""
    states, model = _states(events), _model(events)
    assert dict(states.items()) == model
    assert sorted(map(str, states.values())) == sorted(map(str, model.values()))
    assert {message_id: states.get(message_id) for message_id in model} == model
    assert len(states) == len(model) and states.get("msg_never") is None


@settings(max_examples=300, deadline=None)
@given(_EVENTS, st.integers(min_value=1, max_value=4), st.randoms())
def test_merged_parts_equal_one_pass(events: list[Event], parts: int, order: random.Random) -> None:
    """Events split into parts, the parts' states merged in any order: the one-pass states."""
    pieces = [_states(events[index::parts]) for index in range(parts)]
    order.shuffle(pieces)
    merged = MessageStates()
    for piece in pieces:
        merged.merge(pickle.loads(pickle.dumps(piece)))  # as --jobs hands them over
    one_pass = _states(events)
    assert merged == one_pass
    assert merged.accepted_count() == one_pass.accepted_count()
    assert merged.overdue(_TIMES[-1], 2) == one_pass.overdue(_TIMES[-1], 2)


@settings(max_examples=300, deadline=None)
@given(_EVENTS, st.sampled_from(_TIMES), st.integers(min_value=1, max_value=3))
def test_counts_and_overdue_answer_as_the_plain_map(
    events: list[Event], cutoff: str, size: int
) -> None:
    """Accepted messages counted, overdue ones counted and the earliest cited, as the map says."""
    states, model = _states(events), _model(events)
    assert states.accepted_count() == sum(type(v) is str or v == RESOLVED for v in model.values())
    due = sorted((ts, m) for m, ts in model.items() if type(ts) is str and ts <= cutoff)
    overdue = states.overdue(cutoff, size)
    assert (overdue.total, overdue.earliest) == (len(due), due[:size])
    assert (overdue.first, overdue.last) == ((due[0][0], due[-1][0]) if due else (None, None))


def test_a_resolved_message_stays_resolved() -> None:
    """Accepted, then a webhook: resolved, and no later event makes it pending or lifecycle-only."""
    states = MessageStates()
    states.accepted("msg_a", "2026-11-27T10:00:00.000000Z")
    assert states.lifecycle("msg_a") is False
    assert states.lifecycle("msg_a") is False
    assert states.accepted("msg_a", "2026-11-27T10:00:09.000000Z") is True
    assert states["msg_a"] == RESOLVED and states.accepted_count() == 1
