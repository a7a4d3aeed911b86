"""The public names of `escalate.sandbox` that other modules and tests build on."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import escalate.sandbox as sandbox
from escalate.sandbox import Faults, RedCloudSandbox, SandboxNumber


def test_all_is_sorted_and_complete() -> None:
    """`__all__` is sorted and every name in it exists."""
    assert sandbox.__all__ == sorted(sandbox.__all__)
    assert all(hasattr(sandbox, name) for name in sandbox.__all__)


def test_default_numbers_cover_each_send_time_failure() -> None:
    """The default inventory has one number per documented send-time failure."""
    numbers = {n.number_id: n for n in RedCloudSandbox().numbers}
    assert numbers["num_abc123"] == SandboxNumber("num_abc123", "+15551234567")
    assert numbers["num_sms_only"].mms_enabled is False
    assert numbers["num_inactive"].status == "INACTIVE"
    assert numbers["num_no_campaign"].campaign_reg_id is None
    assert numbers["num_other_client"].owner == "rc_other_client"


def test_faults_default_to_a_healthy_server() -> None:
    """A default Faults switches nothing on and issues 3600-second tokens."""
    faults = dataclasses.asdict(Faults())
    assert faults.pop("token_lifetime_s") == 3600
    assert not any(faults.values())


def test_module_help_runs() -> None:
    """`python -m escalate.sandbox --help` documents its options."""
    result = subprocess.run(
        [sys.executable, "-m", "escalate.sandbox", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert "--port" in result.stdout and "--webhook-url" in result.stdout
