"""Report values built by hand: the fixtures every renderer test and golden file starts from."""

from __future__ import annotations

from escalate._report._model import (
    Cause,
    Check,
    EscalationPackage,
    Evidence,
    Finding,
    InputSummary,
    PackageRow,
    Redactions,
    Report,
    SkippedLines,
    StageVerdict,
    TimelineBucket,
)

GENERATED_BY = "escalate 0.1.0"
STAGE_TITLES = (
    ("token", "Token acquisition"),
    ("whoami", "GET /api/core/whoami"),
    ("numbers", "GET /api/core/numbers"),
    ("send", "POST /api/core/messages/send"),
    ("webhooks", "Webhook receipt and signature verification"),
)


def _timeline(
    start_minute: int, failing: dict[str, tuple[int, ...]], slices: int
) -> tuple[TimelineBucket, ...]:
    """Every stage in every 30-second slice; `failing[stage]` lists the slices with failures."""
    buckets = []
    for index in range(slices):
        seconds = index * 30
        minute, second = start_minute + seconds // 60, seconds % 60
        start = f"2026-11-27T10:{minute:02d}:{second:02d}Z"
        for stage, _title in STAGE_TITLES:
            failed = (index % 3 + 1) * 2 if index in failing.get(stage, ()) else 0
            ok = 0 if failed and stage == "send" else (index * 7 + len(stage)) % 9
            buckets.append(TimelineBucket(start=start, stage=stage, ok=ok, failed=failed))
    return tuple(buckets)


def healthy_report() -> Report:
    """Every stage passes: 1,204 calls and their webhooks, nothing to escalate."""
    stages = tuple(
        StageVerdict(
            id=stage,
            title=title,
            verdict="pass",
            summary=f"All {count:,} {noun} succeeded.",
            attempts=count,
            failures=0,
            first_seen="2026-11-27T10:00:01.125000Z",
            last_seen="2026-11-27T10:59:58.500000Z",
        )
        for (stage, title), (count, noun) in zip(
            STAGE_TITLES,
            ((4, "token requests"), (4, "whoami calls"), (4, "numbers calls"),
             (1192, "sends"), (3576, "webhook receipts")),
            strict=True,
        )
    )
    return Report(
        generated_by=GENERATED_BY,
        inputs=InputSummary(
            files=("logs/app-2026-11-27.jsonl",),
            lines=18_240,
            records=4_780,
            calls=1_204,
            webhooks=3_576,
            first_seen="2026-11-27T10:00:01.125000Z",
            last_seen="2026-11-27T10:59:58.500000Z",
            skipped=SkippedLines(not_evidence=13_460),
        ),
        stages=stages,
        first_failing_stage=None,
        headline="No failure found in 1,204 calls and 3,576 webhook receipts.",
        findings=(),
        client_context=(("apiClientId", "rc_test_client_123"), ("apiClientStatus", "ACTIVE")),
        timeline=_timeline(0, {}, 8),
        timeline_slice_s=30.0,
    )


def _forbidden_finding() -> Finding:
    """The send stage's 403 FORBIDDEN finding, every field populated."""
    shape = (
        '{"sendFrom":"<phone:not_e164>","to":["<e164>"],"messageType":"SMS",'
        '"text":"<text:len=42>","externalReference":"<fp:fp_9c1e>"}'
    )
    rows = tuple(
        PackageRow(
            endpoint="POST /api/core/messages/send",
            status="403",
            timestamp=f"2026-11-27T10:0{minute}:14.{minute}10000Z",
            request_id=f"req_send_00{minute}",
            payload_shape=shape,
            token_fresh="yes (age 2s)" if minute == 2 else "no (age 611s)",
        )
        for minute in (2, 4, 6)
    )
    return Finding(
        symptom="send_forbidden",
        title="Send request returns 403 FORBIDDEN",
        stage="send",
        severity="error",
        summary=(
            "12 of 12 sends were refused with 403 FORBIDDEN: "
            "sendFrom is not owned by this API client."
        ),
        checks=(
            Check("`sendFrom` belongs to the authenticated API client", "failed",
                  "12 of 12 sends used sendFrom values absent from GET /api/core/numbers"),
            Check("the token belongs to the client you think it does", "passed",
                  "whoami reported apiClientId rc_test_client_123 for the same token"),
            Check("`sendFrom` uses numberId, not the phone number", "unknown",
                  "no numbers response was captured to compare against"),
        ),
        causes=(
            Cause("wrong sendFrom", 12, "12 sends used a phone-number-shaped sendFrom"),
            Cause("number ownership mismatch", 3, "3 sends used num_xyz789, absent from /numbers"),
            Cause("wrong API client context", 0),
        ),
        next_action="Confirm /whoami, then confirm /numbers, then retry with the correct numberId.",
        evidence=Evidence(
            count=12,
            first_seen="2026-11-27T10:02:14.210000Z",
            last_seen="2026-11-27T10:06:14.610000Z",
            request_ids=("req_send_002", "req_send_004", "req_send_006"),
            message_ids=(),
            details=(
                ("status/code", "403 FORBIDDEN x12"),
                ("sendFrom shape", "<phone:not_e164> x12"),
            ),
        ),
        package=EscalationPackage(
            rows=rows,
            reproduces="yes: 12 of 12 attempts failed between 10:02:14Z and 10:06:14Z",
            ready=True,
        ),
        caused_by=None,
    )


