"""The guide's bearer-token checks, shared by the rules of the CORE read routes (whoami, numbers).

Every `/api/core/*` route needs `Authorization: Bearer <token>`, and validating the token also
checks that the API client and its parent account are active: the whoami symptom's checks and
causes apply to any CORE call refused for a client-side reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from escalate._report._aggregation._shapes import BearerShape
from escalate._report._diagnosis.rules._package import cause, check, escalate_with
from escalate._report._diagnosis.rules._select import (
    Selected,
    count,
    count_shapes,
    error_text_hits,
    shapes_of,
    token_classes,
)
from escalate._report._model import Cause, Check


@dataclass(frozen=True)
class BearerCounts:
    """What the failing calls' bearer tokens looked like."""

    total: int  #: failing calls
    not_bearer: int  #: sent no `Bearer` token
    expired: int  #: token past its lifetime when used
    fresh: int  #: token freshly acquired
    known: int  #: calls whose token freshness is known
    inactive: int  #: sampled error messages that mention "inactive"


def bearer_counts(groups: Selected) -> BearerCounts:
    """Count the bearer-token facts of the failing calls in `groups`."""
    total = count(groups)
    tokens = token_classes(groups)
    shapes = shapes_of(groups, BearerShape)
    return BearerCounts(
        total=total,
        not_bearer=count_shapes(shapes, lambda s: s.auth_scheme != "bearer"),
        expired=tokens.get("expired", 0),
        fresh=tokens.get("fresh", 0),
        known=total - tokens.get("unknown", 0) - tokens.get("none", 0),
        inactive=error_text_hits(groups, "inactive"),
    )


def bearer_checks(c: BearerCounts) -> tuple[Check, ...]:
    """Bearer token format; whether the token was freshly acquired; whether it is expired."""
    return (
        check(
            "bearer token format (`Authorization: Bearer <token>`)",
            c.not_bearer,
            c.total,
            f"{c.not_bearer} of {c.total} failed calls sent no bearer token",
        ),
        check(
            "whether the token was freshly acquired",
            0 if c.fresh == c.known else c.known - c.fresh,
            c.known,
            f"{c.fresh} of {c.total} failed calls used a freshly acquired token",
        ),
        check(
            "whether the token is expired",
            c.expired,
            c.known,
            f"{c.expired} of {c.total} failed calls used an expired token",
        ),
    )


def token_causes(
    c: BearerCounts,
    inactive: int,
    inactive_evidence: str = "error text mentions inactive",
    *,
    explained: int = 0,
) -> tuple[Cause, ...]:
    """Missing or malformed header; expired token; invalid token; inactive client context.

    `inactive` observations support an inactive client context; `explained` failures have
    another cause of the caller's, so they are not counted as an invalid token.
    """
    return (
        _malformed_header(c),
        _expired_token(c),
        cause(
            "invalid token",
            max(c.total - c.not_bearer - c.expired - inactive - explained, 0),
            "a bearer token that was not expired was still rejected",
        ),
        _inactive_client(inactive, inactive_evidence),
    )


def _malformed_header(c: BearerCounts) -> Cause:
    """Calls that sent no `Bearer` token, with how to send one."""
    return cause(
        "missing or malformed Authorization header",
        c.not_bearer,
        f"{c.not_bearer} failed calls sent no bearer token",
        action=(
            "Send the token as `Authorization: Bearer <token>` (the word Bearer, a space, "
            "then the access_token) on every CORE call, then retry."
        ),
        contradicts="bearer token format (`Authorization: Bearer <token>`)",
    )


def _expired_token(c: BearerCounts) -> Cause:
    """Calls made with a token past its lifetime, with the guide's refresh advice."""
    return cause(
        "expired token",
        c.expired,
        f"{c.expired} failed calls used a token past its expires_in",
        action=(
            "Acquire a new token and retry once; cache tokens with their expiry and "
            "refresh them before they expire."
        ),
        contradicts="whether the token is expired",
    )


def _inactive_client(inactive: int, evidence: str) -> Cause:
    """The caller's observations of an inactive client, with how to confirm it."""
    return cause(
        "inactive client context",
        inactive,
        evidence,
        action=(
            "Confirm with /api/core/whoami that the API client is ACTIVE (and its parent "
            "account too): a client refused with a token whoami had accepted was probably "
            "deactivated meanwhile; have it reactivated before retrying."
        ),
    )


def retry_advice(c: BearerCounts, groups: Selected, then: str = "") -> str:
    """The guide's "acquire a fresh token and retry once", unless that was done already.

    A failing call made with a freshly acquired token *is* that retry (doctor makes it on a
    whoami 401): advising it again would send the reader in a circle.
    """
    if not c.fresh:
        otherwise = f"; if it still fails, {then}" if then else ""
        return f"Acquire a fresh token and retry once{otherwise}."
    return (
        f"A freshly acquired token was refused as well ({c.fresh} of {c.total} failed calls), so "
        "another retry will not help: check that the token is sent as `Authorization: Bearer "
        f"<token>` to the host that issued it, {then + ', ' if then else ''}then "
        f"{escalate_with(groups)}."
    )
