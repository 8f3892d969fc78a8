"""SLA rules: where a ticket stands against its deadline, and who must be told.

Pure domain logic: no Flask, no database, no global clock. Every function receives `now`
and the working-time calendar, so each rule can be tested with an explicit moment.

Vocabulary:
- a *window* is one stretch of the clock towards one deadline. The first window runs from
  receipt to the first substantive answer; a reopen ("belum dipahami") or a transfer to
  another unit starts a new window, in which warnings and escalations may be sent again;
- a *stage* is how far the current window has gone: WARNING (75% of the target used),
  LEVEL_1 (due time passed) or LEVEL_2 (one more working day past due);
- a *notification* is the mail sent once per ticket, stage and window.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .calendar import STANDARD_DAY_SECONDS, WorkingCalendar
from .durations import format_working_duration
from .lifecycle import CLOCK_RUNNING

__all__ = [
    "LEVELS",
    "LEVEL_1",
    "LEVEL_2",
    "LEVEL_LABELS",
    "WARNING",
    "Clock",
    "Person",
    "SlaState",
    "Thresholds",
    "after_working_days",
    "format_working_duration",
    "is_due_on_day",
    "notifications_due",
    "recipients",
    "sla_state",
]

#: Notification levels. 1 and 2 are the ticket's escalation_level after they are sent.
WARNING, LEVEL_1, LEVEL_2 = 0, 1, 2
LEVELS = (WARNING, LEVEL_1, LEVEL_2)
LEVEL_LABELS = {
    WARNING: "Pengingat 75%",
    LEVEL_1: "Eskalasi 1 (ketua tim)",
    LEVEL_2: "Eskalasi 2 (kabid)",
}

#: Roles that receive escalations, in the order the chain climbs.
CHAIN_ROLES = ("ketua_tim", "kabid", "kepala_dinas")


@dataclass(frozen=True)
class Thresholds:
    """When each notification falls due; defaults from the issue, configurable per service."""

    #: share of the window's target that may elapse before the reminder (0.75 = 75%)
    warning_share: float = 0.75
    #: working days past due before level 2
    level2_days: float = 1.0

    def __post_init__(self) -> None:
        if not (isinstance(self.warning_share, (int, float)) and 0 < self.warning_share < 1):
            raise ValueError(f"warning_share must be between 0 and 1, got {self.warning_share!r}")
        if not (math.isfinite(self.level2_days) and self.level2_days > 0):
            raise ValueError(f"level2_days must be positive, got {self.level2_days!r}")


@dataclass(frozen=True)
class Clock:
    """What the SLA rules need to know about one ticket's current window."""

    status: str
    #: the window's deadline; None while paused (menunggu_pemohon) or stopped
    due: datetime | None
    #: the window's target in working seconds (fixed when the window started)
    target_seconds: float
    #: working seconds left when the clock was paused, for paused tickets
    paused_remaining_seconds: float | None = None

    @property
    def is_running(self) -> bool:
        return self.status in CLOCK_RUNNING and self.due is not None


@dataclass(frozen=True)
class SlaState:
    """A ticket against its deadline at one moment."""

    is_running: bool
    #: WARNING, LEVEL_1, LEVEL_2, or None (on track, paused or answered)
    stage: int | None
    due: datetime | None
    #: share of the target used (0.0 .. >1.0); None when the clock does not run
    elapsed_share: float | None
    #: when level 2 falls due; None when the clock does not run
    level2_at: datetime | None
    #: working seconds past due (0.0 when not late)
    late_seconds: float

    @property
    def is_overdue(self) -> bool:
        return self.stage is not None and self.stage >= LEVEL_1

    @property
    def escalation_level(self) -> int:
        """0, 1 or 2: the escalation the clock calls for now (a warning is not one)."""
        return self.stage if self.stage is not None and self.stage >= LEVEL_1 else 0


@dataclass(frozen=True)
class Person:
    """A member of staff as the escalation rules see them."""

    id: int
    email: str
    name: str
    role: str
    unit: str | None
    is_active: bool = True


def _aware(dt: datetime, name: str) -> datetime:
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {dt!r}")
    return dt.astimezone(UTC)


