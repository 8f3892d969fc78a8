"""The database's count of a period (services.reports.count_period, the SQL twins of
domain.report.outcome) against the Python rule (domain.report.count_rows over every row), on
the generated quarter: the same slices, working seconds, escalations, requests open at the
end, days and complaints, at several moments, for each scope; also with the stored on-time
flags and working seconds taken away and deadlines missing, so that every branch of the
rule is taken."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from ticketing.domain import report as rules
from ticketing.domain.periods import parse_period
from ticketing.extensions import db
from ticketing.models import Ticket, Unit
from ticketing.services import reports
from ticketing.services.calendar import office_calendar

from ..support.quarter import REPORT_NOW, WIB, prebuilt_quarter

pytestmark = pytest.mark.prebuilt(build=prebuilt_quarter())

MOMENTS = [REPORT_NOW, datetime(2026, 12, 15, 12, 0, tzinfo=WIB).astimezone(UTC),
           datetime(2026, 10, 20, 9, 0, tzinfo=WIB).astimezone(UTC)]


def _comparable(counted: rules.Counted) -> tuple:
    return (counted.counts, {k: sorted(v) for k, v in counted.seconds.items()},
            counted.escalations, {k: v for k, v in counted.open_at_end.items() if v},
            counted.days, counted.complaints)


def _check_every_scope() -> int:
    calendar = office_calendar()
    units = [None, *db.session.scalars(select(Unit.id))]
    checked = 0
    for key in ("2026-Q4", "2026-Q3", "2026-12"):
        start, end = (m.astimezone(UTC) for m in parse_period(key).bounds(WIB))
        for now in MOMENTS:
            for unit_id in units:
                by_sql = reports.count_period(start, end, now, unit_id)
                by_rule = rules.count_rows(reports.load_tickets(start, end, unit_id),
                                           start, end, now, calendar)
                assert _comparable(by_sql) == _comparable(by_rule), (key, now, unit_id)
                checked += sum(c[0] for c in by_sql.counts.values())
    return checked


def test_the_database_counts_as_the_rule(quarter):
    assert _check_every_scope() > 100


def test_the_database_counts_as_the_rule_without_stored_flags(quarter):
    """Flags and working seconds not stored (older requests), deadlines missing with the
    clock's remaining time run out or not: the other branches of the rule."""
    ids = db.session.scalars(select(Ticket.id).order_by(Ticket.id)).all()
    db.session.execute(update(Ticket).where(Ticket.id.in_(ids[::2])).values(
        is_first_response_late=None, first_response_seconds=None))
    db.session.execute(update(Ticket).where(Ticket.id.in_(ids[::3])).values(
        due_dt=None, sla_remaining_seconds=0.0))
    db.session.execute(update(Ticket).where(Ticket.id.in_(ids[1::3])).values(
        due_dt=None, sla_remaining_seconds=3600.0))
    db.session.execute(update(Ticket).where(Ticket.id.in_(ids[::5])).values(
        resolved_dt=Ticket.first_response_dt))
    # received in the last second of a day (WIB): counted on that day, not rounded into the next
    last_second = datetime(2026, 12, 15, 23, 59, 59, 700000, tzinfo=WIB).astimezone(UTC)
    db.session.execute(update(Ticket).where(Ticket.id == ids[-1]).values(
        created_dt=last_second))
    db.session.commit()
    flags = db.session.execute(select(Ticket.is_first_response_late, Ticket.due_dt,
                                      Ticket.first_response_dt)).all()
    assert any(f[0] is None and f[2] is not None for f in flags)
    assert any(f[1] is None and f[2] is not None for f in flags)
    assert _check_every_scope() > 100
