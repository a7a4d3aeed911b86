"""`whoami_failed`: `/api/core/whoami` fails."""

from __future__ import annotations

from escalate._report._aggregate import AggregateState
from escalate._report._model import Finding
from escalate._report._shapes import BearerShape
from escalate._report.rules._base import RuleContext
from escalate._report.rules._package import call_evidence, call_package, cause, check, ranked
from escalate._report.rules._select import (
    attempts,
    client_failure,
    count,
    count_shapes,
    error_text_hits,
    select,
    shapes_of,
    token_classes,
)
from escalate._schema import STAGE_WHOAMI


class WhoamiFailedRule:
    """whoami calls that failed for a client-side reason (server errors: `server_error`)."""

    id = "whoami_failed"
    title = "/api/core/whoami fails"
    stage = STAGE_WHOAMI

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when any whoami call failed with a 4xx or no response."""
        groups = select(state, client_failure(STAGE_WHOAMI))
        if not groups:
            return None
        total = count(groups)
        shapes = shapes_of(groups, BearerShape)
        tokens = token_classes(groups)
        not_bearer = count_shapes(shapes, lambda s: s.auth_scheme != "bearer")
        expired = tokens.get("expired", 0)
        fresh = tokens.get("fresh", 0)
        known = total - tokens.get("unknown", 0) - tokens.get("none", 0)
        inactive = error_text_hits(groups, "inactive")
        checks = (
            check(
                "bearer token format (`Authorization: Bearer <token>`)",
                not_bearer,
                total,
                f"{not_bearer} of {total} failed calls sent no bearer token",
            ),
            check(
                "whether the token was freshly acquired",
                0 if fresh == known else known - fresh,
                known,
                f"{fresh} of {total} failed calls used a freshly acquired token",
            ),
            check(
                "whether the token is expired",
                expired,
                known,
                f"{expired} of {total} failed calls used an expired token",
            ),
        )
        causes = ranked(
            (
                cause("missing or malformed Authorization header", not_bearer),
                cause("expired token", expired),
                cause(
                    "invalid token",
                    max(total - not_bearer - expired - inactive, 0),
                    "a bearer token that was not expired was still rejected",
                ),
                cause("inactive client context", inactive, "error text mentions inactive"),
            )
        )
        return Finding(
            symptom=self.id,
            title=self.title,
            stage=self.stage,
            severity="error",
            summary=f"{total} of {attempts(state, STAGE_WHOAMI)} whoami calls failed",
            checks=checks,
            causes=causes,
            next_action="Acquire a fresh token and retry once.",
            evidence=call_evidence(groups),
            package=call_package(state, groups),
        )
