"""The rule registry, its documentation and the public facade agree."""

from __future__ import annotations

import re
from pathlib import Path

import escalate._report
from escalate._report import RULES
from escalate._report._diagnosis.rules.unexplained_failure import ANY_STAGE
from escalate._schema import STAGES

_DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
#: the ids external tools rely on (issue 3)
EXPECTED_IDS = {
    "token_request_failed", "whoami_failed", "numbers_failed", "send_failed_after_numbers_ok",
    "send_invalid_request", "send_forbidden", "accepted_not_delivered", "no_webhook_events",
    "duplicate_messages", "idempotency_conflict", "token_expired_mid_session", "server_error",
    "webhook_signature_invalid", "webhook_rejected", "partial_acceptance", "delivery_failed",
    "unexplained_failure",
}  # fmt: skip


def test_registry_has_exactly_the_documented_ids() -> None:
    """docs/rules.md has one section per rule id of the registry, no more, no less."""
    documented = re.findall(r"^## `([a-z_]+)`$", _DOC.read_text(), flags=re.MULTILINE)
    assert sorted(documented) == sorted(rule.id for rule in RULES)
    assert len(documented) == len(set(documented))


def test_registry_has_the_stable_ids() -> None:
    """The registry holds exactly the ids external tools rely on."""
    assert {rule.id for rule in RULES} == EXPECTED_IDS
    assert len(RULES) == len(EXPECTED_IDS)


def test_every_rule_names_a_stage_and_title() -> None:
    """Each rule belongs to a stage of the debugging order (`unexplained_failure`: whichever
    failed first) and has a title."""
    for rule in RULES:
        assert rule.stage in (*STAGES, ANY_STAGE), rule.id
        assert rule.title, rule.id


def test_public_names_are_sorted() -> None:
    """The facade's __all__ is sorted (constants, classes, functions) and every name exists."""
    names = escalate._report.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert all(hasattr(escalate._report, name) for name in names)
