"""The follow loop: poll the files, fold what is new, say what changed, stop when asked.

On a terminal the view is redrawn in place (the `follow` document of the text format,
`follow.txt.j2`); otherwise one plain line is appended per change. Every line and view passes
the last secret scan, like a report.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from escalate._follow._changes import file_event, report_changes, status_line
from escalate._follow._live import LiveState
from escalate._follow._tail import Tail
from escalate._render import Format, render_document
from escalate._report import ReportOptions
from escalate._report._model import Report, report_to_dict
from escalate._report._redact import redact_report
from escalate._scan import ScanConfig, SecretScanner

#: moves the cursor home and clears the screen: the terminal view is redrawn in place
CLEAR = "\x1b[H\x1b[2J"
#: file events and changes the terminal view keeps under the stages
RECENT_LINES = 8


@dataclass(frozen=True)
class FollowSettings:
    """How to follow: poll interval, when to stop, how to show it."""

    interval_s: float = 1.0
    timeout_s: float | None = None  #: None: until interrupted (Ctrl-C)
    fail_fast: bool = False  #: stop at the first failing stage
    terminal: bool = False  #: redraw a view in place rather than append lines


@dataclass(frozen=True)
class FollowResult:
    """How following ended."""

    report: Report  #: the report of everything read
    failed_fast: bool  #: stopped by `fail_fast` at a failing stage


def follow(
    paths: list[str],
    options: ReportOptions,
    settings: FollowSettings,
    write: Callable[[str], None],
    config: ScanConfig | None = None,
) -> FollowResult:
    """Follow `paths` until the timeout, Ctrl-C or (with fail_fast) a failing stage.

    `write` receives the scanned lines or views; the result's report is scanned afresh, so its
    redaction counts are those of one scan. Raises `InputError` when a path does not exist.
    """
    tail, live = Tail(paths), LiveState(options)
    show = _Display(settings.terminal, write, SecretScanner(config))
    deadline = None if settings.timeout_s is None else time.monotonic() + settings.timeout_s
    report: Report | None = None
    try:
        while True:
            report = _refresh(tail, live, report, show)
            if settings.fail_fast and report.first_failing_stage is not None:
                show.lines([f"fail-fast: stage {report.first_failing_stage} fails; stopping"])
                return FollowResult(redact_report(live.report(), SecretScanner(config)), True)
            if not _wait(settings.interval_s, deadline):
                break
        report = _refresh(tail, live, report, show)  # what arrived during the last interval
    except KeyboardInterrupt:
        pass  # Ctrl-C: the normal way to stop following
    finally:
        tail.close()
    final = redact_report(live.report(), SecretScanner(config))
    show.lines([f"stopped: {status_line(final)}"])
    return FollowResult(final, False)


def _refresh(tail: Tail, live: LiveState, report: Report | None, show: _Display) -> Report:
    """Read what is new; when something was, rebuild the report and show what changed."""
    events = _poll(tail, live)
    if report is not None and not events:
        return report
    new = redact_report(live.report(), show.scanner)
    show.update(new, events + report_changes(report, new))
    return new


def _wait(interval_s: float, deadline: float | None) -> bool:
    """Sleep one interval (less before the deadline); False once the deadline has passed."""
    remaining = None if deadline is None else deadline - time.monotonic()
    if remaining is not None and remaining <= 0:
        return False
    time.sleep(interval_s if remaining is None else min(interval_s, remaining))
    return True


def _poll(tail: Tail, live: LiveState) -> list[str]:
    """Fold everything new; the file events, and `""` for new lines (something to rebuild)."""
    events: list[str] = []
    for block in tail.poll():
        live.add(block)
        if block.event:
            events.append(file_event(block.event, block.generation.name))
        elif not events or events[-1]:
            events.append("")
    return events


class _Display:
    """Appended plain lines, or a terminal view redrawn in place."""

    def __init__(
        self, terminal: bool, write: Callable[[str], None], scanner: SecretScanner
    ) -> None:
        self.terminal, self.write, self.scanner = terminal, write, scanner
        self.recent: collections.deque[str] = collections.deque(maxlen=RECENT_LINES)
        self.report: Report | None = None

    def update(self, report: Report, lines: list[str]) -> None:
        """Show a new report and what changed."""
        self.report = report
        self.lines(lines)

    def lines(self, lines: list[str]) -> None:
        """Append (or, on a terminal, add to the view's recent lines) each non-empty line."""
        stamped = [f"[{_now()}] {line}" for line in lines if line]
        if not self.terminal:
            for line in stamped:
                self.write(self.scanner.scan_text(line) + "\n")
            return
        self.recent.extend(stamped)
        if self.report is not None:
            self.write(CLEAR + self.scanner.scan_text(self._view(self.report)))

    def _view(self, report: Report) -> str:
        view = {"report": report_to_dict(report), "recent": list(self.recent), "updated": _now()}
        return render_document("follow", view, Format.TEXT)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%H:%M:%SZ")