def _webhook_finding() -> Finding:
    """A warning on the webhook stage that an earlier failing stage probably explains."""
    return Finding(
        symptom="no_webhooks",
        title="No webhook events arrive",
        stage="webhooks",
        severity="warning",
        summary="0 lifecycle webhooks arrived for 40 accepted sends.",
        checks=(
            Check("endpoint URL is correct", "unknown",
                  "whoami says deliveryWebhookConfigured: true"),
            Check("handler returns 2xx only after acceptance", "failed",
                  "7 of 9 receipts answered 500"),
        ),
        causes=(
            Cause("endpoint returns non-2xx", 7, "7 of 9 receipts answered 500"),
            Cause("unreachable endpoint", 0),
        ),
        next_action="Test with a temporary endpoint such as webhook.site, then compare behavior.",
        evidence=Evidence(
            count=40,
            first_seen="2026-11-27T10:01:02Z",
            last_seen="2026-11-27T10:07:40Z",
            message_ids=("msg_abc123", "msg_abc124"),
        ),
        package=EscalationPackage(
            rows=(
                PackageRow(
                    endpoint="POST /api/core/messages/send",
                    status="202",
                    timestamp="2026-11-27T10:01:02.000000Z",
                    request_id=None,
                    payload_shape='{"sendFrom":"num_abc123","to":["<e164>"],"messageType":"SMS"}',
                    token_fresh="unknown",
                    message_ids=("msg_abc123", "msg_abc124"),
                ),
            ),
            reproduces="unknown: one window of 7 minutes",
            ready=False,
            missing=(
                "no requestId captured: accepted sends carry none; quote the messageIds instead",
                "reproduction unknown: capture a second window with `escalate.instrument(client)`",
            ),
        ),
        caused_by="send",
    )


