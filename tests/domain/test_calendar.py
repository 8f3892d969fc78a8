"""Tests for the office working-time calendar (pure domain, no app).

Expected values are hand-computed from the 2026 Indonesian calendar:
2026-07-03 Fri, 2026-07-06 Mon, 2026-12-23 Wed, 2026-12-24 cuti bersama Natal,
2026-12-25 Natal, 2026-03-18..24 Nyepi + Idul Fitri cluster, 2026-02-16/17 Imlek.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ticketing.domain.calendar import (
    DEFAULT_WEEKLY_HOURS,
    MAX_SCAN_DAYS,
    RAMADAN_WEEKLY_HOURS,
    STANDARD_DAY_SECONDS,
    SpecialHours,
    WorkingCalendar,
)

WIB = ZoneInfo("Asia/Jakarta")
UTC = UTC
H = 3600.0


def wib(*args: int) -> datetime:
    """Aware Asia/Jakarta datetime."""
    return datetime(*args, tzinfo=WIB)


def utc(*args: int) -> datetime:
    """Aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    """Default calendar: Mon-Thu 07:30-16:00, Fri 07:30-16:30, ID holidays."""
    return WorkingCalendar()


# Ramadan 1447 H as configured by the admin for these tests.
RAMADAN = SpecialHours(date(2026, 2, 19), date(2026, 3, 19), RAMADAN_WEEKLY_HOURS, "Ramadan 1447")


@pytest.fixture(scope="module")
def ramadan_cal() -> WorkingCalendar:
    """Calendar with the Ramadan special-hours period."""
    return WorkingCalendar(special_periods=[RAMADAN])


# ------------------------------------------------------------ weekends/basics


