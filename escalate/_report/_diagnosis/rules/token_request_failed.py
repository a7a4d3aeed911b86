"""`token_request_failed`: the token request fails (4xx, no response)."""

from __future__ import annotations

from escalate._report._aggregation._shapes import FORM, TokenRequestShape
from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext, client_and_host
from escalate._report._diagnosis.rules._package import cause, check
from escalate._report._diagnosis.rules._select import (
    attempts,
    client_failure,
    count,
    count_shapes,
    error_text_hits,
    select,
    shapes_of,
)
from escalate._report._model import Finding
from escalate._schema import STAGE_TOKEN

_NETWORK = ("timeout", "connection_error", "error")


class TokenRequestFailedRule(BaseRule):
    """Token requests that failed for a reason the client can fix (5xx: `server_error`)."""

    id = "token_request_failed"
    title = "Token request fails"
    stage = STAGE_TOKEN

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when any token request failed with a client-side error or no response."""
        groups = select(state, client_failure(STAGE_TOKEN))
        if not groups:
            return None
        shapes = shapes_of(groups, TokenRequestShape)
        total = count(groups)
        codes: dict[str, int] = {}
        for key, group in groups:
            answer = "no response" if key.status is None else f"HTTP {key.status}"
            label = key.error_code or answer
            codes[label] = codes.get(label, 0) + group.count
        no_client = count_shapes(
            shapes, lambda s: s.auth_scheme != "basic" and not s.client_id_in_body
        )
        no_secret = count_shapes(
            shapes, lambda s: s.auth_scheme != "basic" and not s.client_secret_in_body
        )
        bad_grant = count_shapes(shapes, lambda s: s.grant_type != "client_credentials")
        not_form = count_shapes(shapes, lambda s: s.content_type != FORM)
        invalid_client = codes.get("invalid_client", 0)
        malformed = codes.get("invalid_request", 0) + codes.get("unsupported_grant_type", 0)
        network = sum(g.count for key, g in groups if key.outcome in _NETWORK)
        checks = (
            check(
                "`client_id` is sent (Basic auth or form field)",
                no_client,
                total,
                f"{no_client} of {total} failed requests had no client id",
            ),
            check(
                "`client_secret` is sent (Basic auth or form field)",
                no_secret,
                total,
                f"{no_secret} of {total} failed requests had no client secret",
            ),
            check(
                "the credentials are accepted",
                invalid_client,
                total - network,  # only an answer judges them: unknown when none came
                f"{invalid_client} of {total - network} answered requests were refused as "
                "invalid_client" if total > network else "not judged: no request got an answer",
            ),
            check(
                "`grant_type=client_credentials`",
                bad_grant,
                total,
                f"{bad_grant} of {total} failed requests had another or no grant_type",
            ),
            check(
                "form-encoded request shape",
                not_form,
                total,
                f"{not_form} of {total} failed requests were not application/x-www-form-urlencoded",
            ),
        )
        where = client_and_host(state)
        causes = (
            cause(
                "invalid credentials",
                invalid_client,
                f"{invalid_client} invalid_client answers",
                action=(
                    f"Correct the credentials (token requests {where}): the client_secret "
                    "must be the current one for that client_id (it may have been rotated); "
                    "then retry the token request before testing CORE routes."
                ),
                contradicts="the credentials are accepted",
            ),
            cause(
                "inactive API client",
                error_text_hits(groups, "inactive", "client"),
                "error text mentions an inactive client",
            ),
            cause(
                "inactive parent account",
                error_text_hits(groups, "inactive", "account"),
                "error text mentions an inactive account",
            ),
            cause(
                "malformed token request",
                malformed + bad_grant + not_form + no_client,
                f"{malformed} invalid_request/unsupported_grant_type answers, "
                f"{not_form} not form-encoded",
            ),
            cause(
                "the token endpoint is not reachable (timeout or network error)",
                network,
                f"{network} requests got no response",
                action=(
                    f"Make the token endpoint reachable from the service (token requests {where}): "
                    "check DNS, "
                    "egress firewall or proxy, the base URL and the client's timeout, then retry; "
                    "the credentials were never checked."
                ),
            ),
        )
        answers = ", ".join(f"{code} x{n}" for code, n in codes.items())
        summary = (
            f"{total} of {attempts(state, STAGE_TOKEN)} token requests {where} failed ({answers})"
        )
        return self.call_finding(
            state,
            groups,
            summary=summary,
            checks=checks,
            causes=causes,
            next_action="Correct credentials or account status before testing CORE routes.",
        )
