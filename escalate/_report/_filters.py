"""Options of a report and the record filters built from them.

Durations are written `0`, `90s`, `15m`, `2h` (or `1d`); a time is ISO 8601 (fractional seconds
and offsets allowed; no offset means UTC) or a duration before now (`--since 2h`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from escalate._report._reading._records import CallRecord, Record, WebhookRecord, format_ts

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
#: fits the documented webhook retry schedule: 1 + 5 + 15 + 60 minutes = 81 minutes, rounded up
DEFAULT_DELIVERY_GRACE_S = 90 * 60.0


class OptionError(ValueError):
    """An option value that cannot be understood (a bad duration or timestamp)."""


#: The longest duration an option takes (3650 days): `--since 99999999h` would start before the
#: year 1, where no date exists.
MAX_DURATION_S = 3650 * 86400


def parse_duration(text: str) -> float:
    """Parse `0`, `90s`, `15m`, `2h`, `1d` into seconds."""
    match = _DURATION.match(text)
    if not match:
        raise OptionError(f"invalid duration {text!r}: use e.g. 0, 90s, 15m, 2h")
    value, unit = match.groups()
    if unit == "" and float(value) != 0:
        raise OptionError(f"invalid duration {text!r}: give a unit (s, m, h), e.g. 90s")
    seconds = float(value) * _UNIT_SECONDS[unit]
    if seconds > MAX_DURATION_S:
        raise OptionError(f"duration {text!r} is too long: at most 3650 days (87600h)")
    return seconds


def parse_time(text: str, now: datetime | None = None) -> str:
    """Parse an ISO 8601 time or a relative duration into the canonical record timestamp."""
    if _DURATION.match(text) and not text.strip().isdigit():
        moment = (now or datetime.now(timezone.utc)) - timedelta(seconds=parse_duration(text))
        return format_ts(moment)
    try:
        return format_ts(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise OptionError(
            f"invalid time {text!r}: use ISO 8601 (2026-11-27T10:00:00Z) or a duration (2h)"
        ) from None


class Engine(enum.Enum):
    """Where the logs are read and folded: this machine (`--jobs`) or a Dask cluster."""

    LOCAL = "local"
    DASK = "dask"


@dataclass(frozen=True)
class ReportOptions:
    """How to build a report; every field has a default."""

    since: str | None = None  #: ISO 8601 or relative (`2h`)
    until: str | None = None
    client: str | None = None  #: apiClientId
    message_id: str | None = None
    request_id: str | None = None
    route: str | None = None
    delivery_grace_s: float = DEFAULT_DELIVERY_GRACE_S
    jobs: int = 1
    progress: Callable[[int], None] | None = None  #: called with the bytes read since its last call
    engine: Engine = Engine.LOCAL
    scheduler: str | None = None  #: Dask's; None: $DASK_SCHEDULER_ADDRESS, else a local cluster


@dataclass(frozen=True)
class RecordFilter:
    """Which records a report uses; picklable, so worker processes get it as is."""

    since: str | None = None  #: canonical timestamps
    until: str | None = None
    message_id: str | None = None
    request_id: str | None = None
    route: str | None = None
    client_tokens: frozenset[str] | None = None  #: token fingerprints of the `--client`
    client_messages: frozenset[str] | None = None
    #: the send operations the message or request id belongs to (see `_related`): when set, they
    #: replace the plain id match, so every attempt, key and webhook of the operation is kept
    operations: frozenset[str] | None = None
    operation_messages: frozenset[str] = frozenset()
    operation_references: frozenset[str] = frozenset()

    def accepts(self, record: Record) -> bool:
        """True when the record passes every filter."""
        if self.since is not None and record.ts < self.since:
            return False
        if self.until is not None and record.ts > self.until:
            return False
        if self.route is not None and record.route != self.route:
            return False
        if type(record) is CallRecord:
            return self._accepts_call(record)
        return self._accepts_webhook(record)  # type: ignore[arg-type]

    def _accepts_call(self, call: CallRecord) -> bool:
        if self.operations is not None:
            if call.operation not in self.operations and not self._carries_id(call):
                return False
        elif not self._carries_id(call):
            return False
        return self.client_tokens is None or bool(self.client_tokens & call_token_fps(call))

    def _carries_id(self, call: CallRecord) -> bool:
        if self.request_id is not None and call.request_id != self.request_id:
            return False
        return self.message_id is None or self.message_id in call_message_ids(call)

    def _accepts_webhook(self, hook: WebhookRecord) -> bool:
        if not self._webhook_of_id(hook):
            return False
        return self.client_messages is None or hook.message_id in self.client_messages

    def _webhook_of_id(self, hook: WebhookRecord) -> bool:
        """The receipt belongs to the operations, or to the message id; a request id has none."""
        if self.operations is not None:
            return (
                hook.message_id in self.operation_messages
                or hook.external_reference in self.operation_references
            )
        if self.request_id is not None:
            return False
        return self.message_id is None or hook.message_id == self.message_id


def call_message_ids(call: CallRecord) -> tuple[str, ...]:
    """The messageIds a send's response gave."""
    results = call.response.get("results") if call.response else None
    if not isinstance(results, list):
        return ()
    return tuple(r["messageId"] for r in results if isinstance(r, dict) and "messageId" in r)


def call_token_fps(call: CallRecord) -> frozenset[str]:
    """Fingerprints of the bearer token a call used, or of the token a token call issued."""
    found = set()
    if call.token and isinstance(call.token.get("fingerprint"), str):
        found.add(call.token["fingerprint"])
    issued = call.response.get("token_fingerprint") if call.response else None
    if isinstance(issued, str):
        found.add(issued)
    return frozenset(found)


def build_filter(options: ReportOptions, now: datetime | None = None) -> RecordFilter | None:
    """The record filter of the options (None when nothing is filtered: the fast path)."""
    record_filter = RecordFilter(
        since=parse_time(options.since, now) if options.since else None,
        until=parse_time(options.until, now) if options.until else None,
        message_id=options.message_id,
        request_id=options.request_id,
        route=options.route,
    )
    return None if record_filter == RecordFilter() else record_filter


def filter_description(options: ReportOptions) -> tuple[tuple[str, str], ...]:
    """The filters as (option, value) pairs for the report header."""
    pairs = (
        ("--since", options.since),
        ("--until", options.until),
        ("--client", options.client),
        ("--message-id", options.message_id),
        ("--request-id", options.request_id),
        ("--route", options.route),
    )
    return tuple((name, value) for name, value in pairs if value)