def test_weekends_are_not_working_days(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(date(2026, 7, 4)) is False  # Saturday
    assert cal.is_working_day(date(2026, 7, 5)) is False  # Sunday
    assert cal.is_working_day(date(2026, 7, 6)) is True  # Monday
    assert cal.hours_on(date(2026, 7, 4)) is None
    assert cal.day_length_seconds(date(2026, 7, 5)) == 0.0
    assert cal.holiday_name(date(2026, 7, 4)) is None  # closed, but not a holiday
    assert cal.is_open(wib(2026, 7, 4, 10, 0)) is False


def test_hours_on_regular_days_are_local(cal: WorkingCalendar) -> None:
    assert cal.hours_on(date(2026, 7, 6)) == (wib(2026, 7, 6, 7, 30), wib(2026, 7, 6, 16, 0))
    open_dt, close_dt = cal.hours_on(date(2026, 7, 3))  # type: ignore[misc]
    assert (open_dt, close_dt) == (wib(2026, 7, 3, 7, 30), wib(2026, 7, 3, 16, 30))
    assert open_dt.tzinfo == WIB
    assert cal.day_length_seconds(date(2026, 7, 6)) == 8.5 * H
    assert cal.day_length_seconds(date(2026, 7, 3)) == 9.0 * H


def test_is_open_boundaries(cal: WorkingCalendar) -> None:
    assert cal.is_open(wib(2026, 7, 6, 7, 29, 59)) is False
    assert cal.is_open(wib(2026, 7, 6, 7, 30)) is True
    assert cal.is_open(wib(2026, 7, 6, 15, 59, 59)) is True
    assert cal.is_open(wib(2026, 7, 6, 16, 0)) is False  # half-open: closing instant is closed
    assert cal.is_open(wib(2026, 7, 3, 16, 15)) is True  # Friday closes 16:30
    assert cal.is_open(wib(2026, 7, 3, 16, 30)) is False


# ------------------------------------------------------------ holidays


def test_cuti_bersama_christmas_2026_is_non_working(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(date(2026, 12, 24)) is False
    assert cal.holiday_name(date(2026, 12, 24)) == "Cuti Bersama Hari Raya Natal"
    assert cal.holiday_name(date(2026, 12, 25)) == "Hari Raya Natal"
    assert cal.is_working_day(date(2026, 12, 23)) is True
    assert cal.hours_on(date(2026, 12, 24)) is None


def test_due_date_over_christmas_cluster(cal: WorkingCalendar) -> None:
    # Wed 23 Dec 10:00 + 1 working day: 24 cuti, 25 Natal, 26-27 weekend -> Mon 28 Dec 10:00.
    due = cal.add_working_days(wib(2026, 12, 23, 10, 0), 1)
    assert due == wib(2026, 12, 28, 10, 0)
    assert due.tzinfo is UTC
    assert due == utc(2026, 12, 28, 3, 0)


def test_holidays_can_be_disabled() -> None:
    no_hol = WorkingCalendar(country_holidays=False)
    assert no_hol.is_working_day(date(2026, 12, 24)) is True
    assert no_hol.holiday_name(date(2026, 12, 25)) is None
    assert no_hol.add_working_days(wib(2026, 12, 23, 10, 0), 1) == wib(2026, 12, 24, 10, 0)


def test_holiday_cache_extends_across_years(cal: WorkingCalendar) -> None:
    # Thu 31 Dec 2026 + 1 day: 1 Jan 2027 (Tahun Baru) is Friday -> Mon 4 Jan 2027.
    assert cal.add_working_days(wib(2026, 12, 31, 9, 0), 1) == wib(2027, 1, 4, 9, 0)
    assert cal.holiday_name(date(2027, 1, 1)) == "Tahun Baru Masehi"


@pytest.mark.parametrize("day", range(18, 25))
def test_eid_al_fitr_2026_cluster_is_closed(cal: WorkingCalendar, day: int) -> None:
    d = date(2026, 3, day)
    assert cal.is_working_day(d) is False
    assert cal.hours_on(d) is None


def test_eid_al_fitr_2026_cluster_names_and_edges(cal: WorkingCalendar) -> None:
    assert cal.holiday_name(date(2026, 3, 19)) == "Hari Suci Nyepi"
    assert cal.holiday_name(date(2026, 3, 21)) == "Hari Raya Idul Fitri"
    assert cal.holiday_name(date(2026, 3, 23)) == "Cuti Bersama Hari Raya Idul Fitri"
    assert cal.is_working_day(date(2026, 3, 17)) is True
    assert cal.is_working_day(date(2026, 3, 25)) is True
    # Tue 17 Mar 10:00 + 1 day -> Wed 25 Mar 10:00; nothing counts over the cluster.
    assert cal.add_working_days(wib(2026, 3, 17, 10, 0), 1) == wib(2026, 3, 25, 10, 0)
    assert cal.working_seconds_between(wib(2026, 3, 17, 16, 0), wib(2026, 3, 25, 7, 30)) == 0.0
    assert cal.next_opening(wib(2026, 3, 17, 16, 0)) == wib(2026, 3, 25, 7, 30)
    # 4 h left on Tue 17 Mar (12:00-16:00), then 1 h on Wed 25 Mar.
    assert cal.add_working_seconds(wib(2026, 3, 17, 12, 0), 5 * H) == wib(2026, 3, 25, 8, 30)


# ------------------------------------------------------------ next_opening


def test_request_at_1559_friday_is_inside_hours(cal: WorkingCalendar) -> None:
    received = wib(2026, 7, 3, 15, 59)
    assert cal.is_open(received) is True
    assert cal.next_opening(received) == received
    assert cal.next_opening(received) == utc(2026, 7, 3, 8, 59)
    assert cal.next_opening(received).tzinfo is UTC


def test_request_at_2000_sunday_starts_monday_morning(cal: WorkingCalendar) -> None:
    assert cal.next_opening(wib(2026, 7, 5, 20, 0)) == wib(2026, 7, 6, 7, 30)
    assert cal.next_opening(wib(2026, 7, 5, 20, 0)) == utc(2026, 7, 6, 0, 30)


def test_request_sunday_before_monday_holiday(cal: WorkingCalendar) -> None:
    # Mon 17 Aug 2026 is Independence Day -> Tuesday 07:30.
    assert cal.next_opening(wib(2026, 8, 16, 20, 0)) == wib(2026, 8, 18, 7, 30)


def test_next_opening_before_open_and_after_close(cal: WorkingCalendar) -> None:
    assert cal.next_opening(wib(2026, 7, 6, 6, 0)) == wib(2026, 7, 6, 7, 30)
    assert cal.next_opening(wib(2026, 7, 6, 16, 0)) == wib(2026, 7, 7, 7, 30)
    assert cal.next_opening(wib(2026, 7, 3, 16, 30)) == wib(2026, 7, 6, 7, 30)


# ------------------------------------------------------------ closures


def test_admin_closure() -> None:
    closed = WorkingCalendar(closures={date(2026, 7, 6): "Pemadaman listrik"})
    assert closed.is_working_day(date(2026, 7, 6)) is False
    assert closed.holiday_name(date(2026, 7, 6)) == "Pemadaman listrik"
    assert closed.next_opening(wib(2026, 7, 5, 20, 0)) == wib(2026, 7, 7, 7, 30)
    assert closed.add_working_days(wib(2026, 7, 3, 10, 0), 1) == wib(2026, 7, 7, 10, 0)
    # The default calendar is unaffected.
    assert WorkingCalendar().is_working_day(date(2026, 7, 6)) is True


def test_closure_reason_wins_over_holiday_name() -> None:
    closed = WorkingCalendar(closures={date(2026, 12, 25): "Kantor tutup"})
    assert closed.holiday_name(date(2026, 12, 25)) == "Kantor tutup"


def test_closures_are_copied_on_construction() -> None:
    src = {date(2026, 7, 6): "Rapat"}
    c = WorkingCalendar(closures=src)
    src[date(2026, 7, 7)] = "later"
    assert c.is_working_day(date(2026, 7, 7)) is True


# ------------------------------------------------------------ Ramadan


def test_ramadan_special_hours_start_0800(ramadan_cal: WorkingCalendar) -> None:
    mon = date(2026, 2, 23)
    assert ramadan_cal.hours_on(mon) == (wib(2026, 2, 23, 8, 0), wib(2026, 2, 23, 15, 0))
    assert ramadan_cal.hours_on(date(2026, 2, 27)) == (wib(2026, 2, 27, 8, 0),
                                                       wib(2026, 2, 27, 15, 30))
    assert ramadan_cal.is_open(wib(2026, 2, 23, 7, 45)) is False
    assert ramadan_cal.next_opening(wib(2026, 2, 23, 7, 45)) == wib(2026, 2, 23, 8, 0)
    assert ramadan_cal.day_length_seconds(mon) == 7.0 * H
    # Outside the period the regular 07:30 opening applies again.
    assert ramadan_cal.hours_on(date(2026, 2, 13))[0] == wib(2026, 2, 13, 7, 30)  # type: ignore[index]
    assert ramadan_cal.hours_on(date(2026, 3, 25))[0] == wib(2026, 3, 25, 7, 30)  # type: ignore[index]
    # Holidays still win over special hours (Nyepi, inside the period).
    assert ramadan_cal.hours_on(date(2026, 3, 19)) is None


def test_ramadan_due_date_clamps_into_shorter_day(ramadan_cal: WorkingCalendar) -> None:
    # Fri 13 Feb 07:45; 16 Feb cuti Imlek, 17 Imlek -> day 1 Wed 18 Feb 07:45 (regular),
    # day 2 Thu 19 Feb (Ramadan) 07:45 clamps to 08:00.
    assert ramadan_cal.add_working_days(wib(2026, 2, 13, 7, 45), 1) == wib(2026, 2, 18, 7, 45)
    assert ramadan_cal.add_working_days(wib(2026, 2, 13, 7, 45), 2) == wib(2026, 2, 19, 8, 0)
    # Receipt at 07:45 during Ramadan is normalised to 08:00 first, and that anchor is kept:
    # Mon 16 Mar -> Tue 17 Mar 08:00 -> (Eid cluster) Wed 25 Mar 08:00.
    assert ramadan_cal.add_working_days(wib(2026, 3, 16, 7, 45), 2) == wib(2026, 3, 25, 8, 0)
    # Late receipt clamps to Ramadan close: Wed 18 Feb 15:45 + 1 -> Thu 19 Feb 15:00.
    assert ramadan_cal.add_working_days(wib(2026, 2, 18, 15, 45), 1) == wib(2026, 2, 19, 15, 0)


def test_anchor_time_survives_a_short_special_day() -> None:
    # One special 08:00-15:00 day (Tue 7 Jul): Mon 07:45 + 1 clamps to 08:00 there,
    # but + 2 returns to the original 07:45 on Wednesday (anchor is the receipt time).
    c = WorkingCalendar(special_periods=[
        SpecialHours(date(2026, 7, 7), date(2026, 7, 7), RAMADAN_WEEKLY_HOURS)])
    assert c.add_working_days(wib(2026, 7, 6, 7, 45), 1) == wib(2026, 7, 7, 8, 0)
    assert c.add_working_days(wib(2026, 7, 6, 7, 45), 2) == wib(2026, 7, 8, 7, 45)


def test_later_special_period_wins() -> None:
    short = {wd: (time(9, 0), time(12, 0)) for wd in range(5)}
    c = WorkingCalendar(
        special_periods=[RAMADAN, SpecialHours(date(2026, 3, 2), date(2026, 3, 2), short, "Acara")]
    )
    assert c.hours_on(date(2026, 3, 2)) == (wib(2026, 3, 2, 9, 0), wib(2026, 3, 2, 12, 0))
    assert c.hours_on(date(2026, 3, 3)) == (wib(2026, 3, 3, 8, 0), wib(2026, 3, 3, 15, 0))


# ------------------------------------------------------------ add_working_seconds


def test_add_working_seconds_across_night(cal: WorkingCalendar) -> None:
    # Thu 15:00 + 2 h: 1 h Thu, 1 h Fri morning.
    assert cal.add_working_seconds(wib(2026, 7, 2, 15, 0), 2 * H) == wib(2026, 7, 3, 8, 30)


def test_add_working_seconds_across_weekend(cal: WorkingCalendar) -> None:
    # Fri 16:00 + 1 h: 30 min Fri, 30 min Mon.
    assert cal.add_working_seconds(wib(2026, 7, 3, 16, 0), 1 * H) == wib(2026, 7, 6, 8, 0)
    # Saturday start: clock starts Monday 07:30.
    assert cal.add_working_seconds(wib(2026, 7, 4, 11, 0), 0) == wib(2026, 7, 6, 7, 30)
    assert cal.add_working_seconds(wib(2026, 7, 4, 11, 0), 90 * 60) == wib(2026, 7, 6, 9, 0)


def test_add_working_seconds_ending_exactly_at_close(cal: WorkingCalendar) -> None:
    assert cal.add_working_seconds(wib(2026, 7, 6, 7, 30), 8.5 * H) == wib(2026, 7, 6, 16, 0)
    # A full week Mon-Fri is 4 * 8.5 + 9 = 43 h, ending Friday 16:30.
    assert cal.add_working_seconds(wib(2026, 7, 6, 7, 30), 43 * H) == wib(2026, 7, 10, 16, 30)
    assert cal.add_working_seconds(wib(2026, 7, 6, 7, 30), 43 * H + 1) == wib(2026, 7, 13, 7, 30, 1)


def test_add_working_seconds_rejects_negative(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_seconds(wib(2026, 7, 6, 9, 0), -1)
    with pytest.raises(ValueError):
        cal.add_working_seconds(wib(2026, 7, 6, 9, 0), float("nan"))


# ------------------------------------------------------------ working_seconds_between


def test_working_seconds_between_week_and_christmas(cal: WorkingCalendar) -> None:
    assert cal.working_seconds_between(wib(2026, 7, 6, 0, 0), wib(2026, 7, 13, 0, 0)) == 43 * H
    # Christmas week: Mon-Wed only (3 * 8.5 h).
    assert cal.working_seconds_between(wib(2026, 12, 21), wib(2026, 12, 28)) == 25.5 * H
    assert cal.working_seconds_between(wib(2026, 7, 6, 10, 0), wib(2026, 7, 6, 10, 0)) == 0.0
    assert cal.working_seconds_between(wib(2026, 7, 7), wib(2026, 7, 6)) == 0.0
    assert cal.working_seconds_between(wib(2026, 7, 6, 15, 0), wib(2026, 7, 7, 8, 0)) == 1.5 * H


def test_working_days_between_uses_standard_day(cal: WorkingCalendar) -> None:
    assert STANDARD_DAY_SECONDS == 8.5 * H
    assert cal.working_days_between(wib(2026, 12, 21), wib(2026, 12, 28)) == pytest.approx(3.0)
    assert cal.working_days_between(wib(2026, 7, 6), wib(2026, 7, 13)) == pytest.approx(43 / 8.5)


PROPERTY_STARTS = [
    wib(2026, 7, 6, 7, 30),  # Monday opening
    wib(2026, 7, 3, 16, 29),  # Friday last minute
    wib(2026, 7, 4, 3, 0),  # Saturday night
    wib(2026, 12, 23, 15, 0),  # before the Christmas cluster
    wib(2026, 3, 17, 12, 34, 56),  # before the Eid cluster
    wib(2026, 2, 18, 14, 0),  # day before Ramadan starts
    utc(2026, 12, 31, 5, 0),  # year boundary, given in UTC
]
PROPERTY_SECONDS = [0.0, 1.0, 59.5, H, 8.5 * H, 9 * H, 100_000.0, 500_000.0]


@pytest.mark.parametrize("calendar_name", ["cal", "ramadan_cal"])
def test_between_is_inverse_of_add(calendar_name: str, request: pytest.FixtureRequest) -> None:
    c: WorkingCalendar = request.getfixturevalue(calendar_name)
    for start in PROPERTY_STARTS:
        prev_end = None
        for secs in PROPERTY_SECONDS:
            end = c.add_working_seconds(start, secs)
            assert c.working_seconds_between(start, end) == pytest.approx(secs, abs=1e-5), (
                start, secs)
            assert end >= start
            if prev_end is not None:
                assert end >= prev_end  # monotone in seconds
            prev_end = end
            if secs > 0:
                # Result is inside hours or exactly at a closing time.
                local = end.astimezone(WIB)
                hrs = c.hours_on(local.date())
                assert hrs is not None and hrs[0] < local <= hrs[1]


# ------------------------------------------------------------ add_working_days


def test_friday_1615_plus_one_day_clamps_to_monday_close(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(wib(2026, 7, 3, 16, 15), 1) == wib(2026, 7, 6, 16, 0)
    assert cal.add_working_days(wib(2026, 7, 3, 16, 15), 1) == utc(2026, 7, 6, 9, 0)


def test_add_working_days_out_of_hours_receipt(cal: WorkingCalendar) -> None:
    # Saturday receipt -> clock starts Mon 07:30 -> +1 day Tue 07:30.
    assert cal.add_working_days(wib(2026, 7, 4, 10, 0), 1) == wib(2026, 7, 7, 7, 30)
    assert cal.add_working_days(wib(2026, 7, 4, 10, 0), 0) == wib(2026, 7, 6, 7, 30)
    assert cal.add_working_days(wib(2026, 7, 6, 10, 0), 0) == wib(2026, 7, 6, 10, 0)
    # Mon 10:00 + 5 days -> next Mon 10:00.
    assert cal.add_working_days(wib(2026, 7, 6, 10, 0), 5) == wib(2026, 7, 13, 10, 0)


def test_fractional_days(cal: WorkingCalendar) -> None:
    # Half of an 8.5 h Monday = 4 h 15 min.
    assert cal.add_working_days(wib(2026, 7, 6, 10, 0), 0.5) == wib(2026, 7, 6, 14, 15)
    # Thu 10:00 + 1 -> Fri 10:00; half of the 9 h Friday = 4.5 h -> 14:30.
    assert cal.add_working_days(wib(2026, 7, 9, 10, 0), 1.5) == wib(2026, 7, 10, 14, 30)
    # Thu 14:00 + 1 -> Fri 14:00; 2.5 h left Friday, 2 h on Monday -> Mon 09:30.
    assert cal.add_working_days(wib(2026, 7, 9, 14, 0), 1.5) == wib(2026, 7, 13, 9, 30)


def test_add_working_days_rejects_bad_days(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(wib(2026, 7, 6, 10, 0), -1)
    with pytest.raises(ValueError):
        cal.add_working_days(wib(2026, 7, 6, 10, 0), float("inf"))


# ------------------------------------------------------------ aware inputs only


NAIVE = datetime(2026, 7, 6, 10, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.is_open(NAIVE),
        lambda c: c.next_opening(NAIVE),
        lambda c: c.add_working_seconds(NAIVE, 60),
        lambda c: c.add_working_days(NAIVE, 1),
        lambda c: c.working_seconds_between(NAIVE, wib(2026, 7, 7)),
        lambda c: c.working_seconds_between(wib(2026, 7, 5), NAIVE),
        lambda c: c.working_days_between(NAIVE, wib(2026, 7, 7)),
        lambda c: c.is_working_day(NAIVE),
    ],
)
def test_naive_datetime_rejected(cal: WorkingCalendar, call) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(cal)


# ------------------------------------------------------------ offsets


OFFSETS = [UTC, WIB, ZoneInfo("Asia/Jayapura"), timezone(timedelta(hours=-5, minutes=-30))]


@pytest.mark.parametrize("tz", OFFSETS, ids=str)
def test_same_instant_in_any_offset_gives_same_answers(cal: WorkingCalendar, tz) -> None:
    friday = wib(2026, 7, 3, 16, 15).astimezone(tz)
    sunday = wib(2026, 7, 5, 20, 0).astimezone(tz)
    wed = wib(2026, 12, 23, 10, 0).astimezone(tz)
    assert cal.is_open(friday) is True
    assert cal.is_open(sunday) is False
    assert cal.next_opening(sunday) == utc(2026, 7, 6, 0, 30)
    assert cal.add_working_days(friday, 1) == utc(2026, 7, 6, 9, 0)
    assert cal.add_working_days(wed, 1) == utc(2026, 12, 28, 3, 0)
    assert cal.add_working_seconds(friday, H) == utc(2026, 7, 6, 1, 15)  # 15 min Fri + 45 min Mon
    assert cal.working_seconds_between(friday, sunday) == 15 * 60
    for result in (cal.next_opening(sunday), cal.add_working_days(friday, 1)):
        assert result.utcoffset() == timedelta(0)


def test_aware_datetime_accepted_for_date_queries(cal: WorkingCalendar) -> None:
    # 23:30 UTC on 23 Dec is already 24 Dec (cuti bersama) in Palembang.
    assert cal.is_working_day(utc(2026, 12, 23, 23, 30)) is False
    assert cal.is_working_day(utc(2026, 12, 23, 10, 0)) is True


# ------------------------------------------------------------ configuration


def test_custom_weekly_hours() -> None:
    saturday_office = dict(DEFAULT_WEEKLY_HOURS)
    saturday_office[5] = (time(8, 0), time(12, 0))
    c = WorkingCalendar(weekly_hours=saturday_office)
    assert c.is_working_day(date(2026, 7, 4)) is True
    assert c.next_opening(wib(2026, 7, 3, 17, 0)) == wib(2026, 7, 4, 8, 0)
    assert c.add_working_seconds(wib(2026, 7, 4, 11, 0), 2 * H) == wib(2026, 7, 6, 8, 30)


def test_invalid_configuration_rejected() -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(weekly_hours={0: (time(16, 0), time(7, 30))})
    with pytest.raises(ValueError):
        WorkingCalendar(weekly_hours={7: (time(8, 0), time(9, 0))})
    with pytest.raises(ValueError):
        WorkingCalendar(tz="Mars/Olympus_Mons")
    with pytest.raises(ValueError):
        SpecialHours(date(2026, 3, 2), date(2026, 3, 1), RAMADAN_WEEKLY_HOURS)


def test_calendar_without_working_days_raises_instead_of_looping() -> None:
    never = WorkingCalendar(weekly_hours=dict.fromkeys(range(7)), country_holidays=False)
    with pytest.raises(ValueError, match="no working day"):
        never.next_opening(wib(2026, 7, 6, 10, 0))
    with pytest.raises(ValueError):
        never.add_working_days(wib(2026, 7, 6, 10, 0), 1)
    assert never.working_seconds_between(wib(2026, 1, 1), wib(2027, 1, 1)) == 0.0
    assert MAX_SCAN_DAYS >= 3 * 365


def test_calendar_is_frozen_and_hashable() -> None:
    c = WorkingCalendar()
    with pytest.raises(AttributeError):
        c.tz = "UTC"  # type: ignore[misc]
    assert c == WorkingCalendar()
    assert hash(c) == hash(WorkingCalendar())
    assert c != WorkingCalendar(closures={date(2026, 7, 6): "x"})