def failing_report() -> Report:
    """Token passes, whoami unknown, sends fail with 403, webhooks warn: several findings."""
    verdicts = (
        ("pass", "4 of 4 token requests succeeded.", 4, 0),
        ("pass", "2 of 2 whoami calls succeeded.", 2, 0),
        ("unknown", "No numbers call was captured.", 0, 0),
        ("fail", "12 of 52 sends failed with 403 FORBIDDEN.", 52, 12),
        ("fail", "7 of 9 webhook receipts answered 500.", 9, 7),
    )
    stages = tuple(
        StageVerdict(
            id=stage, title=title, verdict=verdict, summary=summary, attempts=attempts,
            failures=failures,
            first_seen="2026-11-27T10:00:00.500000Z" if attempts else None,
            last_seen="2026-11-27T10:07:40Z" if attempts else None,
        )
        for (stage, title), (verdict, summary, attempts, failures) in zip(
            STAGE_TITLES, verdicts, strict=True
        )
    )
    return Report(
        generated_by=GENERATED_BY,
        inputs=InputSummary(
            files=("logs/app.jsonl", "logs/webhooks.jsonl.zst"),
            lines=2_431,
            records=67,
            calls=58,
            webhooks=9,
            first_seen="2026-11-27T10:00:00.500000Z",
            last_seen="2026-11-27T10:07:40Z",
            filters=(("--since", "2026-11-27T10:00:00Z"), ("--host", "api.example.com")),
            skipped=SkippedLines(
                not_evidence=2_350,
                by_reason=(("invalid_json", 3), ("newer_schema", 1)),
                examples=(
                    ("invalid_json", "logs/app.jsonl", 17),
                    ("invalid_json", "logs/app.jsonl", 212),
                    ("newer_schema", "logs/webhooks.jsonl.zst", 4),
                ),
            ),
            envelopes=(("docker", 58), ("journald", 9)),
        ),
        stages=stages,
        first_failing_stage="send",
        headline="The first failing stage is send: 12 of 52 sends failed with 403 FORBIDDEN.",
        findings=(_forbidden_finding(), _webhook_finding()),
        client_context=(
            ("apiClientId", "rc_test_client_123"),
            ("apiClientStatus", "ACTIVE"),
            ("deliveryWebhookConfigured", "true"),
        ),
        redactions=Redactions(by_rule=(("bearer_token", 2), ("e164", 5))),
        timeline=_timeline(0, {"send": (4, 8, 12), "webhooks": (5, 9, 10, 11, 12)}, 16),
        timeline_slice_s=30.0,
    )


HOSTILE = "<script>alert('x')</script> | a`b``c | new\nline ✓ héllo 日本語 \x1b[31mred\x1b[0m"


def hostile_report() -> Report:
    """Every log-derived string carries markup, table breakers, newlines and unicode."""
    base = failing_report()
    finding = base.findings[0]
    check = Check(f"check {HOSTILE}", "failed", f"evidence {HOSTILE}")
    row = PackageRow(
        endpoint=f"POST /api/core/messages/send?{HOSTILE}",
        status="no response (ReadTimeout)",
        timestamp="2026-11-27T10:02:14Z",
        request_id=f"req_{HOSTILE}",
        payload_shape='{"text":"<text:len=5>","`k|ey`":"</td></tr><script>x</script>"}',
        token_fresh="no (age 3712s, expired)",
        message_ids=(f"msg_{HOSTILE}",),
    )
    hostile_finding = Finding(
        symptom="send_forbidden",
        title=f"Title {HOSTILE}",
        stage="send",
        severity="error",
        summary=f"Summary {HOSTILE}",
        checks=(check,),
        causes=(Cause(f"cause {HOSTILE}", 2, f"because {HOSTILE}"),),
        next_action=f"Do {HOSTILE}",
        evidence=Evidence(
            count=1,
            first_seen=None,
            last_seen=None,
            request_ids=(f"req_{HOSTILE}",),
            details=((f"key {HOSTILE}", f"value {HOSTILE}"),),
        ),
        package=EscalationPackage(
            rows=(row,), reproduces=f"yes: {HOSTILE}", ready=False, missing=(f"missing {HOSTILE}",)
        ),
        caused_by=f"stage {HOSTILE}",
    )
    return Report(
        generated_by=GENERATED_BY,
        inputs=InputSummary(
            files=(f"logs/{HOSTILE}.jsonl",),
            lines=3,
            records=1,
            calls=1,
            webhooks=0,
            first_seen=None,
            last_seen=None,
            filters=(("--grep", HOSTILE),),
            skipped=SkippedLines(
                by_reason=((f"reason {HOSTILE}", 1),),
                examples=((f"reason {HOSTILE}", f"file {HOSTILE}", 2),),
            ),
            envelopes=((f"envelope {HOSTILE}", 1),),
        ),
        stages=base.stages,
        first_failing_stage="send",
        headline=f"Headline {HOSTILE}",
        findings=(hostile_finding, finding),
        client_context=((f"ctx {HOSTILE}", HOSTILE),),
        redactions=Redactions(by_rule=((f"rule {HOSTILE}", 1),)),
        timeline=(*base.timeline[:10], TimelineBucket(HOSTILE, "send", ok=1, failed=1)),
        timeline_slice_s=base.timeline_slice_s,
    )


#: The fixture registry: every golden file is one of these in one format.
FIXTURES = (
    ("healthy", healthy_report),
    ("failing", failing_report),
    ("hostile", hostile_report),
)
