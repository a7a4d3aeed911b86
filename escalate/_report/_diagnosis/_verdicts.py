"""Diagnosis: stage verdicts in the debugging order, findings from the rules, the headline."""

from __future__ import annotations

from dataclasses import replace

from escalate._report._aggregation._state import AggregateState, webhook_failed
from escalate._report._diagnosis.rules import LAST_RULE, SYMPTOM_RULES, RuleContext
from escalate._report._diagnosis.rules._package import plural
from escalate._report._diagnosis.rules._select import failed
from escalate._report._diagnosis.rules._webhooks import (
    accepted_count,
    hook_count,
    select_hooks,
    unchecked,
)
from escalate._report._model import Finding, NoEvidence, StageVerdict, Verdict
from escalate._schema import (
    STAGE_NUMBERS,
    STAGE_SEND,
    STAGE_TOKEN,
    STAGE_WEBHOOKS,
    STAGE_WHOAMI,
    STAGES,
)

STAGE_TITLES = {
    STAGE_TOKEN: "Token acquisition",
    STAGE_WHOAMI: "Client context (/api/core/whoami)",
    STAGE_NUMBERS: "Number ownership (/api/core/numbers)",
    STAGE_SEND: "Send (POST /api/core/messages/send)",
    STAGE_WEBHOOKS: "Webhook receipt and signature verification",
}


def evaluate_rules(state: AggregateState, context: RuleContext) -> tuple[Finding, ...]:
    """Run every rule; findings ordered by stage, then errors before warnings.

    A finding another one covers (the same failed sends, see `Finding.covers`) is left out: one
    problem, one finding.
    """
    findings = [f for rule in SYMPTOM_RULES if (f := rule.evaluate(state, context)) is not None]
    explained = frozenset(f.stage for f in findings if f.severity == "error")
    last = LAST_RULE.evaluate(state, replace(context, explained=explained))
    findings += [last] if last is not None else []
    covered = {symptom for f in findings for symptom in f.covers}
    findings = [f for f in findings if f.symptom not in covered]
    return tuple(sorted(findings, key=lambda f: (_stage_index(f.stage), f.severity != "error")))


