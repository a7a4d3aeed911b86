"""Exit codes of the `escalate` command (documented in the README's table)."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What a process exit status means; every command uses only these."""

    OK = 0  #: success; for `report`/`doctor`: no findings
    FINDINGS = 1  #: `report`/`doctor`: at least one finding
    USAGE = 2  #: a wrong option or argument, or input that cannot be read (click's own code too)
    VERIFY_FAILED = 3  #: `bundle --verify`: a checksum mismatch or a secret found
    NO_EVIDENCE = 4  #: `report`: no evidence record to judge (never a pass: nothing was checked)
    INTERNAL = 70  #: a bug in escalate (EX_SOFTWARE); the message asks for a bug report
