"""What evidence the inputs hold: none at all (and why), or which logs seem to be missing.

Missing evidence is never healthy: a report without a single evidence record says why (nothing in
the input, records the filters left out, only other services' lines) and what to do, and a report
whose evidence covers only part of the debugging order names the logs that seem to be missing.
"""

from __future__ import annotations

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._package import plural
from escalate._report._diagnosis.rules._webhooks import receiver_log_note
from escalate._report._model import NoEvidence
from escalate._schema import STAGE_NUMBERS, STAGE_SEND, STAGE_TOKEN, STAGE_WHOAMI

CAPTURE_ACTION = (
    "check that capture is configured in the service (escalate.instrument(client), "
    "escalate.configure or ESCALATE_LOG) and that ESCALATE_LOG is the file you passed"
)


def no_evidence(state: AggregateState, filters: tuple[tuple[str, str], ...]) -> NoEvidence | None:
    """Why no evidence record is left to judge, or None when there is one."""
    if state.records:
        return None
    if state.filtered_out:
        named = ", ".join(f"{option} {value}" for option, value in filters)
        return NoEvidence(
            f"{plural(state.filtered_out, 'evidence record')} read, but none matches the "
            f"filters ({named})",
            "widen or drop the filters (a relative --since counts back from now, not from the "
            "end of the log)",
        )
    broken = sum(state.broken.values())
    if broken:
        reasons = ", ".join(f"{reason} {count:,}" for reason, count in sorted(state.broken.items()))
        return NoEvidence(
            f"{plural(broken, 'line')} looked like evidence records but could not be read "
            f"({reasons})",
            "see the skipped lines below; " + CAPTURE_ACTION,
        )
    if state.not_evidence:
        return NoEvidence(
            f"only other services' lines: {plural(state.not_evidence, 'line')}, none of them "
            "an escalate evidence record",
            CAPTURE_ACTION,
        )
    files = len(state.file_records)
    given = "the one input is" if files == 1 else f"all {plural(files, 'input')} are"
    return NoEvidence(f"nothing in the input: {given} empty", CAPTURE_ACTION)


def missing_logs(state: AggregateState, accepted: int, webhook_findings: int) -> tuple[str, ...]:
    """The logs that seem missing when the evidence covers only part of the debugging order.

    The receiver's log is not called missing when a webhook finding already explains why no
    webhook request was logged (say, whoami said the delivery webhook is not configured).
    """
    if not state.records:
        return ()
    stages = {key.stage for key in state.groups}
    missing: list[str] = []
    if not state.calls:
        missing.append(
            "the sending service's log: only webhook receipts were given, so token, whoami, "
            "numbers and send have no evidence"
        )
    elif STAGE_SEND in stages and not stages & {STAGE_TOKEN, STAGE_WHOAMI, STAGE_NUMBERS}:
        missing.append(
            "the start of the session: sends but no token, whoami or numbers call (instrument "
            "the client that makes them, or widen --since)"
        )
    if state.calls and not state.webhooks and accepted and not webhook_findings:
        missing.append("the webhook receiver's log: " + receiver_log_note(state))
    return tuple(missing)