def _stage_index(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else len(STAGES)


def stage_verdicts(
    state: AggregateState, findings: tuple[Finding, ...], undecided: int
) -> tuple[StageVerdict, ...]:
    """The five stages, each pass, fail or unknown by the evidence.

    A stage without evidence after a failing one says it probably has none because of it (no
    webhook arrives when no send was accepted). `undecided`: accepted messages the report cannot
    judge yet (`undecided_count`), said by the webhooks stage.
    """
    verdicts: list[StageVerdict] = []
    for stage in STAGES:
        verdict = _stage_verdict(state, stage, findings, undecided)
        earlier = first_failing(tuple(verdicts))
        if verdict.verdict == "unknown" and earlier is not None:
            verdict = replace(
                verdict, summary=f"{verdict.summary}: probably because {earlier} failed earlier"
            )
        verdicts.append(verdict)
    return tuple(verdicts)


def _stage_verdict(
    state: AggregateState, stage: str, findings: tuple[Finding, ...], undecided: int
) -> StageVerdict:
    if stage == STAGE_WEBHOOKS:
        attempts, failures, first, last = _webhook_counts(state)
    else:
        attempts, failures, first, last = _call_counts(state, stage)
    errors = [f for f in findings if f.stage == stage and f.severity == "error"]
    verdict: Verdict = "fail" if failures or errors else ("pass" if attempts else "unknown")
    summary = _summary(state, stage, attempts, failures, errors, undecided)
    if verdict == "unknown" and stage == STAGE_TOKEN and _core_calls_authenticated(state):
        verdict, summary = "pass", "no token request captured, but CORE calls were authenticated"
    return StageVerdict(
        stage, STAGE_TITLES[stage], verdict, summary, attempts, failures, first, last
    )


def _call_counts(state: AggregateState, stage: str) -> tuple[int, int, str | None, str | None]:
    groups = [(k, g) for k, g in state.groups.items() if k.stage == stage]
    attempts = sum(g.count for _, g in groups)
    failures = sum(g.count for k, g in groups if failed(k))
    first = min((g.first for _, g in groups if g.first), default=None)
    last = max((g.last for _, g in groups if g.last), default=None)
    return attempts, failures, first, last


def _webhook_counts(state: AggregateState) -> tuple[int, int, str | None, str | None]:
    groups = state.webhook_groups.items()
    failures = sum(
        g.count for (signature, status, _), g in groups if webhook_failed(signature, status)
    )
    first = min((g.first for _, g in groups if g.first), default=None)
    last = max((g.last for _, g in groups if g.last), default=None)
    return state.webhooks, failures, first, last


def _core_calls_authenticated(state: AggregateState) -> bool:
    return any(
        k.stage in (STAGE_WHOAMI, STAGE_NUMBERS, STAGE_SEND) and not failed(k) for k in state.groups
    )


def _summary(
    state: AggregateState,
    stage: str,
    attempts: int,
    failures: int,
    errors: list[Finding],
    undecided: int,
) -> str:
    noun = "webhook requests" if stage == STAGE_WEBHOOKS else "calls"
    if not attempts and stage == STAGE_WEBHOOKS:
        return _no_webhooks_summary(state, errors, undecided)
    if not attempts:
        return f"no {stage} {noun} in the logs"
    text = _counts_text(attempts, failures, noun)
    if errors:
        text += "; " + _titles(errors)
    if stage == STAGE_WEBHOOKS and not (failures or errors):  # a pass must say what it left out
        text += _unchecked_clause(state) + undecided_clause(undecided)
    return text


def _unchecked_clause(state: AggregateState) -> str:
    """`; N signatures not checked by escalate (...)`: receipts recorded without the webhook
    secret, whose signature this stage cannot vouch for."""
    count = hook_count(select_hooks(state, unchecked))
    if not count:
        return ""
    return (
        f"; {plural(count, 'signature')} not checked by escalate (no webhook secret given "
        "to the receiver's capture)"
    )


def undecided_clause(undecided: int) -> str:
    """`; N accepted messages still within the delivery grace (not judged yet)` when there are
    any: messages with no lifecycle event that are not overdue either."""
    if not undecided:
        return ""
    waiting = plural(undecided, "accepted message")
    return f"; {waiting} still within the delivery grace (not judged yet)"


def _titles(findings: list[Finding] | tuple[Finding, ...]) -> str:
    """The findings' headings, for prose (rule ids belong to the findings themselves)."""
    return "; ".join(f.title for f in findings)


def _counts_text(attempts: int, failures: int, noun: str) -> str:
    if failures:
        return f"{failures:,} of {attempts:,} {noun} failed"
    if attempts == 1:
        return f"the one {noun[:-1]} succeeded"
    return f"all {attempts:,} {noun} succeeded"


def _no_webhooks_summary(state: AggregateState, errors: list[Finding], undecided: int) -> str:
    accepted = accepted_count(state)
    if errors:
        return "no webhook request in the logs; " + _titles(errors)
    if accepted:
        return "no webhook request in the logs" + undecided_clause(undecided)
    return "no webhook request in the logs and no accepted send to expect one for"


def first_failing(stages: tuple[StageVerdict, ...]) -> str | None:
    """The first stage of the debugging order that failed."""
    return next((stage.id for stage in stages if stage.verdict == "fail"), None)


def mark_caused_by(findings: tuple[Finding, ...], first_stage: str | None) -> tuple[Finding, ...]:
    """Note on each finding after the first failing stage that it is probably caused by it.

    Webhook findings are about calls that got past every earlier stage (an accepted message, a
    receipt), so an earlier failure does not explain them; the webhooks stage says when its
    silence is explained by an earlier stage instead.
    """
    if first_stage is None:
        return findings
    first = _stage_index(first_stage)
    return tuple(
        replace(f, caused_by=first_stage)
        if first < _stage_index(f.stage) < _stage_index(STAGE_WEBHOOKS)
        else f
        for f in findings
    )


def headline(
    stages: tuple[StageVerdict, ...],
    findings: tuple[Finding, ...],
    state: AggregateState,
    absent: NoEvidence | None = None,
    missing: tuple[str, ...] = (),
    undecided: int = 0,
) -> str:
    """One sentence (or two) for a person at the top of the report, without rule ids.
    `undecided` accepted messages (not judged yet) are said when nothing failed."""
    if absent is not None:
        return f"No evidence to judge: {absent.reason}. What to do: {absent.action}."
    text = _verdict_sentence(stages, findings, state)
    if first_failing(stages) is None:
        text += undecided_clause(undecided)
    if missing:
        text += ". Logs that seem missing: " + "; ".join(missing)
    return text


def _verdict_sentence(
    stages: tuple[StageVerdict, ...], findings: tuple[Finding, ...], state: AggregateState
) -> str:
    first = first_failing(stages)
    if first is None:
        if findings:
            return f"No stage failed, but {plural(len(findings), 'warning')}: " + _titles(findings)
        return f"No failure found in {state.calls:,} calls and {state.webhooks:,} webhook requests"
    verdict = next(stage for stage in stages if stage.id == first)
    noun = "webhook requests" if first == STAGE_WEBHOOKS else "calls"
    lead = next((f for f in findings if f.stage == first), None)
    text = f"The first failing stage is {first}"
    if verdict.failures:
        text += ": " + _counts_text(verdict.attempts, verdict.failures, noun)
    if lead is not None:
        text += f". {lead.title}: {lead.summary}"
    later = sum(1 for f in findings if f.caused_by)
    if later:
        text += f". {later} later finding{'s are' if later > 1 else ' is'} probably caused by it"
    return text