def after_working_days(calendar: WorkingCalendar, moment: datetime, days: float) -> datetime:
    """The moment `days` working days after `moment` (UTC).

    Like WorkingCalendar.add_working_days, except that a moment at closing time (a deadline
    "by 16.00") stays at that day's end: the next day's closing time, not the morning after.
    """
    moment = _aware(moment, "moment")
    if days <= 0:
        return moment
    if calendar.is_open(moment):
        return calendar.add_working_days(moment, days)
    hours = calendar.hours_on(moment)
    at_close = hours is not None and hours[1].astimezone(UTC) == moment
    if not at_close:
        return calendar.add_working_days(moment, days)
    whole = int(days)
    cur = moment
    day = moment.astimezone(hours[1].tzinfo).date()
    found = 0
    while found < whole:
        day += timedelta(days=1)
        span = calendar.hours_on(day)
        if span is not None:
            found += 1
            cur = span[1].astimezone(UTC)
    fraction = days - whole
    if fraction > 0:
        cur = calendar.add_working_seconds(cur, fraction * STANDARD_DAY_SECONDS)
    return cur


def sla_state(clock: Clock, now: datetime, calendar: WorkingCalendar,
              thresholds: Thresholds = Thresholds()) -> SlaState:
    """Where the clock stands at `now`: stage, share used, time late."""
    now = _aware(now, "now")
    if not clock.is_running:
        return SlaState(False, None, clock.due, None, None, 0.0)
    due = _aware(clock.due, "due")  # type: ignore[arg-type]
    target = max(float(clock.target_seconds or 0.0), 0.0)
    level2_at = after_working_days(calendar, due, thresholds.level2_days)
    if now >= due:
        late = calendar.working_seconds_between(due, now)
        stage = LEVEL_2 if now >= level2_at else LEVEL_1
        share = 1.0 + (late / target if target else 0.0)
        return SlaState(True, stage, due, share, level2_at, late)
    remaining = calendar.working_seconds_between(now, due)
    share = (target - remaining) / target if target else 1.0
    # Compare the remaining time, not the share, so float rounding cannot move the moment.
    stage = WARNING if remaining <= (1 - thresholds.warning_share) * target else None
    return SlaState(True, stage, due, max(share, 0.0), level2_at, 0.0)


def notifications_due(state: SlaState, already_sent: Iterable[int]) -> list[int]:
    """Levels to send now, given those already sent in this window.

    Escalations are cumulative (a check that was down for a day still tells the ketua tim
    and then the kabid); the reminder is only worth sending while it is the current stage.
    """
    if state.stage is None:
        return []
    sent = set(already_sent)
    if state.stage == WARNING:
        return [] if WARNING in sent else [WARNING]
    return [level for level in (LEVEL_1, LEVEL_2) if level <= state.stage and level not in sent]


def _chain(people: Sequence[Person], roles: Sequence[str], unit: str | None,
           *, any_unit: bool = False) -> list[Person]:
    """The first role in `roles` that has active people (of `unit`, or of any unit)."""
    for role in roles:
        found = [
            p for p in people
            if p.is_active and p.role == role
            and (role == "kepala_dinas" or any_unit or p.unit == unit)
        ]
        if found:
            return sorted(found, key=lambda p: (p.unit or "", p.email))
    return []


def recipients(level: int, unit: str | None, assignee: Person | None,
               people: Sequence[Person]) -> list[Person]:
    """Who is told, by level: reminder to the assignee (or the ketua tim when unassigned);
    level 1 to the unit's ketua tim(s); level 2 to the unit's kabid.

    A ticket in triage (no unit) goes to both units' ketua tim, and at level 2 to both
    units' kabid. When a role is vacant the next one up is told, so an escalation is never
    lost; nobody of another unit is ever told about a unit's ticket.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    triage = unit is None
    if level == WARNING:
        if assignee is not None and assignee.is_active and (triage or assignee.unit == unit):
            return [assignee]
        roles = CHAIN_ROLES
    elif level == LEVEL_1:
        roles = CHAIN_ROLES
    else:
        roles = CHAIN_ROLES[1:]
    return _chain(people, roles, unit, any_unit=triage)


def is_due_on_day(due: datetime | None, now: datetime, tz) -> bool:
    """True when `due` falls on the same office-calendar day as `now` and has not passed."""
    if due is None:
        return False
    return due > now and due.astimezone(tz).date() == now.astimezone(tz).date()
