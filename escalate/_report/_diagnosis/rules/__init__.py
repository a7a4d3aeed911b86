"""The rule registry: one rule per symptom of the troubleshooting guide, in the debugging order."""

from __future__ import annotations

from escalate._report._diagnosis.rules._base import Rule, RuleContext
from escalate._report._diagnosis.rules.accepted_not_delivered import AcceptedNotDeliveredRule
from escalate._report._diagnosis.rules.delivery_failed import DeliveryFailedRule
from escalate._report._diagnosis.rules.duplicate_messages import DuplicateMessagesRule
from escalate._report._diagnosis.rules.idempotency_conflict import IdempotencyConflictRule
from escalate._report._diagnosis.rules.no_webhook_events import NoWebhookEventsRule
from escalate._report._diagnosis.rules.numbers_failed import NumbersFailedRule
from escalate._report._diagnosis.rules.partial_acceptance import PartialAcceptanceRule
from escalate._report._diagnosis.rules.send_failed_after_numbers_ok import (
    SendFailedAfterNumbersOkRule,
)
from escalate._report._diagnosis.rules.send_forbidden import SendForbiddenRule
from escalate._report._diagnosis.rules.send_invalid_request import SendInvalidRequestRule
from escalate._report._diagnosis.rules.server_error import ServerErrorRule
from escalate._report._diagnosis.rules.token_expired_mid_session import TokenExpiredMidSessionRule
from escalate._report._diagnosis.rules.token_request_failed import TokenRequestFailedRule
from escalate._report._diagnosis.rules.unexplained_failure import UnexplainedFailureRule
from escalate._report._diagnosis.rules.webhook_rejected import WebhookRejectedRule
from escalate._report._diagnosis.rules.webhook_signature_invalid import WebhookSignatureInvalidRule
from escalate._report._diagnosis.rules.whoami_failed import WhoamiFailedRule

#: The rules of the guide's symptoms, each on its own.
SYMPTOM_RULES: tuple[Rule, ...] = (
    TokenRequestFailedRule(),
    TokenExpiredMidSessionRule(),
    WhoamiFailedRule(),
    NumbersFailedRule(),
    SendFailedAfterNumbersOkRule(),
    SendInvalidRequestRule(),
    SendForbiddenRule(),
    IdempotencyConflictRule(),
    ServerErrorRule(),
    PartialAcceptanceRule(),
    DuplicateMessagesRule(),
    AcceptedNotDeliveredRule(),
    DeliveryFailedRule(),
    NoWebhookEventsRule(),
    WebhookSignatureInvalidRule(),
    WebhookRejectedRule(),
)
#: Run after the others, told which stages their error findings explain: failing calls none of
#: them describes still get a finding (and a package).
LAST_RULE: Rule = UnexplainedFailureRule()
#: Every rule, each with a stable id (docs/rules.md).
RULES: tuple[Rule, ...] = (*SYMPTOM_RULES, LAST_RULE)

__all__ = ["LAST_RULE", "RULES", "SYMPTOM_RULES", "Rule", "RuleContext"]
