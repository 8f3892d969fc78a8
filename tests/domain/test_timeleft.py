"""Time left on the working-time calendar, in words and colour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketing.domain.calendar import WorkingCalendar
from ticketing.domain.timeleft import DONE, LATE, OK, PAUSED, WARN, time_left

CAL = WorkingCalendar(tz="Asia/Jakarta", country_holidays=False)


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026, WIB (UTC+7)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


@pytest.mark.parametrize("now,due,words,state", [
    (wib(2, 10), wib(2, 12), "sisa 2 jam", WARN),                # Wednesday, same day
    (wib(2, 10), wib(2, 11, 30), "sisa 1 jam", WARN),
    (wib(2, 10), wib(2, 10, 20), "sisa 20 menit", WARN),
    (wib(2, 8), wib(3, 12), "sisa 1 hari", OK),                 # 12.5 working hours
    (wib(2, 8), wib(2, 13), "sisa 5 jam", OK),
    # Friday 16:00 to Monday 08:00: only 30 working minutes (Friday closes 16:30).
    (wib(4, 16), wib(7, 8), "sisa 1 jam", WARN),
    (wib(4, 16, 15), wib(7, 7, 45), "sisa 30 menit", WARN),
    (wib(2, 13), wib(2, 10), "terlambat 3 jam", LATE),
    (wib(3, 10), wib(2, 10), "terlambat 1 hari", LATE),
    (wib(2, 10, 1), wib(2, 10), "terlambat 1 menit", LATE),
])
def test_words_and_state(now, due, words, state):
    result = time_left(CAL, now, due, "diproses")
    assert (result.words, result.state) == (words, state)


def test_weekend_does_not_count_as_late_time():
    # Due Friday 16:00, seen Monday 09:00: 30 minutes of Friday + 1.5 hours of Monday.
    result = time_left(CAL, wib(7, 9), wib(4, 16), "baru")
    assert result.words == "terlambat 2 jam"


def test_paused_and_finished_have_no_clock():
    assert time_left(CAL, wib(2, 10), None, "menunggu_pemohon").state == PAUSED
    assert time_left(CAL, wib(2, 10), wib(1, 10), "selesai").state == DONE
    assert time_left(CAL, wib(2, 10), wib(1, 10), "ditutup").words == "selesai"
