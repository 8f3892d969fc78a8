"""SLA rules with an explicit `now` (pure domain, no app).

Hand-computed on the 2026 calendar: Mon-Thu 07.30-16.00, Fri 07.30-16.30 WIB; 24 Dec 2026 is
cuti bersama Natal, 25 Dec Natal, 1 Jan 2027 Tahun Baru; Ramadan 1447 H (admin-entered here as
19 Feb - 19 Mar 2026) runs 08.00-15.00, Friday 08.00-15.30.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ticketing.domain.calendar import RAMADAN_WEEKLY_HOURS, SpecialHours, WorkingCalendar
from ticketing.domain.sla import (
    LEVEL_1,
    LEVEL_2,
    WARNING,
    Clock,
    Person,
    Thresholds,
    after_working_days,
    format_working_duration,
    is_due_on_day,
    notifications_due,
    recipients,
    sla_state,
)

WIB = ZoneInfo("Asia/Jakarta")
H = 3600.0


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


CAL = WorkingCalendar()
RAMADAN_CAL = WorkingCalendar(special_periods=[
    SpecialHours(date(2026, 2, 19), date(2026, 3, 19), RAMADAN_WEEKLY_HOURS, "Ramadan 1447 H")])


def first_window(cal: WorkingCalendar, received: datetime, days: float) -> Clock:
    """The clock intake gives a new ticket: due `days` working days on, target fixed then."""
    start = cal.next_opening(received)
    due = cal.add_working_days(received, days)
    return Clock("baru", due, cal.working_seconds_between(start, due))


# A one-day service received Wednesday 2 Dec 2026 10.00: due Thursday 10.00,
# target 8.5 working hours (Wed 10-16 + Thu 07.30-10.00).
WED = first_window(CAL, wib(2026, 12, 2, 10, 0), 1)


def stage(clock: Clock, now: datetime, cal: WorkingCalendar = CAL, **kw) -> int | None:
    return sla_state(clock, now, cal, Thresholds(**kw)).stage


# ------------------------------------------------------------------ the three moments

def test_first_window_target_is_one_office_day():
    assert WED.due == wib(2026, 12, 3, 10, 0)
    assert WED.target_seconds == 8.5 * H


def test_on_track_before_75_percent():
    state = sla_state(WED, wib(2026, 12, 2, 15, 59), CAL)
    assert state.stage is None
    assert state.is_overdue is False and state.escalation_level == 0
    assert state.elapsed_share == pytest.approx((6 * H - 60) / (8.5 * H))


def test_warning_at_75_percent_of_working_time():
    # 25% of 8.5 h = 2 h 07 min 30 s left: Thursday 07.52.30, not "75% of wall-clock time".
    assert stage(WED, wib(2026, 12, 3, 7, 52, 29)) is None
    assert stage(WED, wib(2026, 12, 3, 7, 52, 30)) == WARNING
    # The evening and night in between do not count as elapsed time.
    assert stage(WED, wib(2026, 12, 2, 23, 0)) is None


def test_level_1_at_due_time():
    assert stage(WED, wib(2026, 12, 3, 9, 59, 59)) == WARNING
    state = sla_state(WED, wib(2026, 12, 3, 10, 0), CAL)
    assert state.stage == LEVEL_1
    assert state.is_overdue and state.escalation_level == 1
    assert state.late_seconds == 0


def test_level_2_one_more_working_day_past_due():
    assert stage(WED, wib(2026, 12, 4, 9, 59)) == LEVEL_1
    state = sla_state(WED, wib(2026, 12, 4, 10, 0), CAL)
    assert state.stage == LEVEL_2 and state.escalation_level == 2
    assert state.level2_at == wib(2026, 12, 4, 10, 0)
    assert state.late_seconds == 8.5 * H


def test_level_2_over_a_weekend():
    # Due Friday 10.00: level 2 on Monday 10.00, not Saturday.
    clock = first_window(CAL, wib(2026, 12, 3, 10, 0), 1)
    assert clock.due == wib(2026, 12, 4, 10, 0)
    assert stage(clock, wib(2026, 12, 6, 23, 0)) == LEVEL_1
    assert stage(clock, wib(2026, 12, 7, 9, 59)) == LEVEL_1
    assert stage(clock, wib(2026, 12, 7, 10, 0)) == LEVEL_2


def test_level_2_of_a_deadline_at_closing_time_is_next_closing():
    # Received Friday 16.15: one day later clamps to Monday 16.00 (closing time).
    clock = first_window(CAL, wib(2026, 12, 4, 16, 15), 1)
    assert clock.due == wib(2026, 12, 7, 16, 0)
    assert after_working_days(CAL, clock.due, 1) == wib(2026, 12, 8, 16, 0)
    assert stage(clock, wib(2026, 12, 8, 7, 30)) == LEVEL_1
    assert stage(clock, wib(2026, 12, 8, 16, 0)) == LEVEL_2


def test_thresholds_per_service():
    # A service configured with a 50% reminder and level 2 after two working days.
    assert stage(WED, wib(2026, 12, 2, 14, 14), warning_share=0.5, level2_days=2) is None
    assert stage(WED, wib(2026, 12, 2, 14, 15), warning_share=0.5, level2_days=2) == WARNING
    assert stage(WED, wib(2026, 12, 4, 10, 0), warning_share=0.5, level2_days=2) == LEVEL_1
    assert stage(WED, wib(2026, 12, 7, 10, 0), warning_share=0.5, level2_days=2) == LEVEL_2


@pytest.mark.parametrize("kw", [{"warning_share": 0}, {"warning_share": 1},
                                {"warning_share": 1.5}, {"level2_days": 0}])
def test_invalid_thresholds_are_refused(kw):
    with pytest.raises(ValueError):
        Thresholds(**kw)


# ------------------------------------------------------------------ pause, resume, answer

@pytest.mark.parametrize("status", ["menunggu_pemohon", "selesai", "ditutup"])
def test_paused_or_answered_clock_never_escalates(status):
    paused = Clock(status, WED.due, WED.target_seconds)
    for now in (wib(2026, 12, 3, 9, 0), wib(2026, 12, 3, 10, 0), wib(2026, 12, 10, 10, 0)):
        state = sla_state(paused, now, CAL)
        assert state.stage is None and not state.is_running and not state.is_overdue
    # The way services.lifecycle pauses: due cleared, working time left kept.
    waiting = Clock("menunggu_pemohon", None, WED.target_seconds, 3.5 * H)
    assert sla_state(waiting, wib(2027, 1, 20, 10, 0), CAL).stage is None


def test_resume_keeps_the_time_used_before_the_pause():
    # Paused Wednesday 15.00 with 3.5 h left; the citizen replies Monday 08.00: the new due
    # is Monday 11.30, and the reminder comes when 25% of the *original* target is left.
    left = CAL.working_seconds_between(wib(2026, 12, 2, 15, 0), WED.due)
    assert left == 3.5 * H
    resumed = Clock("diproses", CAL.add_working_seconds(wib(2026, 12, 7, 8, 0), left),
                    WED.target_seconds)
    assert resumed.due == wib(2026, 12, 7, 11, 30)
    state = sla_state(resumed, wib(2026, 12, 7, 8, 0), CAL)
    assert state.stage is None
    assert state.elapsed_share == pytest.approx(5 / 8.5)
    assert stage(resumed, wib(2026, 12, 7, 9, 22, 29)) is None
    assert stage(resumed, wib(2026, 12, 7, 9, 22, 30)) == WARNING
    assert stage(resumed, wib(2026, 12, 7, 11, 30)) == LEVEL_1
    assert stage(resumed, wib(2026, 12, 8, 11, 30)) == LEVEL_2


def test_paused_while_late_is_still_late_on_resume():
    # Paused after the deadline: nothing left, so the resumed clock is overdue at once.
    resumed = Clock("diproses", CAL.add_working_seconds(wib(2026, 12, 7, 8, 0), 0.0),
                    WED.target_seconds)
    assert stage(resumed, wib(2026, 12, 7, 8, 0)) == LEVEL_1


# ------------------------------------------------------------------ reopen: a new window

def test_reopen_window_is_half_the_target_and_warns_again():
    # Reopened Monday 7 Dec 10.00 with half a day: due 14.15, target 4 h 15 min.
    reopened = first_window(CAL, wib(2026, 12, 7, 10, 0), 0.5)
    assert reopened.due == wib(2026, 12, 7, 14, 15)
    assert reopened.target_seconds == 4.25 * H
    # 25% of 4.25 h = 63 min 45 s before due.
    assert stage(reopened, wib(2026, 12, 7, 13, 11, 14)) is None
    state = sla_state(reopened, wib(2026, 12, 7, 13, 11, 15), CAL)
    assert state.stage == WARNING
    # Everything was sent in window 1; window 2 starts with nothing sent.
    assert notifications_due(state, already_sent=[]) == [WARNING]
    assert stage(reopened, wib(2026, 12, 7, 14, 15)) == LEVEL_1
    assert stage(reopened, wib(2026, 12, 8, 14, 15)) == LEVEL_2


# ------------------------------------------------------------------ holidays and Ramadan

def test_cuti_bersama_and_christmas_inside_the_window():
    clock = first_window(CAL, wib(2026, 12, 23, 10, 0), 1)
    # 24 Dec cuti bersama, 25 Natal, 26-27 weekend: due Monday 28 Dec 10.00.
    assert clock.due == wib(2026, 12, 28, 10, 0)
    assert clock.target_seconds == 8.5 * H
    # On the cuti bersama day no time passes: still 2.5 h left, so no reminder yet.
    assert stage(clock, wib(2026, 12, 24, 12, 0)) is None
    assert stage(clock, wib(2026, 12, 27, 20, 0)) is None
    assert stage(clock, wib(2026, 12, 28, 7, 52, 30)) == WARNING
    assert stage(clock, wib(2026, 12, 28, 10, 0)) == LEVEL_1
    assert stage(clock, wib(2026, 12, 29, 9, 59)) == LEVEL_1
    assert stage(clock, wib(2026, 12, 29, 10, 0)) == LEVEL_2


def test_level_2_skips_new_year():
    clock = first_window(CAL, wib(2026, 12, 30, 10, 0), 1)
    assert clock.due == wib(2026, 12, 31, 10, 0)
    # 1 Jan 2027 is a holiday and 2-3 Jan a weekend: level 2 on Monday 4 Jan.
    assert stage(clock, wib(2027, 1, 1, 12, 0)) == LEVEL_1
    assert stage(clock, wib(2027, 1, 4, 9, 59)) == LEVEL_1
    assert stage(clock, wib(2027, 1, 4, 10, 0)) == LEVEL_2


def test_admin_closure_inside_the_window_moves_the_moments():
    cal = WorkingCalendar(closures={date(2026, 12, 3): "Libur daerah"})
    clock = first_window(cal, wib(2026, 12, 2, 10, 0), 1)
    assert clock.due == wib(2026, 12, 4, 10, 0)  # Thursday is closed
    assert stage(clock, wib(2026, 12, 3, 12, 0), cal) is None
    assert stage(clock, wib(2026, 12, 4, 10, 0), cal) == LEVEL_1


def test_ramadan_hours_start_at_0800():
    # Tuesday 24 Feb 2026 07.45 during Ramadan: the clock starts 08.00, due Wednesday 08.00,
    # target one Ramadan day (7 h). 25% = 1 h 45 min: the reminder comes Tuesday 13.15.
    clock = first_window(RAMADAN_CAL, wib(2026, 2, 24, 7, 45), 1)
    assert clock.due == wib(2026, 2, 25, 8, 0)
    assert clock.target_seconds == 7 * H
    assert stage(clock, wib(2026, 2, 24, 13, 14), RAMADAN_CAL) is None
    assert stage(clock, wib(2026, 2, 24, 13, 15), RAMADAN_CAL) == WARNING
    # 15.00-08.00 is outside Ramadan hours: no time passes, still a warning at 07.59.
    assert stage(clock, wib(2026, 2, 25, 7, 59), RAMADAN_CAL) == WARNING
    assert stage(clock, wib(2026, 2, 25, 8, 0), RAMADAN_CAL) == LEVEL_1
    assert stage(clock, wib(2026, 2, 26, 8, 0), RAMADAN_CAL) == LEVEL_2
    # The same clock on the regular calendar would count 13.15 as 2 h 45 min left.
    assert stage(clock, wib(2026, 2, 24, 13, 15), CAL) is None


# ------------------------------------------------------------------ what to send

def test_notifications_due_once_per_level():
    warn = sla_state(WED, wib(2026, 12, 3, 8, 0), CAL)
    assert notifications_due(warn, []) == [WARNING]
    assert notifications_due(warn, [WARNING]) == []
    late = sla_state(WED, wib(2026, 12, 3, 10, 0), CAL)
    assert notifications_due(late, [WARNING]) == [LEVEL_1]
    # A reminder is pointless once the deadline has passed.
    assert notifications_due(late, []) == [LEVEL_1]
    assert notifications_due(late, [LEVEL_1]) == []
    very_late = sla_state(WED, wib(2026, 12, 4, 10, 0), CAL)
    # A check that was down for a day tells both the ketua tim and the kabid.
    assert notifications_due(very_late, []) == [LEVEL_1, LEVEL_2]
    assert notifications_due(very_late, [WARNING, LEVEL_1]) == [LEVEL_2]
    assert notifications_due(very_late, [LEVEL_1, LEVEL_2]) == []
    assert notifications_due(sla_state(WED, wib(2026, 12, 2, 11, 0), CAL), []) == []


def people() -> list[Person]:
    return [
        Person(1, "staf.pumk@x.id", "Staf PUMK", "staf", "PUMK"),
        Person(2, "ketua.pumk@x.id", "Ketua PUMK", "ketua_tim", "PUMK"),
        Person(3, "ketua2.pumk@x.id", "Ketua 2 PUMK", "ketua_tim", "PUMK"),
        Person(4, "kabid.pumk@x.id", "Kabid PUMK", "kabid", "PUMK"),
        Person(5, "ketua.kel@x.id", "Ketua KEL", "ketua_tim", "KELEMBAGAAN"),
        Person(6, "kabid.kel@x.id", "Kabid KEL", "kabid", "KELEMBAGAAN"),
        Person(7, "kadis@x.id", "Kepala Dinas", "kepala_dinas", None),
        Person(8, "old.ketua.pumk@x.id", "Nonaktif", "ketua_tim", "PUMK", is_active=False),
    ]


def emails(found: list[Person]) -> list[str]:
    return [p.email for p in found]


def test_warning_goes_to_the_assignee():
    staff = people()
    assert emails(recipients(WARNING, "PUMK", staff[0], staff)) == ["staf.pumk@x.id"]


def test_warning_goes_to_ketua_tim_when_unassigned():
    assert emails(recipients(WARNING, "PUMK", None, people())) == [
        "ketua.pumk@x.id", "ketua2.pumk@x.id"]


def test_assignee_of_the_other_unit_is_not_told():
    # Transferred to KELEMBAGAAN while still assigned to a PUMK member: KELEMBAGAAN's chain.
    staff = people()
    assert emails(recipients(WARNING, "KELEMBAGAAN", staff[0], staff)) == ["ketua.kel@x.id"]


def test_level_1_to_the_units_ketua_tim_only():
    found = emails(recipients(LEVEL_1, "PUMK", people()[0], people()))
    assert found == ["ketua.pumk@x.id", "ketua2.pumk@x.id"]
    assert "old.ketua.pumk@x.id" not in found  # deactivated accounts are never told


def test_level_2_to_the_units_kabid_only():
    assert emails(recipients(LEVEL_2, "KELEMBAGAAN", None, people())) == ["kabid.kel@x.id"]


def test_triage_escalates_to_both_units():
    assert emails(recipients(LEVEL_1, None, None, people())) == [
        "ketua.kel@x.id", "ketua.pumk@x.id", "ketua2.pumk@x.id"]
    assert emails(recipients(WARNING, None, None, people())) == [
        "ketua.kel@x.id", "ketua.pumk@x.id", "ketua2.pumk@x.id"]
    assert emails(recipients(LEVEL_2, None, None, people())) == [
        "kabid.kel@x.id", "kabid.pumk@x.id"]


def test_vacant_role_climbs_within_the_unit_never_sideways():
    staff = [p for p in people() if not (p.role == "ketua_tim" and p.unit == "KELEMBAGAAN")]
    assert emails(recipients(LEVEL_1, "KELEMBAGAAN", None, staff)) == ["kabid.kel@x.id"]
    no_kabid = [p for p in people() if p.role != "kabid"]
    assert emails(recipients(LEVEL_2, "PUMK", None, no_kabid)) == ["kadis@x.id"]


def test_unknown_level_is_refused():
    with pytest.raises(ValueError):
        recipients(3, "PUMK", None, people())


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        sla_state(WED, datetime(2026, 12, 3, 10, 0), CAL)


# ------------------------------------------------------------------ small helpers

def test_due_today():
    now = wib(2026, 12, 3, 8, 0)
    assert is_due_on_day(wib(2026, 12, 3, 15, 0), now, WIB)
    assert not is_due_on_day(wib(2026, 12, 3, 7, 0), now, WIB)  # already passed
    assert not is_due_on_day(wib(2026, 12, 4, 8, 0), now, WIB)
    assert not is_due_on_day(None, now, WIB)


@pytest.mark.parametrize("seconds,words", [
    (0, "kurang dari 1 menit"), (59, "kurang dari 1 menit"), (45 * 60, "45 menit"),
    (2 * H + 15 * 60, "2 jam 15 menit"), (8.5 * H, "1 hari kerja"),
    (8.5 * H + 2 * H + 59, "1 hari kerja 2 jam"), (3 * 8.5 * H, "3 hari kerja"),
    (8.5 * H + H + 300, "1 hari kerja 1 jam 5 menit"), (34_190, "1 hari kerja 59 menit"),
])
def test_format_working_duration(seconds, words):
    assert format_working_duration(seconds) == words


def test_one_wording_for_a_working_duration_everywhere():
    """Issue 10: the board, the mails, the reports and the queue say the same for 34,190 s."""
    from ticketing.domain import report, timeleft
    from ticketing.domain.durations import largest_unit

    assert report.format_duration(34_190) == format_working_duration(34_190)
    assert timeleft._amount(34_190) == largest_unit(34_190) == (1, "hari")


def test_state_moments_are_utc():
    state = sla_state(WED, wib(2026, 12, 3, 10, 0), CAL)
    assert state.level2_at.tzinfo == UTC or state.level2_at.utcoffset() == timedelta(0)
