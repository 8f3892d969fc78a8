"""The evaluation's rules on hand-made rows (no database): who counts where, and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ticketing.domain import report
from ticketing.domain.calendar import WorkingCalendar
from ticketing.domain.periods import parse_period

CAL = WorkingCalendar()


def wib(day: int, hour: int, month: int = 11, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour - 7, minute, tzinfo=UTC)


def row(i: int, **kw) -> report.TicketRow:
    values = {"id": i, "code": f"T{i}", "type": "informasi", "channel": "web", "unit": "PUMK",
              "service": "hki", "assignee_id": None, "status": "baru",
              "created_dt": wib(2, 9)}
    values.update(kw)
    return report.TicketRow(**values)


def test_status_at_reads_the_last_change_before_the_moment():
    changes = [(wib(3, 9), 2, "selesai"), (wib(2, 9), 1, "diproses"), (wib(5, 9), 3, "diproses")]
    assert report.status_at(changes, wib(2, 8)) == "baru"
    assert report.status_at(changes, wib(4, 9)) == "selesai"
    assert report.status_at(changes, wib(6, 9)) == "diproses"
    # the same second: the later entry (higher id) wins
    assert report.status_at([(wib(3, 9), 5, "selesai"), (wib(3, 9), 6, "ditutup")],
                            wib(4, 9)) == "ditutup"


def test_percentile_is_nearest_rank_and_median_the_middle():
    values = [10, 1, 7, 3, 9, 2, 8, 4, 6, 5]
    assert report.percentile(values, 90) == 9
    assert report.percentile(values, 100) == 10
    assert report.percentile([5], 90) == 5
    assert report.percentile([], 90) is None
    assert report.median(values) == 5.5
    assert report.share(2, 3) == Decimal("66.7") and report.share(1, 0) is None


def test_on_time_rules_follow_the_deadline_in_force():
    due = wib(3, 9)
    answered_late = row(1, first_response_dt=wib(4, 9), due_dt=due, is_first_response_late=True)
    answered_ok = row(2, first_response_dt=wib(3, 9), due_dt=due, is_first_response_late=False)
    legacy = row(3, first_response_dt=wib(3, 10), due_dt=due)  # flag missing: compare dates
    assert report.first_on_time(answered_late) is False
    assert report.first_on_time(answered_ok) is True
    assert report.first_on_time(legacy) is False
    assert report.first_on_time(row(4)) is None
    paused_out = row(5, status="menunggu_pemohon", sla_remaining_seconds=0.0)
    assert report.late_now(paused_out, wib(10, 9))
    running = row(6, status="diproses", due_dt=due)
    # Overdue from the deadline itself, as the queue, the board and the SLA ladder say.
    assert not report.late_now(running, due - timedelta(minutes=1))
    assert report.late_now(running, due) and report.late_now(running, due + timedelta(1))
    closed_unanswered = row(7, status="ditutup", due_dt=due)
    assert not report.late_now(closed_unanswered, wib(20, 9))
    assert report.complaint_outcome(closed_unanswered, wib(20, 9)) == "tanpa_jawaban"


def test_build_groups_by_unit_and_service_and_counts_the_cohort_only():
    period = parse_period("2026-11")
    now = wib(30, 15)
    rows = [
        # received before November, still open at its end: open at the end, not in the cohort
        row(1, created_dt=wib(30, 9, month=10), status="diproses", status_at_end="diproses"),
        # received and answered on time (Monday 09:00 -> Monday 11:00 = 2 office hours)
        row(2, created_dt=wib(2, 9), status="selesai", first_response_dt=wib(2, 11),
            resolved_dt=wib(2, 11), due_dt=wib(3, 9), is_first_response_late=False,
            type="pengaduan", assignee_id=7, escalation_levels=frozenset({0})),
        # received in November, in KELEMBAGAAN, answered late and reopened
        row(3, unit="KELEMBAGAAN", service="rekomendasi-izin-koperasi", created_dt=wib(4, 9),
            status="diproses", first_response_dt=wib(9, 9), due_dt=wib(10, 9),
            is_first_response_late=True, reopen_count=1, status_at_end="diproses",
            escalation_levels=frozenset({0, 1, 2}), channel="email"),
        # received on 30 November 23:30 WIB: still November
        row(4, created_dt=datetime(2026, 11, 30, 16, 30, tzinfo=UTC), status="baru",
            due_dt=wib(1, 16, month=12)),
        # 1 December 00:30 WIB: December, not in the report
        row(5, created_dt=datetime(2026, 11, 30, 17, 30, tzinfo=UTC)),
    ]
    responses = [
        report.ResponseRow(2, "PUMK", "hki", (4,) * 9, wib(3, 9), "Cepat dan ramah"),
        report.ResponseRow(3, "KELEMBAGAAN", "rekomendasi-izin-koperasi", (2,) * 9, wib(12, 9)),
        report.ResponseRow(9, "PUMK", "hki", (1,) * 9, wib(1, 9, month=12)),  # December
    ]
    result = report.build(
        period, now, CAL, tickets=rows, responses=responses,
        units=[report.UnitInfo("PUMK", "Bidang PUMK"),
               report.UnitInfo("KELEMBAGAAN", "Bidang Kelembagaan")],
        services=[report.ServiceInfo("hki", "HKI", "PUMK"),
                  report.ServiceInfo("rekomendasi-izin-koperasi", "Izin", "KELEMBAGAAN")],
        staff=[report.StaffRow(7, "Petugas Tujuh", "PUMK", "staf", open_now=2)])
    overall = result.overall.figures
    assert overall.received == 3
    assert overall.by_type["pengaduan"] == 1 and overall.by_channel["email"] == 1
    assert overall.open_at_end == 3  # rows 1, 3 and 4
    assert (overall.answered, overall.first_on_time) == (2, 1)
    assert overall.first_on_time_share == Decimal("50.0")
    assert overall.overdue == 1 and overall.reopened == 1
    assert overall.escalations == {0: 2, 1: 1, 2: 1}
    assert overall.ikm.respondents == 2 and overall.ikm.value == Decimal("75.00")
    pumk = result.unit("PUMK").figures
    assert pumk.received == 2 and pumk.open_at_end == 2 and pumk.answer_seconds == [7200.0]
    kel = result.unit("KELEMBAGAAN")
    assert kel.figures.ikm.value == Decimal("50.00") and kel.figures.ikm.category == "D"
    assert [c.key for c in kel.children] == ["rekomendasi-izin-koperasi"]
    assert [(c.code, c.outcome) for c in result.complaints] == [("T2", "tepat")]
    assert [c.text for c in result.comments] == ["Cepat dan ramah"]
    (person,) = result.staff
    assert (person.handled, person.answered_on_time, person.open_now) == (1, 1, 2)
    assert person.median_seconds == 7200.0
    assert sum(n for _, n in result.weekly_volume) == 3
    assert result.monthly_attainment == [(period.start, 2, 1)]


def test_public_build_leaves_out_internal_parts():
    period = parse_period("2026-11")
    result = report.build(period, wib(30, 15), CAL,
                          tickets=[row(1, type="pengaduan")], units=[], services=[],
                          responses=[report.ResponseRow(1, "PUMK", None, (3,) * 9, wib(3, 9),
                                                        "nama saya Budi")],
                          staff=[report.StaffRow(1, "X", "PUMK", "staf")], internal=False)
    assert result.staff == [] and result.complaints == [] and result.comments == []
    assert result.overall.figures.received == 1


def test_format_duration():
    assert report.format_duration(None) == "-"
    assert report.format_duration(0) == "kurang dari 1 menit"
    assert report.format_duration(8.5 * 3600 + 3600 + 300) == "1 hari kerja 1 jam 5 menit"


class _NoCompare(report.TicketRow):
    """A row that refuses comparison by value: a report that tests membership in a list of
    rows compares every pair (minutes for a month of a million-ticket office)."""

    def __eq__(self, other):
        raise AssertionError("rows compared by value")

    __hash__ = object.__hash__


def test_the_monthly_attainment_never_compares_rows_by_value():
    period = parse_period("2026-11")
    due = wib(3, 9)
    rows = [_NoCompare(**{**row(i).__dict__, **kw}) for i, kw in enumerate([
        {"first_response_dt": wib(2, 10), "due_dt": due, "is_first_response_late": False,
         "status": "selesai"},
        {"status": "diproses", "due_dt": due},
        {"status": "baru", "due_dt": wib(30, 16)},
    ], start=1)]
    result = report.build(period, wib(30, 15), CAL, tickets=rows, responses=[],
                          units=[report.UnitInfo("PUMK", "Bidang PUMK")],
                          services=[report.ServiceInfo("hki", "HKI", "PUMK")], staff=[])
    # answered on time, plus one still unanswered past its deadline; the third is not yet due
    assert result.monthly_attainment == [(period.start, 2, 1)]


# ------------------------------------------------------------------ the fast path, checked

def _varied_quarter(seed: int = 13) -> tuple[list[report.TicketRow], list[report.ResponseRow]]:
    """Four hundred requests over Q4 2026 and the quarter before: every unit (and triage),
    services in and out of the catalogue, answers in and after office hours, across the
    Christmas holidays, late and on time, reopened, escalated, still open, not yet answered at
    `now`; and survey responses."""
    import random

    rnd = random.Random(seed)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    rows, responses = [], []
    for i in range(1, 401):
        created = start + timedelta(minutes=rnd.randrange(0, 125 * 24 * 60),
                                    seconds=rnd.randrange(60), microseconds=rnd.randrange(10**6))
        unit = rnd.choice(["PUMK", "PUMK", "KELEMBAGAAN", None])
        service = rnd.choice({"PUMK": ["hki", "halal", None], "KELEMBAGAAN": ["izin"],
                              None: [None]}[unit])
        answered = rnd.random() < 0.8
        first = created + timedelta(hours=rnd.uniform(0.1, 400)) if answered else None
        due = created + timedelta(days=rnd.uniform(1, 10))
        status = (rnd.choice(["selesai", "ditutup"]) if answered
                  else rnd.choice(["baru", "diproses", "menunggu_pemohon", "ditutup"]))
        rows.append(report.TicketRow(
            id=i, code=f"T{i}", type=rnd.choice(report.TYPES), channel=rnd.choice(
                report.CHANNELS), unit=unit, service=service,
            assignee_id=rnd.choice([None, 1, 2, 3, 4]), status=status, created_dt=created,
            due_dt=due, first_response_dt=first,
            resolved_dt=first + timedelta(hours=rnd.uniform(0, 50)) if first else None,
            is_first_response_late=rnd.choice([None, first > due]) if first else None,
            sla_remaining_seconds=rnd.choice([None, 0.0, 3600.0]),
            reopen_count=rnd.choice([0, 0, 1]), subject=f"Perihal {i}",
            escalation_levels=frozenset(rnd.sample([0, 1, 2], rnd.randrange(3)))))
        if first and rnd.random() < 0.3:
            responses.append(report.ResponseRow(
                i, unit, service, tuple(rnd.randint(1, 4) for _ in range(9)),
                first + timedelta(hours=2), rnd.choice([None, "", "Baik"])))
    return rows, responses


def _office_seconds(a: datetime, b: datetime) -> float:
    """Office seconds of [a, b) from the calendar's public hours_on, day by day: the way the
    report counted before it kept each day's hours."""
    total, d = 0.0, a.astimezone(CAL._zone).date()
    while d <= b.astimezone(CAL._zone).date():
        hrs = CAL.hours_on(d)
        if hrs is not None:
            lo, hi = max(hrs[0].astimezone(UTC), a), min(hrs[1].astimezone(UTC), b)
            if hi > lo:
                total += (hi - lo).total_seconds()
        d += timedelta(days=1)
    return total


