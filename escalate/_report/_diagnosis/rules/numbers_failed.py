"""`numbers_failed`: `GET /api/core/numbers` fails (4xx or no response).

The guide has no symptom for it; its checks come from the whoami symptom (the same bearer token
rules hold for every CORE route) and the reference: validating a token also checks that the API
client and its parent account are active, and whoami lists the client's `capabilities`.
"""

from __future__ import annotations

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext, whoami_value
from escalate._report._diagnosis.rules._bearer import (
    BearerCounts,
    bearer_checks,
    bearer_counts,
    retry_advice,
    token_causes,
)
from escalate._report._diagnosis.rules._package import cause, observed_evidence
from escalate._report._diagnosis.rules._select import (
    Selected,
    answered,
    attempts,
    client_failure,
    count,
    expired_only,
    select,
    unauthorized,
)
from escalate._report._model import Cause, Check, CheckVerdict, Finding
from escalate._schema import STAGE_NUMBERS

#: the capability the reference's whoami example lists for reading the numbers list
NUMBERS_READ = "numbers:read"
_CONFIRM_CLIENT = (
    f"confirm with /whoami that the API client is ACTIVE and has `{NUMBERS_READ}` before "
    "testing sends"
)


class NumbersFailedRule(BaseRule):
    """numbers calls that failed for a reason the client can fix."""

    id = "numbers_failed"
    title = "/api/core/numbers fails"
    stage = STAGE_NUMBERS

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when a numbers call failed with a 4xx or no response.

        Server errors are `server_error`'s; 401s made with an aged-out token are
        `token_expired_mid_session`'s.
        """
        failing = select(state, client_failure(STAGE_NUMBERS))
        groups = [(key, group) for key, group in failing if not expired_only(key, group)]
        if not groups:
            return None
        c = bearer_counts(groups)
        whoami_ok = _accepted_by_whoami(state, groups)
        return self.call_finding(
            state,
            groups,
            summary=f"{c.total} of {attempts(state, STAGE_NUMBERS)} numbers calls failed",
            checks=(
                *bearer_checks(c),
                _same_token_check(state, whoami_ok, c.total),
                _client_active_check(state),
                _capability_check(state),
            ),
            causes=_causes(state, groups, c, whoami_ok),
            next_action=retry_advice(c, groups, _CONFIRM_CLIENT),
        )


def _causes(
    state: AggregateState, groups: Selected, c: BearerCounts, whoami_ok: int
) -> tuple[Cause, ...]:
    """The whoami symptom's causes, then the reference's causes the evidence supports.

    Missing permission and an unreachable endpoint are not in the guide: they are listed only
    when observed, so the report never presents them as the guide's.
    """
    status = whoami_value(state, "apiClientStatus")
    not_active = c.total if status is not None and status != "ACTIVE" else 0
    forbidden = count([(k, g) for k, g in groups if answered(403, "FORBIDDEN")(k)])
    no_answer = count([(k, g) for k, g in groups if k.status is None])
    inactive = (
        (whoami_ok, f"{whoami_ok} refused 401 with the token whoami accepted"),
        (c.inactive, f"{c.inactive} error texts mention inactive"),
        (not_active, f"whoami said apiClientStatus={status}"),
    )
    guide = token_causes(
        c,
        c.inactive + not_active + whoami_ok,
        observed_evidence(*inactive),
        explained=forbidden + no_answer,
    )
    missing = _capability_missing(state)
    observed = (
        cause(
            f"missing permission to read numbers (`{NUMBERS_READ}`)",
            forbidden * (2 if missing else 1),
            f"{forbidden} answered 403 FORBIDDEN"
            + (f"; whoami lists no `{NUMBERS_READ}`" if missing else ""),
        ),
        cause(
            "the numbers endpoint is not reachable (timeout or network error)",
            no_answer,
            f"{no_answer} calls got no response",
        ),
    )
    return (*guide, *(extra for extra in observed if extra.weight))


def _accepted_by_whoami(state: AggregateState, groups: Selected) -> int:
    """Failing calls whose token is the one the last successful whoami was made with."""
    if state.whoami is None or state.whoami[2] is None:
        return 0
    return sum(g.token_fps.get(state.whoami[2], 0) for k, g in groups if unauthorized(k))


def _capability_missing(state: AggregateState) -> bool:
    capabilities = whoami_value(state, "capabilities")
    return isinstance(capabilities, list) and NUMBERS_READ not in capabilities


def _same_token_check(state: AggregateState, whoami_ok: int, total: int) -> Check:
    text = "the token whoami accepted is still accepted (client context unchanged)"
    if state.whoami is None or state.whoami[2] is None:
        return Check(text, "unknown", "no successful whoami with a known token captured")
    return Check(
        text,
        "failed" if whoami_ok else "passed",
        f"{whoami_ok} of {total} failed calls were refused 401 with the token whoami accepted "
        f"at {state.whoami[0]}",
    )


def _client_active_check(state: AggregateState) -> Check:
    text = "the API client is active (whoami `apiClientStatus`)"
    status = whoami_value(state, "apiClientStatus")
    if status is None or state.whoami is None:
        return Check(text, "unknown", "no successful whoami captured")
    verdict: CheckVerdict = "passed" if status == "ACTIVE" else "failed"
    return Check(text, verdict, f"whoami said apiClientStatus={status} at {state.whoami[0]}")


def _capability_check(state: AggregateState) -> Check:
    text = f"the API client may read its numbers (whoami `capabilities` has `{NUMBERS_READ}`)"
    capabilities = whoami_value(state, "capabilities")
    if not isinstance(capabilities, list):
        return Check(text, "unknown", "no whoami capabilities captured")
    verdict: CheckVerdict = "failed" if NUMBERS_READ not in capabilities else "passed"
    listed = ", ".join(str(c) for c in capabilities) or "none"
    return Check(text, verdict, f"whoami listed capabilities: {listed}")
