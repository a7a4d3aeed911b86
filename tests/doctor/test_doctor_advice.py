"""What doctor tells a newcomer is true of the sandbox it ran against, in every report format."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from escalate.sandbox import RedCloudSandbox

from ._doctor import FORMATS, run_doctor

#: `num_abc123: ACTIVE, SMS yes, MMS yes: ok`, one line per listed number
NUMBER_LINE = re.compile(r"^\s+(num_\w+): .*: (.+)$", re.MULTILINE)
FRESH_TOKEN_ADVICE = "acquire a fresh token"


def _verdicts(stderr: str) -> dict[str, str]:
    return dict(NUMBER_LINE.findall(stderr))


def test_a_number_is_ok_exactly_when_the_sandbox_accepts_a_send_from_it(
    sandbox: RedCloudSandbox, tmp_path: Path
) -> None:
    """For every listed number, the numbers line says ok iff the test send from it is accepted."""
    verdicts = _verdicts(run_doctor(sandbox, tmp_path / "list.jsonl").stderr)
    assert "num_no_campaign" in verdicts
    for number, verdict in verdicts.items():
        result = run_doctor(sandbox, tmp_path / f"{number}.jsonl", "--send", "--to",
                            "+15551234567", "--from", number)  # fmt: skip
        accepted = orjson.loads(result.stdout)["first_failing_stage"] is None
        assert (verdict == "ok") == accepted, (number, verdict, result.stderr)


def test_from_without_campaign_is_called_out_before_the_send(
    sandbox: RedCloudSandbox, tmp_path: Path
) -> None:
    """`--from` a number without campaignRegId gets a warning line before the send is tried."""
    result = run_doctor(sandbox, tmp_path / "e.jsonl", "--send", "--to", "+15551234567",
                        "--from", "num_no_campaign")  # fmt: skip
    before_send = result.stderr.split("] send:")[0]
    assert "--from num_no_campaign has no campaignRegId" in before_send


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_fresh_token_advice_after_the_fresh_token_retry(
    sandbox: RedCloudSandbox, tmp_path: Path, fmt: str
) -> None:
    """When whoami refused the token doctor just acquired again, nothing advises that retry."""
    sandbox.faults.expired_tokens = True
    result = run_doctor(sandbox, tmp_path / "e.jsonl", fmt=fmt)
    assert "refused again with a freshly acquired token" in result.stderr
    assert FRESH_TOKEN_ADVICE not in result.stdout.lower()


@pytest.mark.parametrize("route", ["token", "whoami", "numbers"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_requestids_are_promised_only_when_there_are_some(
    sandbox: RedCloudSandbox, tmp_path: Path, route: str, fmt: str
) -> None:
    """A next action says "the requestIds below" only when the finding's evidence has some."""
    sandbox.faults.server_error_routes = {route}
    findings = orjson.loads(run_doctor(sandbox, tmp_path / "json.jsonl").stdout)["findings"]
    result = run_doctor(sandbox, tmp_path / "e.jsonl", fmt=fmt)
    promised = "requestids below" in result.stdout.lower()
    assert findings
    assert promised == any(f["evidence"]["request_ids"] for f in findings), result.stdout
