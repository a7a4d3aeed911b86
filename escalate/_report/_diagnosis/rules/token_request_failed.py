"""`token_request_failed`: the token request fails (4xx, no response)."""

from __future__ import annotations

from dataclasses import dataclass

from escalate._report._aggregation._shapes import FORM, TokenRequestShape
from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext, client_and_host
from escalate._report._diagnosis.rules._package import cause, check
from escalate._report._diagnosis.rules._select import (
    Selected,
    attempts,
    client_failure,
    count,
    count_shapes,
    error_text_hits,
    select,
    shapes_of,
)
from escalate._report._model import Cause, Check, Finding
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
        c = _token_request_counts(groups)
        where = client_and_host(state)
        answers = ", ".join(f"{code} x{n}" for code, n in c.answers.items())
        return self.call_finding(
            state,
            groups,
            summary=(
                f"{c.total} of {attempts(state, STAGE_TOKEN)} token requests {where} failed "
                f"({answers})"
            ),
            checks=(*_credential_checks(c), *_request_shape_checks(c)),
            causes=(
                _invalid_credentials(c, where),
                *_inactive_causes(groups),
                _malformed_request(c),
                _unreachable(c, where),
            ),
            next_action="Correct credentials or account status before testing CORE routes.",
        )


@dataclass(frozen=True)
class TokenRequestCounts:
    """What the failed token requests looked like, and what they were answered."""

    total: int  #: failed token requests
    answers: dict[str, int]  #: OAuth error code, `HTTP <status>` or `no response`: how many
    no_client: int  #: sent no client id (neither Basic auth nor form field)
    no_secret: int  #: sent no client secret
    bad_grant: int  #: another or no `grant_type`
    not_form: int  #: not form-encoded
    network: int  #: got no response (timeout, connection error)

    @property
    def invalid_client(self) -> int:
        """Requests refused as `invalid_client`."""
        return self.answers.get("invalid_client", 0)

    @property
    def malformed(self) -> int:
        """Requests answered `invalid_request` or `unsupported_grant_type`."""
        answers = self.answers
        return answers.get("invalid_request", 0) + answers.get("unsupported_grant_type", 0)


def _token_request_counts(groups: Selected) -> TokenRequestCounts:
    """Count the shapes and answers of the failed token requests in `groups`."""
    shapes = shapes_of(groups, TokenRequestShape)
    return TokenRequestCounts(
        total=count(groups),
        answers=_answers(groups),
        no_client=count_shapes(
            shapes, lambda s: s.auth_scheme != "basic" and not s.client_id_in_body
        ),
        no_secret=count_shapes(
            shapes, lambda s: s.auth_scheme != "basic" and not s.client_secret_in_body
        ),
        bad_grant=count_shapes(shapes, lambda s: s.grant_type != "client_credentials"),
        not_form=count_shapes(shapes, lambda s: s.content_type != FORM),
        network=sum(g.count for key, g in groups if key.outcome in _NETWORK),
    )


def _answers(groups: Selected) -> dict[str, int]:
    """Failed requests by their answer: the OAuth error code, else the status or no response."""
    answers: dict[str, int] = {}
    for key, group in groups:
        label = key.error_code or ("no response" if key.status is None else f"HTTP {key.status}")
        answers[label] = answers.get(label, 0) + group.count
    return answers


def _credential_checks(c: TokenRequestCounts) -> tuple[Check, ...]:
    """The guide's `client_id` and `client_secret`: were they sent, and accepted?"""
    answered = c.total - c.network  # only an answer judges them: unknown when none came
    return (
        check(
            "`client_id` is sent (Basic auth or form field)",
            c.no_client,
            c.total,
            f"{c.no_client} of {c.total} failed requests had no client id",
        ),
        check(
            "`client_secret` is sent (Basic auth or form field)",
            c.no_secret,
            c.total,
            f"{c.no_secret} of {c.total} failed requests had no client secret",
        ),
        check(
            "the credentials are accepted",
            c.invalid_client,
            answered,
            f"{c.invalid_client} of {answered} answered requests were refused as invalid_client"
            if answered > 0
            else "not judged: no request got an answer",
        ),
    )


def _request_shape_checks(c: TokenRequestCounts) -> tuple[Check, ...]:
    """The guide's `grant_type=client_credentials` and form-encoded request shape."""
    return (
        check(
            "`grant_type=client_credentials`",
            c.bad_grant,
            c.total,
            f"{c.bad_grant} of {c.total} failed requests had another or no grant_type",
        ),
        check(
            "form-encoded request shape",
            c.not_form,
            c.total,
            f"{c.not_form} of {c.total} failed requests were not application/x-www-form-urlencoded",
        ),
    )


def _invalid_credentials(c: TokenRequestCounts, where: str) -> Cause:
    """Likely cause "invalid credentials", supported by `invalid_client` answers."""
    return cause(
        "invalid credentials",
        c.invalid_client,
        f"{c.invalid_client} invalid_client answers",
        action=(
            f"Correct the credentials (token requests {where}): the client_secret "
            "must be the current one for that client_id (it may have been rotated); "
            "then retry the token request before testing CORE routes."
        ),
        contradicts="the credentials are accepted",
    )


def _inactive_causes(groups: Selected) -> tuple[Cause, ...]:
    """Likely causes "inactive API client" and "inactive parent account", from error texts."""
    return (
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
    )


def _malformed_request(c: TokenRequestCounts) -> Cause:
    """Likely cause "malformed token request": the OAuth answers and the request shapes."""
    return cause(
        "malformed token request",
        c.malformed + c.bad_grant + c.not_form + c.no_client,
        f"{c.malformed} invalid_request/unsupported_grant_type answers, "
        f"{c.not_form} not form-encoded",
    )


def _unreachable(c: TokenRequestCounts, where: str) -> Cause:
    """Not in the guide's list: no answer at all, so the credentials were never checked."""
    return cause(
        "the token endpoint is not reachable (timeout or network error)",
        c.network,
        f"{c.network} requests got no response",
        action=(
            f"Make the token endpoint reachable from the service (token requests {where}): "
            "check DNS, egress firewall or proxy, the base URL and the client's timeout, then "
            "retry; the credentials were never checked."
        ),
    )
