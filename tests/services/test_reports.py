"""The quarterly evaluation against an independent computation on a generated quarter.

tests/support/quarter.py creates about sixty requests through the real services (intake,
claim, transfer, lifecycle.set_status, the citizen's confirmation, the survey, the SLA
clock) at chosen moments around the Christmas holidays, and records what it decided. The
expected numbers below are computed from that record with the test's own clock and
formulas - nothing here calls the report code - and must equal the report's exactly.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select, update

from ticketing.domain.periods import parse_period
from ticketing.extensions import db
from ticketing.models import SlaNotification, Ticket, Unit
from ticketing.services import reports

from ..support.quarter import (
    OPEN,
    Q3_START,
    Q4_END,
    Q4_START,
    REPORT_NOW,
    WIB,
    Planned,
    office_seconds,
    prebuilt_quarter,
)

pytestmark = pytest.mark.prebuilt(build=prebuilt_quarter())


@pytest.fixture
def quarter(prebuilt):
    return prebuilt.thaw()


# ------------------------------------------------------------------ the test's own formulas

def pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def middle(values: list[float]) -> float | None:
    values = sorted(values)
    n = len(values)
    if not n:
        return None
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def p90(values: list[float]) -> float | None:
    values = sorted(values)
    return values[math.ceil(0.9 * len(values)) - 1] if values else None


def index_of(responses: list[tuple[int, ...]]) -> tuple[Decimal | None, str | None]:
    """IKM by hand: per element the average score, their plain mean, times 25."""
    if not responses:
        return None, None
    nrr = [Fraction(sum(r[i] for r in responses), len(responses)) for i in range(9)]
    exact = sum(nrr, Fraction(0)) / 9 * 25
    value = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), ROUND_HALF_UP)
    category = ("A" if value >= Decimal("88.31") else "B" if value >= Decimal("76.61")
                else "C" if value >= Decimal("65.00") else "D")
    return value, category


def answered(p: Planned) -> bool:
    return p.first_answer is not None and p.first_answer <= REPORT_NOW


def overdue(p: Planned) -> bool:
    if answered(p):
        return not p.first_on_time
    # open requests whose clock kept running are all past their deadline by 20 January
    return p.status_at(REPORT_NOW) in ("baru", "diproses")


def in_q4(p: Planned) -> bool:
    return Q4_START <= p.created < Q4_END


def responses_in(planned, start, end) -> list[Planned]:
    return [p for p in planned if p.response and start <= p.response[0] < end]


def expected(planned: list[Planned], cohort: list[Planned], start, end) -> dict:
    done = [p for p in cohort if answered(p)]
    seconds = [office_seconds(p.created, p.first_answer) for p in done]
    resolved = [p for p in cohort if p.final_answer is not None and p.final_answer <= REPORT_NOW]
    # IKM: the responses submitted in the period, whenever their request was received
    scores = [p.response[1] for p in responses_in(planned, start, end)]
    return {
        "received": len(cohort),
        "by_type": Counter(p.type for p in cohort),
        "by_channel": Counter(p.channel for p in cohort),
        "answered": len(done),
        "first_on_time": sum(1 for p in done if p.first_on_time),
        # issue 10: a request still unanswered past its deadline counts as late
        "first_share": pct(sum(1 for p in done if p.first_on_time),
                           len(done) + sum(1 for p in cohort if not answered(p)
                                           and overdue(p))),
        "resolved": len(resolved),
        "resolved_on_time": sum(1 for p in resolved if p.final_on_time),
        "median": middle(seconds),
        "p90": p90(seconds),
        "overdue": sum(1 for p in cohort if overdue(p)),
        "reopened": sum(1 for p in done if p.reopened),
        "ikm": index_of(scores),
        "respondents": len(scores),
    }


def check(figures, want: dict) -> None:
    assert figures.received == want["received"]
    assert {k: v for k, v in figures.by_type.items() if v} == dict(want["by_type"])
    assert {k: v for k, v in figures.by_channel.items() if v} == dict(want["by_channel"])
    assert figures.answered == want["answered"]
    assert figures.first_on_time == want["first_on_time"]
    assert figures.first_on_time_share == want["first_share"]
    assert figures.resolved == want["resolved"]
    assert figures.resolved_on_time == want["resolved_on_time"]
    assert figures.median_seconds == want["median"]
    assert figures.p90_seconds == want["p90"]
    assert figures.overdue == want["overdue"]
    assert figures.reopened == want["reopened"]
    assert (figures.ikm.value, figures.ikm.category) == want["ikm"]
    assert figures.ikm.respondents == want["respondents"]


# ------------------------------------------------------------------ the tests

def test_generated_quarter_is_varied_enough_to_mean_something(quarter):
    q4 = [p for p in quarter.planned if in_q4(p)]
    kinds = Counter(p.kind.split(":")[0] for p in q4)
    assert {"fast", "late", "reopen", "pause", "open", "waiting", "closed_unanswered"} <= set(kinds)
    assert {p.unit for p in q4} == {"PUMK", "KELEMBAGAAN"}
    assert sum(1 for p in q4 if p.response) >= 8
    assert any(p.response and p.response[0] >= Q4_END for p in quarter.planned)
    assert quarter.sla_checks > 150


def test_quarter_report_matches_the_independent_computation(app, quarter):
    period = parse_period("2026-Q4")
    report = reports.evaluation(period, REPORT_NOW)
    planned = quarter.planned
    q4 = [p for p in planned if in_q4(p)]

    # overall, then each unit, then each unit's services
    check(report.overall.figures, expected(planned, q4, Q4_START, Q4_END))
    for unit_code in ("PUMK", "KELEMBAGAAN"):
        group = report.unit(unit_code)
        mine = [p for p in q4 if p.unit == unit_code]
        responses_unit = [p for p in responses_in(planned, Q4_START, Q4_END) if p.unit == unit_code]
        want = expected([p for p in planned if p.unit == unit_code], mine, Q4_START, Q4_END)
        want["ikm"] = index_of([p.response[1] for p in responses_unit])
        want["respondents"] = len(responses_unit)
        check(group.figures, want)
        for service in group.children:
            theirs = [p for p in mine if p.service == service.key]
            resp = [p for p in responses_unit if p.service == service.key]
            want = expected([], theirs, Q4_START, Q4_END)
            want["ikm"], want["respondents"] = index_of([p.response[1] for p in resp]), len(resp)
            check(service.figures, want)

    # open at the end of the quarter: earlier requests too, read from the status history
    open_end = [p for p in planned if p.created < Q4_END and p.status_at(Q4_END) in OPEN]
    assert report.overall.figures.open_at_end == len(open_end)
    keys = {p.key for p in open_end}
    assert "q3-january" in keys and "q3-open" in keys and "q3-done" not in keys
    assert "malam-tahun-baru" in keys and "januari-wib" not in keys
    for unit_code in ("PUMK", "KELEMBAGAAN"):
        assert report.unit(unit_code).figures.open_at_end == sum(
            1 for p in open_end if p.unit == unit_code)

    # the holidays decide these three: on time only because 24-25 December do not count
    by_key = {p.key: p for p in planned}
    assert by_key["natal-ontime"].first_on_time and not by_key["natal-late"].first_on_time
    flags = dict(db.session.execute(select(Ticket.code, Ticket.is_first_response_late)).all())
    assert flags[by_key["natal-ontime"].code] is False
    assert flags[by_key["natal-late"].code] is True
    assert flags[by_key["natal-2d"].code] is False
    # Wed 23 Dec 10.00-16.00 and Mon 28 Dec 07.30-09.00: 7.5 office hours
    assert office_seconds(by_key["natal-ontime"].created,
                          by_key["natal-ontime"].first_answer) == 7.5 * 3600

    # escalations: straight from the SLA clock's records, per level, for Q4's requests
    levels = defaultdict(set)
    for ticket_id, level in db.session.execute(
            select(SlaNotification.ticket_id, SlaNotification.level)):
        levels[level].add(ticket_id)
    q4_ids = {p.ticket_id for p in q4}
    want = {level: len(ids & q4_ids) for level, ids in levels.items()}
    assert want.get(1, 0) > 0 and want.get(2, 0) > 0
    assert {k: v for k, v in report.overall.figures.escalations.items() if v} == {
        k: v for k, v in want.items() if v}

    # complaints with their outcome
    def outcome(p: Planned) -> str:
        if p.status_at(REPORT_NOW) in OPEN:
            return "proses_terlambat" if overdue(p) else "proses"
        if answered(p):
            return "tepat" if p.first_on_time else "terlambat"
        return "tanpa_jawaban"

    complaints = sorted((p for p in q4 if p.type == "pengaduan"), key=lambda p: p.created)
    assert complaints
    assert [(c.code, c.outcome) for c in report.complaints] == [
        (p.code, outcome(p)) for p in complaints]

    # the citizens' comments of the quarter, oldest first
    assert [c.text for c in report.comments] == [
        p.response[2] for p in sorted(responses_in(planned, Q4_START, Q4_END),
                                      key=lambda p: p.response[0]) if p.response[2]]

    # per staff member
    for person in report.staff:
        key = next(k for k, u in quarter.staff.items() if u.id == person.id)
        handled = [p for p in q4 if p.assignee == key]
        done = [p for p in handled if answered(p)]
        assert person.handled == len(handled), key
        assert person.answered_on_time == sum(1 for p in done if p.first_on_time), key
        assert person.median_seconds == middle(
            [office_seconds(p.created, p.first_answer) for p in done]), key
        assert person.open_now == sum(1 for p in planned if p.assignee == key
                                      and p.status_at(REPORT_NOW + timedelta(1)) in OPEN), key
    assert {s.name for s in report.staff} >= {"Nama staf1_PUMK", "Nama staf2_KELEMBAGAAN"}
    assert sum(s.handled for s in report.staff) == sum(1 for p in q4 if p.assignee)

    # charts: volume per week (Monday-based, WIB dates) and attainment per month
    weeks = Counter()
    for p in q4:
        d = p.created.astimezone(WIB).date()
        weeks[d - timedelta(days=d.weekday())] += 1
    assert {w: n for w, n in report.weekly_volume if n} == dict(weeks)
    assert report.weekly_volume[0][0] == date(2026, 9, 28)
    months = []
    for month in (10, 11, 12):
        rows = [p for p in q4 if p.created.astimezone(WIB).month == month and answered(p)]
        late = [p for p in q4 if p.created.astimezone(WIB).month == month
                and not answered(p) and overdue(p)]  # counted late (issue 10)
        months.append((date(2026, month, 1), len(rows) + len(late),
                       sum(1 for p in rows if p.first_on_time)))
    assert report.monthly_attainment == months

    # the previous quarter, for the comparison
    q3 = [p for p in planned if Q3_START <= p.created < Q4_START]
    prev = report.previous.overall.figures
    assert prev.received == len(q3) == 5
    assert prev.answered == sum(1 for p in q3 if answered(p))
    assert prev.first_on_time == sum(1 for p in q3 if answered(p) and p.first_on_time)


def test_a_kabid_sees_only_their_unit(app, quarter):
    unit = db.session.scalar(select(Unit).where(Unit.code == "KELEMBAGAAN"))
    report = reports.evaluation(parse_period("2026-Q4"), REPORT_NOW, unit=unit)
    assert [g.key for g in report.units] == ["KELEMBAGAAN"]
    q4 = [p for p in quarter.planned if in_q4(p) and p.unit == "KELEMBAGAAN"]
    assert report.overall.figures.received == len(q4)
    assert {s.unit for s in report.staff} == {"KELEMBAGAAN"}
    assert all(c.unit == "KELEMBAGAAN" for c in report.complaints)


def test_a_month_and_a_date_range(app, quarter):
    from ticketing.domain.periods import date_range

    december = reports.evaluation(parse_period("2026-12"), REPORT_NOW, with_previous=False)
    want = [p for p in quarter.planned
            if p.created.astimezone(WIB).date().replace(day=1) == date(2026, 12, 1)]
    assert december.overall.figures.received == len(want)
    holidays = reports.evaluation(date_range(date(2026, 12, 21), date(2026, 12, 31)),
                                  REPORT_NOW, with_previous=False)
    keys = {p.key for p in quarter.planned
            if date(2026, 12, 21) <= p.created.astimezone(WIB).date() <= date(2026, 12, 31)}
    assert {"natal-ontime", "natal-late", "natal-2d", "malam-tahun-baru"} <= keys
    assert holidays.overall.figures.received == len(keys)


def test_the_report_reads_a_fixed_number_of_queries(app, quarter):
    """No N+1: doubling the tickets does not add queries."""
    from sqlalchemy import event

    statements = []

    def count(*_args, **_kw):
        statements.append(1)

    # The working-time calendar is read once per process (services.calendar): not per report.
    reports.evaluation(parse_period("2026-Q2"), REPORT_NOW, with_previous=False)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        reports.evaluation(parse_period("2026-Q4"), REPORT_NOW, with_previous=False)
        first = len(statements)
        statements.clear()
        reports.evaluation(parse_period("2026-Q3"), REPORT_NOW, with_previous=False)
        second = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert first == second and first < 20


def test_each_answer_stored_its_working_time_by_the_office_clock(quarter):
    """At the first answer (through the real services, reopens and later answers included)
    each request stored its office seconds from receipt, as the test's own clock counts."""
    stored = {code: (first, seconds) for code, first, seconds in db.session.execute(
        select(Ticket.code, Ticket.first_response_dt, Ticket.first_response_seconds))}
    done = [p for p in quarter.planned if p.first_answer is not None]
    assert len(done) > 30 and any(p.reopened for p in done)
    for p in done:
        assert stored[p.code] == (p.first_answer, office_seconds(p.created, p.first_answer)), \
            p.key
    assert all(seconds is None for first, seconds in stored.values() if first is None)


