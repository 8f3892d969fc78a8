"""Intake without avoidable round trips: the calendar kept per process (an edit here is seen
at once, one elsewhere within CALENDAR_CACHE_SECONDS), and no SELECT before the insert for the
random code (the unique index decides; a clash is retried with another code)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import event, insert, select

from ticketing.extensions import db
from ticketing.models import Closure, Ticket
from ticketing.services import calendar as calendar_service
from ticketing.services import intake
from ticketing.services.transaction import run

from ..factories import gen_ticket

#: Monday 7 Dec 2026, 10.00 WIB
MONDAY = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def test_the_calendar_is_kept_and_an_edit_here_is_seen_at_once(app):
    first = calendar_service.office_calendar()
    assert calendar_service.office_calendar() is first
    run(calendar_service.add_closure, date(2026, 12, 8), "Rapat kerja", MONDAY)
    edited = calendar_service.office_calendar()
    assert edited is not first and not edited.is_working_day(date(2026, 12, 8))


def test_an_edit_by_another_process_is_seen_after_the_cache_time(app):
    calendar_service.office_calendar()
    # another process (a second web worker, the scheduler) adds a closure
    db.session.execute(insert(Closure), [{"day": date(2026, 12, 9), "reason": "Banjir"}])
    db.session.commit()
    assert calendar_service.office_calendar().is_working_day(date(2026, 12, 9))
    app.config["CALENDAR_CACHE_SECONDS"] = 0
    assert not calendar_service.office_calendar().is_working_day(date(2026, 12, 9))


def test_intake_asks_nothing_before_the_insert(app):
    gen_ticket(MONDAY)  # catalogue and calendar read once
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        gen_ticket(MONDAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert not any("calendar" in s for s in statements), statements
    assert not any(s.lstrip().startswith("SELECT tickets.id") for s in statements), statements


def test_a_code_clash_is_retried_with_another_code(app, monkeypatch):
    taken = gen_ticket(MONDAY)
    codes = iter([taken.code, "ABCD-EFGH"])
    monkeypatch.setattr(intake, "new_code", lambda: next(codes))
    ticket = gen_ticket(MONDAY, subject="Kode bentrok")
    assert ticket.code == "ABCD-EFGH"
    assert db.session.scalar(select(Ticket.subject).where(Ticket.code == taken.code)) != \
        "Kode bentrok"
