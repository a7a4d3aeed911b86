"""Exit codes of the `escalate` command (documented in the README's table)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from escalate._report._model import Report


class ExitCode(enum.IntEnum):
    """What a process exit status means; every command uses only these."""

    OK = 0  #: success; for `report`/`doctor`: no findings
    FINDINGS = 1  #: `report`/`doctor`: at least one finding
    USAGE = 2  #: a wrong option or argument, or input that cannot be read (click's own code too)
    VERIFY_FAILED = 3  #: `bundle --verify`: a checksum mismatch or a secret found
    NO_EVIDENCE = 4  #: `report`: no evidence record to judge (never a pass: nothing was checked)
    INTERNAL = 70  #: a bug in escalate (EX_SOFTWARE); the message asks for a bug report


def report_exit_code(report: Report) -> ExitCode:
    """The exit status of a report: no evidence is never a pass; a finding or a failing stage 1."""
    if report.no_evidence is not None:
        return ExitCode.NO_EVIDENCE
    failed = report.findings or report.first_failing_stage is not None
    return ExitCode.FINDINGS if failed else ExitCode.OK
