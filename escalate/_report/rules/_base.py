"""What every rule is: a small object with a stable id that turns the state into a finding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from escalate._report._aggregate import AggregateState
from escalate._report._model import Finding


@dataclass(frozen=True)
class RuleContext:
    """What rules know besides the state."""

    delivery_grace_s: float  #: how long an accepted message may wait for its lifecycle
    last_ts: str | None  #: the last record time in the logs: "now" for a reproducible report
    inputs: tuple[str, ...] = ()  #: the files read, for "no webhook-receiver log was given"


class Rule(Protocol):
    """One symptom of the troubleshooting guide."""

    id: str  #: stable, external tools rely on it
    title: str  #: the guide's symptom heading
    stage: str

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Return the finding the evidence shows, or None."""
        ...


def plural(count: int, noun: str) -> str:
    """`1 send`, `3 sends`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def whoami_value(state: AggregateState, key: str) -> Any:
    """A value of the last successful whoami summary, or None."""
    return state.whoami[1].get(key) if state.whoami else None
