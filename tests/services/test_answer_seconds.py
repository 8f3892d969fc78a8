"""Each request's working time to its first answer is stored at that answer, with the calendar
in force then (services.lifecycle), and the evaluation counts that stored value; requests
answered before it was stored are filled in by the backfill (migration 0021, bench/seed.py)
or, left empty, computed with the calendar as it is when the report is made."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from ticketing.domain.periods import parse_period
from ticketing.extensions import db
from ticketing.models import Ticket
from ticketing.services import calendar as calendar_service
from ticketing.services import intake, reports
from ticketing.services import tickets as svc
from ticketing.services.lifecycle import backfill_first_response_seconds
from ticketing.services.transaction import run

from ..factories import gen_ticket
from ..support.staff import staff

#: Thursday 3 December 2026 09.00 WIB; the tickets come on Wednesday 10.00 WIB (`now`)
THURSDAY_9 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
#: Wed 10.00-16.00 and Thu 07.30-09.00, counted by hand
WED_TO_THU = 6 * 3600 + 1.5 * 3600


def fresh(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def answered(now: datetime, at: datetime = THURSDAY_9) -> Ticket:
    ticket = gen_ticket(now)
    worker = staff(now)
    run(svc.claim, ticket, worker, now)
    run(svc.reply, fresh(ticket), worker, "Syaratnya NIB dan KTP.", "selesai", at)
    return fresh(ticket)


def test_the_working_time_is_stored_at_the_first_answer_and_kept(app, now):
    ticket = gen_ticket(now)
    worker = staff(now)
    run(svc.claim, ticket, worker, now)
    # a question to the citizen is not an answer
    run(svc.reply, fresh(ticket), worker, "Mohon kirim NIB.", "menunggu_pemohon",
        now + timedelta(hours=1))
    assert fresh(ticket).first_response_seconds is None
    run(svc.reply, fresh(ticket), worker, "Syaratnya NIB dan KTP.", "selesai", THURSDAY_9)
    ticket = fresh(ticket)
    assert ticket.first_response_dt == THURSDAY_9
    assert ticket.first_response_seconds == WED_TO_THU

    # the citizen reopens, a second answer, a reopen by staff, the close: all kept
    run(intake.confirm_understanding, ticket, False, "Belum jelas biayanya.",
        THURSDAY_9 + timedelta(hours=2))
    run(svc.reply, fresh(ticket), worker, "Gratis.", "selesai", THURSDAY_9 + timedelta(days=1))
    run(svc.reopen, fresh(ticket), worker, THURSDAY_9 + timedelta(days=5), reason="lupa")
    run(svc.reply, fresh(ticket), worker, "Lengkap.", "selesai", THURSDAY_9 + timedelta(days=6))
    run(svc.close, fresh(ticket), worker, THURSDAY_9 + timedelta(days=7))
    ticket = fresh(ticket)
    assert ticket.reopen_count == 1 and ticket.status == "ditutup"
    assert (ticket.first_response_dt, ticket.first_response_seconds) == (THURSDAY_9, WED_TO_THU)


def test_a_calendar_edit_after_the_answer_leaves_the_stored_time(app, now):
    """The rule of domain.report: the value stored at the answer is the truth. A closure added
    afterwards for the day of the answer changes only a request answered without one."""
    kept = answered(now)
    legacy = answered(now)  # as if answered before the value was stored
    db.session.execute(update(Ticket).where(Ticket.id == legacy.id)
                       .values(first_response_seconds=None))
    db.session.commit()
    later = THURSDAY_9 + timedelta(days=7)
    run(calendar_service.add_closure, date(2026, 12, 3), "Libur daerah", later)

    figures = reports.evaluation(parse_period("2026-12"), later).overall.figures
    assert figures.answered == 2
    # Thursday is closed now: only Wednesday 10.00-16.00 counts for the one computed
    assert sorted(figures.answer_seconds) == [6 * 3600, WED_TO_THU]
    assert fresh(kept).first_response_seconds == WED_TO_THU


def test_the_backfill_stores_what_the_answer_stored(app, now):
    tickets = [answered(now, THURSDAY_9 + timedelta(hours=h)) for h in (0, 3, 26, 50, 97)]
    waiting = gen_ticket(now)
    stored = {t.id: t.first_response_seconds for t in tickets}
    assert len(set(stored.values())) == len(tickets) and None not in stored.values()
    db.session.execute(update(Ticket).values(first_response_seconds=None))
    db.session.commit()

    connection = db.session.connection()
    calendar = calendar_service.office_calendar()
    assert backfill_first_response_seconds(connection, calendar, batch=2) == len(tickets)
    db.session.commit()
    after = dict(db.session.execute(select(Ticket.id, Ticket.first_response_seconds)).all())
    assert {i: after[i] for i in stored} == stored
    assert after[waiting.id] is None  # not answered: nothing to store
    assert backfill_first_response_seconds(db.session.connection(), calendar) == 0
