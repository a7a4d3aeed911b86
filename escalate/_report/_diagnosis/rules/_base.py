"""What every rule is: a small object with a stable id that turns the state into a finding."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._package import call_evidence, call_package, plural, ranked
from escalate._report._diagnosis.rules._select import Selected
from escalate._report._model import Cause, Check, EscalationPackage, Evidence, Finding, Fix

__all__ = [
    "BaseRule",
    "Rule",
    "RuleContext",
    "client_and_host",
    "leading",
    "plural",
    "whoami_value",
]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class RuleContext:
    """What rules know besides the state."""

    delivery_grace_s: float  #: how long an accepted message may wait for its lifecycle
    last_ts: str | None  #: the last record time in the logs: "now" for a reproducible report
    inputs: tuple[str, ...] = ()  #: the files read, for "no webhook-receiver log was given"
    #: stages an error finding already explains: what the rule run last (`unexplained_failure`)
    #: leaves alone
    explained: frozenset[str] = frozenset()


class Rule(Protocol):
    """One symptom of the troubleshooting guide."""

    id: str  #: stable, external tools rely on it
    title: str  #: the guide's symptom heading
    stage: str

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Return the finding the evidence shows, or None."""
        ...


#: The next action when the evidence supports none of the causes the guide lists: the guide's
#: action would be a guess, so it is offered after what the evidence does show.
UNSUPPORTED_ACTION = (
    "The evidence supports none of the causes the guide lists for this symptom (see the "
    "checks), so none is guessed: escalate with the package below and the API's own error "
    "message, if it gave one. The guide's action, if something the checks cannot see is "
    "wrong: {guide}"
)


class BaseRule:
    """The plumbing every rule shares, so a rule module holds only its own logic.

    A subclass sets `id`, `title` and `stage` and writes `evaluate`; it builds its finding with
    `finding` (its own evidence and package) or `call_finding` (failing calls: evidence and
    package from the call groups). Causes are ranked here, most supported first.
    """

    id: str
    title: str
    stage: str

    def finding(
        self,
        *,
        summary: str,
        checks: Iterable[Check],
        causes: Iterable[Cause],
        next_action: str,
        evidence: Evidence,
        package: EscalationPackage,
        severity: Severity = "error",
        stage: str | None = None,
        fix: Fix | None = None,
    ) -> Finding:
        """This rule's finding; `stage` overrides the rule's own (a rule spanning stages).

        The next action follows the cause ranked first when the evidence supports it more than
        any other and it names its own action; `next_action` is the rule's action otherwise (a
        tie, say three different payload mistakes, needs the rule's broader action).
        """
        ordered = ranked(tuple(causes))
        if leading(ordered) is not None and ordered[0].action:
            next_action = ordered[0].action
        elif ordered and all(c.weight <= 0 for c in ordered):
            next_action = UNSUPPORTED_ACTION.format(guide=next_action)
        return Finding(
            symptom=self.id,
            title=self.title,
            stage=stage or self.stage,
            severity=severity,
            summary=summary,
            checks=tuple(checks),
            causes=ordered,
            next_action=next_action,
            evidence=evidence,
            package=package,
            fix=fix,
        )

    def call_finding(
        self,
        state: AggregateState,
        groups: Selected,
        *,
        summary: str,
        checks: Iterable[Check],
        causes: Iterable[Cause],
        next_action: str,
        package: EscalationPackage | None = None,
        severity: Severity = "error",
        stage: str | None = None,
        fix: Fix | None = None,
    ) -> Finding:
        """A finding about failing calls, with the evidence and package of their groups."""
        return self.finding(
            summary=summary,
            checks=checks,
            causes=causes,
            next_action=next_action,
            evidence=call_evidence(groups),
            package=package if package is not None else call_package(state, groups),
            severity=severity,
            stage=stage,
            fix=fix,
        )


def leading(causes: tuple[Cause, ...]) -> Cause | None:
    """The ranked cause the evidence supports more than any other, or None (no support, a tie)."""
    if not causes or causes[0].weight <= 0:
        return None
    if len(causes) > 1 and causes[1].weight == causes[0].weight:
        return None
    return causes[0]


def client_and_host(state: AggregateState) -> str:
    """`of client_id rc_x to api.example.com`: who called where, as far as the records say."""
    client = max(state.client_ids, key=state.client_ids.__getitem__, default=None)
    host = max(state.hosts, key=state.hosts.__getitem__, default=None)
    parts = (f"of client_id {client}" if client else "", f"to {host}" if host else "")
    return " ".join(part for part in parts if part) or "(client and host not recorded)"


def whoami_value(state: AggregateState, key: str) -> Any:
    """A value of the last successful whoami summary, or None."""
    return state.whoami[1].get(key) if state.whoami else None