def test_working_seconds_with_the_days_hours_kept_are_the_same():
    rows, _ = _varied_quarter()
    fresh = WorkingCalendar()
    for r in rows:
        if r.first_response_dt is not None:
            expected = _office_seconds(r.created_dt, r.first_response_dt)
            assert CAL.working_seconds_between(r.created_dt, r.first_response_dt) == expected
            assert fresh.working_seconds_between(r.created_dt, r.first_response_dt) == expected


def test_each_answer_counted_once_gives_the_figures_of_every_group_as_before():
    """build() reads each request's working time once for all its groups; every group's
    figures equal figures() computed on that group alone, the staff medians and the charts
    equal a direct count."""
    rows, responses = _varied_quarter()
    period, now = parse_period("2026-Q4"), datetime(2026, 12, 20, 5, tzinfo=UTC)
    start, end = period.bounds(CAL.tz)
    staff = [report.StaffRow(n, f"Petugas {n}", "PUMK", "staf") for n in (1, 2, 3, 4)]
    built = report.build(
        period, now, CAL, tickets=rows, responses=responses,
        units=[report.UnitInfo("PUMK", "PUMK"), report.UnitInfo("KELEMBAGAAN", "KEL")],
        services=[report.ServiceInfo("hki", "HKI", "PUMK"),
                  report.ServiceInfo("izin", "Izin", "KELEMBAGAAN")], staff=staff)
    cohort = [r for r in rows if start <= r.created_dt < end]
    open_end = [r for r in rows if r.created_dt < end and r.status in report.OPEN_STATUSES]
    answers = [r for r in responses if start <= r.submitted_dt < end and r.submitted_dt <= now]
    assert 200 < len(cohort) < len(rows) and built.overall.figures.answer_seconds

    def alone(pick) -> report.Figures:
        return report.figures([r for r in cohort if pick(r)],
                              sum(1 for r in open_end if pick(r)),
                              [r for r in answers if pick(r)], now, CAL)

    assert built.overall.figures == alone(lambda r: True)
    for group in built.units:
        assert group.figures == alone(lambda r, k=group.key: r.unit == k), group.key
        for child in group.children:
            assert child.figures == alone(
                lambda r, k=group.key, s=child.key: r.unit == k and r.service == s), child.key
    assert {g.key for g in built.units} == {"PUMK", "KELEMBAGAAN", None}
    for person in built.staff:
        mine = [r for r in cohort if r.assignee_id == person.id and r.first_response_dt
                and r.first_response_dt <= now]
        assert person.median_seconds == report.median(
            [_office_seconds(r.created_dt, r.first_response_dt) for r in mine])
    local = [r.created_dt.astimezone(CAL._zone).date() for r in cohort]
    assert built.weekly_volume == [
        (monday, sum(1 for d in local if monday <= d < monday + timedelta(days=7)))
        for monday in period.weeks() if monday <= now.astimezone(CAL._zone).date()]
    for first, counted, on_time in built.monthly_attainment:
        month = [r for r, d in zip(cohort, local, strict=True)
                 if (d.year, d.month) == (first.year, first.month)]
        done = [r for r in month if r.first_response_dt and r.first_response_dt <= now]
        assert on_time == sum(1 for r in done if report.first_on_time(r))
        assert counted == len(done) + sum(
            1 for r in month if r not in done
            and report.lifecycle.is_unanswered_late(r.status, r.due_dt, None, now))


