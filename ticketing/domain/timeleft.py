"""How much working time a ticket has left, for the queue ("sisa 2 jam", "terlambat 1 hari").

Pure: the calendar and `now` are passed in. Time is counted on the office's working-time
calendar, so a deadline on Monday 08:00 seen on Friday 16:00 is "sisa 30 menit", not 64 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .calendar import WorkingCalendar
from .durations import largest_unit
from .lifecycle import CLOCK_RUNNING

#: below this many working seconds left a ticket is shown as urgent (amber)
WARN_SECONDS = 2 * 3600

OK, WARN, LATE, PAUSED, DONE = "ok", "warn", "late", "paused", "done"


@dataclass(frozen=True)
class TimeLeft:
    #: ok | warn | late | paused | done (drives the colour)
    state: str
    #: whole amount in `unit` (days and hours rounded down, minutes up)
    amount: int = 0
    #: menit | jam | hari
    unit: str = ""

    @property
    def words(self) -> str:
        """Indonesian words; the UI translates the same pieces through Babel."""
        if self.state == PAUSED:
            return "jeda: menunggu pemohon"
        if self.state == DONE:
            return "selesai"
        prefix = "terlambat" if self.state == LATE else "sisa"
        return f"{prefix} {self.amount} {self.unit}"


def _amount(seconds: float) -> tuple[int, str]:
    """Largest unit that is at least 1 (domain.durations.largest_unit)."""
    return largest_unit(seconds)


def time_left(calendar: WorkingCalendar, now: datetime, due: datetime | None,
              status: str) -> TimeLeft:
    """The SLA state of a ticket at `now`."""
    if status == "menunggu_pemohon":
        return TimeLeft(PAUSED)
    if status not in CLOCK_RUNNING or due is None:
        return TimeLeft(DONE)
    if due > now:
        seconds = calendar.working_seconds_between(now, due)
        if seconds <= 0:
            # Due before the office opens again (e.g. tonight): nothing left to work with.
            return TimeLeft(WARN, 0, "menit")
        amount, unit = _amount(seconds)
        return TimeLeft(WARN if seconds <= WARN_SECONDS else OK, amount, unit)
    seconds = calendar.working_seconds_between(due, now)
    amount, unit = _amount(seconds)
    return TimeLeft(LATE, amount, unit)
