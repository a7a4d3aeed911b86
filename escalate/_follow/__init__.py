"""`escalate report --follow`: read evidence logs as they grow, across rotation and truncation,
and say what changes as it changes."""

from __future__ import annotations

from escalate._follow._changes import report_changes, status_line
from escalate._follow._live import LiveState
from escalate._follow._run import CLEAR, FollowResult, FollowSettings, follow
from escalate._follow._tail import Block, Tail

__all__ = [
    "CLEAR",
    "Block",
    "FollowResult",
    "FollowSettings",
    "LiveState",
    "Tail",
    "follow",
    "report_changes",
    "status_line",
]
