"""Working durations in words: the one formatter (queue, board, mails, reports).

Office days are the standard day of 8.5 hours (domain.calendar.STANDARD_DAY_SECONDS); a
duration is cut to whole minutes (never overstated) and told in working days, hours and
minutes: 34,190 s is "1 hari kerja 59 menit" everywhere, and (1, "hari") in the queue's
compact "sisa 1 hari".
"""

from __future__ import annotations

import math

from .calendar import STANDARD_DAY_SECONDS

DAY_MINUTES = int(STANDARD_DAY_SECONDS // 60)


def parts(seconds: float) -> tuple[int, int, int]:
    """(working days, hours, minutes) of a duration, cut to whole minutes."""
    minutes = int(max(float(seconds), 0.0) // 60)
    days, rest = divmod(minutes, DAY_MINUTES)
    hours, minutes = divmod(rest, 60)
    return days, hours, minutes


def format_working_duration(seconds: float | None) -> str:
    """'1 hari kerja 2 jam 5 menit', '45 menit', 'kurang dari 1 menit'; '-' for None."""
    if seconds is None:
        return "-"
    days, hours, minutes = parts(seconds)
    words = []
    if days:
        words.append(f"{days} hari kerja")
    if hours:
        words.append(f"{hours} jam")
    if minutes:
        words.append(f"{minutes} menit")
    return " ".join(words) or "kurang dari 1 menit"


def largest_unit(seconds: float) -> tuple[int, str]:
    """The compact form: the largest unit that is at least 1 (hari, jam, menit), whole;
    under an hour the minutes are rounded up, so time left never reads as 0."""
    days, hours, _ = parts(seconds)
    if days:
        return days, "hari"
    if hours:
        return hours, "jam"
    return max(1, math.ceil(max(float(seconds), 0.0) / 60)), "menit"
