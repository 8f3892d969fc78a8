"""The finished quarter's evaluation kept in the database: built by one process (a web worker
or the scheduler's job), reused by another without building it, and never kept past a change
that concerns the period, a code change of its format, an unreadable row or an erasure."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from ticketing import create_app
from ticketing.domain.periods import parse_period
from ticketing.extensions import db
from ticketing.jobs import JOBS
from ticketing.models import ReportCacheEntry, Ticket, Unit
from ticketing.services import period_cache, privacy, reports
from ticketing.services import tickets as ticket_service

from ..support.quarter import Q4_END, Q4_START, REPORT_NOW, prebuilt_quarter
from ..support.staff import staff

pytestmark = pytest.mark.prebuilt(build=prebuilt_quarter(count=22, sla_checks=False))
Q4 = parse_period("2026-Q4")


@pytest.fixture
def builds(monkeypatch):
    """Every evaluation actually computed (not taken from a cache): (period, unit, internal)."""
    seen = []
    evaluate = reports._evaluate

    def counted(period, now, *, unit, internal, with_previous, **rest):
        seen.append((period.key, unit.code if unit else None, internal))
        return evaluate(period, now, unit=unit, internal=internal, with_previous=with_previous,
                        **rest)

    monkeypatch.setattr(reports, "_evaluate", counted)
    return seen


@pytest.fixture
def worker(app):
    """Another process on the same database: a second app with its own memory."""
    def run(function):
        other = create_app(dict(app.config))
        with other.app_context():
            try:
                return function()
            finally:
                db.session.remove()
                db.engine.dispose()
    return run


def _rows() -> dict[str, ReportCacheEntry]:
    db.session.expire_all()
    return {row.cache_key: row for row in db.session.scalars(select(ReportCacheEntry))}


def test_another_worker_takes_the_stored_report_without_building_it(app, quarter, builds,
                                                                    worker):
    first = reports.evaluation(Q4, REPORT_NOW)
    assert ("2026-Q4", None, True) in builds and ("2026-Q3", None, False) in builds
    assert any(key.startswith("evaluation|2026-Q4|") and key.endswith("|None|True|True")
               for key in _rows())
    builds.clear()
    other = worker(lambda: reports.evaluation(Q4, REPORT_NOW))
    assert builds == []
    assert other is not first
    assert other.overall == first.overall and other.units == first.units
    assert other.complaints == first.complaints and other.staff == first.staff
    assert other.previous.overall == first.previous.overall
    # the follow-up page's figures come from the stored full report too
    public = worker(lambda: reports.evaluation(Q4, REPORT_NOW, internal=False,
                                               with_previous=False))
    assert builds == [] and public.complaints == [] and public.overall == first.overall


def test_a_change_that_concerns_the_period_is_built_again(app, quarter, builds, worker):
    before = reports.evaluation(Q4, REPORT_NOW)
    ticket = db.session.scalar(select(Ticket).where(
        Ticket.status.in_(("baru", "diproses")), Ticket.created_dt >= Q4_START,
        Ticket.created_dt < Q4_END).order_by(Ticket.id))
    ticket_service.reply(ticket, staff(REPORT_NOW, "kabid", ticket.unit.code), "Jawaban.",
                         "selesai", REPORT_NOW)
    db.session.commit()
    builds.clear()
    after = worker(lambda: reports.evaluation(Q4, REPORT_NOW))
    assert ("2026-Q4", None, True) in builds
    assert after.overall.figures.answered == before.overall.figures.answered + 1 or (
        after.overall.figures.resolved != before.overall.figures.resolved)
    # stored at the new version: the next worker takes it
    builds.clear()
    assert worker(lambda: reports.evaluation(Q4, REPORT_NOW)).overall == after.overall
    assert builds == []


@pytest.mark.parametrize("damage", [{"value": b"not a pickle"}, {"format": "an older code"}])
def test_an_unreadable_or_old_format_row_is_built_again(app, quarter, builds, worker, damage):
    first = reports.evaluation(Q4, REPORT_NOW)
    db.session.execute(update(ReportCacheEntry).values(**damage))
    db.session.commit()
    builds.clear()
    again = worker(lambda: reports.evaluation(Q4, REPORT_NOW))
    assert ("2026-Q4", None, True) in builds
    assert again.overall == first.overall
    row = next(r for k, r in _rows().items() if k.endswith("2026-10-01|2027-01-01|None|True|True"))
    assert row.format == period_cache.FORMAT and row.value != b"not a pickle"  # replaced


def test_an_erasure_deletes_every_stored_evaluation(app, quarter, builds, worker):
    complaint = db.session.scalar(select(Ticket).where(
        Ticket.type == "pengaduan", Ticket.requester_email.is_not(None),
        Ticket.created_dt >= Q4_START, Ticket.created_dt < Q4_END).order_by(Ticket.id))
    assert complaint is not None
    subject = complaint.subject
    report = reports.evaluation(Q4, REPORT_NOW)
    assert subject in {c.subject for c in report.complaints}
    assert _rows()
    privacy.erase_subject(complaint.requester_email, None, REPORT_NOW)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ReportCacheEntry)) == 0
    builds.clear()
    rebuilt = worker(lambda: reports.evaluation(Q4, REPORT_NOW))
    assert ("2026-Q4", None, True) in builds
    assert subject not in {c.subject for c in rebuilt.complaints}
    assert subject not in {c.subject for c in reports.evaluation(Q4, REPORT_NOW).complaints}


def test_the_retention_run_deletes_stored_evaluations(app, quarter):
    reports.evaluation(Q4, REPORT_NOW)
    assert _rows()
    ticket = db.session.scalar(select(Ticket).where(Ticket.created_dt < Q4_END)
                               .order_by(Ticket.id))
    ticket.status = "ditutup"
    ticket.closed_dt = Q4_START
    db.session.commit()
    app.config["RETENTION_TICKET_YEARS"] = 1
    summary = privacy.run_retention(REPORT_NOW.replace(year=2028))
    db.session.commit()
    assert summary["tickets"] >= 1
    assert not _rows()


def test_the_job_warms_every_scope_of_the_last_finished_quarter(app, quarter, builds, worker):
    job = next(j for j in JOBS if j.name == "report_cache")
    # rows no lookup would take any more (an older format; a version before changes to the
    # period's requests) are dropped by the same run
    reports.evaluation(parse_period("2026-Q3"), REPORT_NOW)  # and Q2 as its previous quarter
    rows = _rows()
    assert len(rows) == 2
    q2, q3 = sorted(rows.values(), key=lambda r: r.period_end_dt)
    q2.format = "an older code"
    q3.version = [0, 0, 0, 0]
    db.session.commit()
    builds.clear()
    result = job.func(REPORT_NOW)
    units = db.session.scalars(select(Unit.code)).all()
    assert result["period"] == "2026-Q4" and result["scopes"] == len(units) + 1
    assert result["dropped"] == 2
    assert {(p, u) for p, u, internal in builds if internal} == {
        ("2026-Q4", code) for code in [None, *units]}
    assert not any("2026-04-01" in key or "2026-07-01|2026-10-01|None|True" in key
                   for key in _rows())
    builds.clear()
    by_unit = {u.code: u for u in db.session.scalars(select(Unit))}

    def pages():
        for code in [None, *units]:
            unit = db.session.get(Unit, by_unit[code].id) if code else None
            reports.evaluation(Q4, REPORT_NOW, unit=unit)
            reports.evaluation(Q4, REPORT_NOW, unit=unit, internal=False, with_previous=False)

    worker(pages)
    assert builds == []
    # run again: nothing to build, nothing dropped
    assert worker(lambda: reports.warm_cache(REPORT_NOW))["dropped"] == 0
    assert builds == []


def test_the_cli_warms_like_the_job(app, quarter, builds):
    result = app.test_cli_runner().invoke(args=["reports", "warm"])
    assert result.exit_code == 0, result.output
    assert '"period": "2026-Q4"' in result.output
    assert ("2026-Q4", None, True) in builds
    assert any("2026-10-01|2027-01-01|None|True|True" in key for key in _rows())
