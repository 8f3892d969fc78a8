"""Reporting periods: quarters, months, ranges; their bounds in WIB and what comes before."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ticketing.domain.periods import (
    PeriodError,
    containing,
    date_range,
    parse_period,
    quarter,
    recent,
)


def test_quarter_bounds_are_wib_midnights():
    period = parse_period("2026-Q4")
    assert period.kind == "quarter" and period.key == "2026-Q4"
    assert (period.start, period.last_day) == (date(2026, 10, 1), date(2026, 12, 31))
    start, end = period.bounds("Asia/Jakarta")
    assert start.astimezone(UTC) == datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert period.label == "Triwulan IV 2026"


def test_month_and_previous_periods():
    nov = parse_period("2026-11")
    assert nov.key == "2026-11" and nov.label == "November 2026" and nov.days == 30
    assert nov.previous().key == "2026-10"
    assert parse_period("2027-01").previous().key == "2026-12"
    assert parse_period("2027-Q1").previous().key == "2026-Q4"
    assert parse_period("2026-q2").previous().key == "2026-Q1"
    span = date_range(date(2026, 10, 1), date(2026, 10, 10))
    assert span.previous().start == date(2026, 9, 21) and span.previous().end == span.start
    assert span.key == "2026-10-01..2026-10-10"


def test_weeks_and_months_touched():
    period = quarter(2026, 4)
    weeks = period.weeks()
    assert weeks[0] == date(2026, 9, 28) and weeks[-1] == date(2026, 12, 28)
    assert all(w.weekday() == 0 for w in weeks) and len(weeks) == 14
    assert period.months() == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]


@pytest.mark.parametrize("text, words", [
    ("", "belum diisi"), ("2026-Q5", "tidak dikenal"), ("2026-13", "Bulan 13 tidak ada"),
    ("Q4-2026", "tidak dikenal"), ("1899-Q1", "Tahun 1899"), ("2026-11-01", "tidak dikenal"),
])
def test_bad_periods_say_what_is_wrong(text, words):
    with pytest.raises(PeriodError, match=words):
        parse_period(text)


def test_ranges_are_checked():
    with pytest.raises(PeriodError):
        date_range(date(2026, 10, 2), date(2026, 10, 1))
    with pytest.raises(PeriodError):
        date_range(date(2020, 1, 1), date(2026, 1, 1))


def test_recent_and_containing():
    assert containing(date(2026, 11, 15), "quarter").key == "2026-Q4"
    assert [p.key for p in recent(date(2026, 2, 1), "month", 3)] == ["2026-02", "2026-01",
                                                                     "2025-12"]
