"""doctor takes credentials from the environment only, and never repeats a secret typed on argv."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._cli._exit import ExitCode
from escalate.sandbox import RedCloudSandbox

from ._doctor import env_for

CANARY = "CANARYs3cr3t"


def _userinfo_url(rc: RedCloudSandbox) -> str:
    """The sandbox's URL with its own valid credentials as userinfo: it would authenticate."""
    return rc.base_url.replace("://", f"://{rc.client_id}:{CANARY}@")


@pytest.mark.parametrize("where", ["option", "environment"])
def test_base_url_with_userinfo_is_refused(
    sandbox: RedCloudSandbox, tmp_path: Path, where: str
) -> None:
    """`user:secret@` in the base URL: exit 2, the secret not repeated, no request made."""
    env = env_for(sandbox)
    args = ["doctor", "--log", str(tmp_path / "e.jsonl")]
    if where == "option":
        args += ["--base-url", _userinfo_url(sandbox)]
    else:
        env["RC_BASE_URL"] = _userinfo_url(sandbox)
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == ExitCode.USAGE
    assert "must not carry credentials" in result.output
    assert "RC_CLIENT_ID and RC_CLIENT_SECRET" in result.output
    assert CANARY not in result.output
    assert sandbox.requests == []


def test_userinfo_would_not_override_the_environment_credentials(
    sandbox: RedCloudSandbox, tmp_path: Path
) -> None:
    """Even with wrong RC_CLIENT_* and valid userinfo, doctor refuses rather than authenticates."""
    env = {**env_for(sandbox), "RC_CLIENT_SECRET": "wrong"}
    url = _userinfo_url(sandbox).replace(CANARY, sandbox.client_secret)
    result = CliRunner().invoke(
        main, ["doctor", "--log", str(tmp_path / "e.jsonl"), "--base-url", url], env=env
    )
    assert result.exit_code == ExitCode.USAGE
    assert sandbox.client_secret not in result.output


@pytest.mark.parametrize(
    "extra", [[CANARY], ["--send", CANARY], [CANARY, CANARY + "2"]], ids=["one", "mid", "two"]
)
def test_unexpected_argument_is_not_echoed(
    sandbox: RedCloudSandbox, tmp_path: Path, extra: list[str]
) -> None:
    """A stray argument (a secret typed on argv?): exit 2, counted, not repeated, nothing sent."""
    args = ["doctor", "--log", str(tmp_path / "e.jsonl"), *extra]
    result = CliRunner().invoke(main, args, env=env_for(sandbox))
    assert result.exit_code == ExitCode.USAGE
    assert CANARY not in result.output
    assert "unexpected argument" in result.output and "RC_CLIENT_SECRET" in result.output
    assert sandbox.requests == []