def test_stored_and_computed_working_times_give_the_same_report(app, quarter):
    """The report of a quarter and the one before, with every working time as stored at the
    answer, then with none stored (computed from the calendar): the same, figure for figure."""
    period = parse_period("2026-Q4")
    stored = reports.evaluation(period, REPORT_NOW)
    db.session.execute(update(Ticket).values(first_response_seconds=None))
    db.session.commit()
    reports.period_cache.forget()
    computed = reports.evaluation(period, REPORT_NOW)
    assert computed is not stored and computed.previous.overall.figures.answered
    assert computed == stored


def test_the_comparison_counts_what_the_full_report_of_the_period_before_says(app, quarter):
    """Without a kept report of the quarter before, the comparison counts it lightly (no
    escalations, days or requests open at the end): the comparison table is the same as
    with that quarter's full report."""
    from dataclasses import replace

    from ticketing.domain.report_tables import tables

    period = parse_period("2026-Q4")
    report = reports.evaluation(period, REPORT_NOW)
    light = report.previous
    assert light.overall.figures.open_at_end == 0  # not counted: the table does not show it
    full = reports.evaluation(period.previous(), REPORT_NOW)
    assert full.overall.figures.open_at_end and light is not full

    def table(previous):
        return next(t for t in tables(replace(report, previous=previous))
                    if t.key == "comparison").rows

    assert table(light) == table(full)
    assert any(row[3] for row in table(light))
    # once the full report of the quarter before is kept, the comparison is taken from it
    assert reports.comparison(period.previous(), REPORT_NOW).overall.figures.open_at_end
