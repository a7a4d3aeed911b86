"""Signature problems are diagnosed by how verification was done; "rejected" means non-2xx."""

from __future__ import annotations

from escalate._report._aggregation._shapes import token_freshness_text
from tests.report.builders import healthy_run, send_call, token_info, webhook
from tests.report.conftest import MakeReport, check_verdict, finding


def test_invalid_raw_body_check_ranks_the_secret_not_reserialized_json(
    make_report: MakeReport,
) -> None:
    """An `invalid` raw-body check: a wrong or rotated secret first; re-serialised JSON never."""
    records = [*healthy_run(), webhook(at=20, signature="invalid", response_status=401)]
    found = finding(make_report(records), "webhook_signature_invalid")
    assert found.causes[0].text == "wrong or rotated signing secret"
    assert not [c for c in found.causes if "re-serial" in c.text]


def test_valid_signature_answered_401_points_at_the_handlers_hmac(make_report: MakeReport) -> None:
    """escalate verified it, the receiver said 401: the handler's own check, its HMAC code."""
    records = [*healthy_run(), webhook(at=20, signature="valid", response_status=401)]
    found = finding(make_report(records), "webhook_rejected")
    assert found.causes[0].text.startswith("your handler verifies something other than the raw")
    assert found.next_action.startswith("Fix the handler's signature check")


def test_unchecked_signature_is_never_called_verified(make_report: MakeReport) -> None:
    """`not_checked` receipts: the summary says not checked and the check says how to enable it."""
    records = [*healthy_run(), webhook(at=20, signature="not_checked", response_status=403)]
    found = finding(make_report(records), "webhook_rejected")
    assert "0 signed correctly" in found.summary and "1 not checked" in found.summary
    verdict, evidence = check_verdict(found, "escalate verified the signature")
    assert verdict == "unknown" and "give it the secret" in evidence


def test_one_rejected_webhook_is_counted_once(make_report: MakeReport) -> None:
    """One invalid webhook answered 401 is one rejected request, not two."""
    records = [*healthy_run()[:4], send_call(at=4, message_id="msg_2", operation="fp_op2"),
               webhook("message.queued", "msg_2", at=5, signature="invalid",
                       response_status=401)]  # fmt: skip
    found = finding(make_report(records, delivery_grace_s=1), "accepted_not_delivered")
    cause = next(c for c in found.causes if c.text == "webhook processing bug")
    assert (cause.weight, cause.evidence) == (
        1,
        "1 webhook requests answered non-2xx by the receiver",
    )


def test_token_freshness_says_new_or_cached() -> None:
    """The guide's question, answered: a new token with its age and life, or a cached one."""
    assert token_freshness_text(token_info(age=0.01, fresh=True)) == (
        "yes (acquired 0.01 s before, expires in 3600 s)"
    )
    assert token_freshness_text(token_info(age=3712)) == "no: cached, age 3712 s, expired"
    assert token_freshness_text(token_info(age=120)) == "no: cached, age 120 s, expires in 3480 s"