def test_the_working_time_stored_at_the_answer_is_counted_as_stored():
    """The value stored at the answer is what counts (the calendar in force then); only a
    request without one is computed with the calendar given. Stored values that equal the
    calendar's give the same report, figure for figure."""
    one = row(1, created_dt=wib(2, 9), first_response_dt=wib(2, 11), status="selesai")
    assert report.answer_seconds(one, CAL) == 7200.0
    closed = WorkingCalendar(closures={wib(2, 9).date(): "Libur daerah"})
    assert report.answer_seconds(one, closed) == 0.0
    assert report.answer_seconds(replace(one, first_response_seconds=7200.0), closed) == 7200.0

    rows, responses = _varied_quarter()
    stored = [replace(r, first_response_seconds=report.seconds_to_answer(
        r.created_dt, r.first_response_dt, CAL)) if r.first_response_dt else r for r in rows]
    assert sum(1 for r in stored if r.first_response_seconds) > 200
    period, now = parse_period("2026-Q4"), datetime(2026, 12, 20, 5, tzinfo=UTC)
    common = {"responses": responses, "units": [report.UnitInfo("PUMK", "PUMK")],
              "services": [report.ServiceInfo("hki", "HKI", "PUMK")],
              "staff": [report.StaffRow(n, f"Petugas {n}", "PUMK", "staf") for n in (1, 2)]}
    computed = report.build(period, now, CAL, tickets=rows, **common)
    assert report.build(period, now, CAL, tickets=stored, **common) == computed
    # with a calendar that would count otherwise, the stored values still give those figures
    other = WorkingCalendar(closures={date(2026, 10, d): "Libur" for d in range(1, 32)})
    assert report.build(period, now, other, tickets=stored, **common) == computed
    assert report.build(period, now, other, tickets=rows, **common) != computed
