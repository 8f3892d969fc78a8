"""Status changes with their effect on the SLA clock; used by every channel and role."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, select, text, update

from ..domain import lifecycle
from ..domain import report as report_rules
from ..domain.calendar import WorkingCalendar
from ..models import Message, Ticket, User
from . import audit, survey
from .calendar import request_calendar


def target_days_for(ticket_or_service) -> float:
    """The service's target in working days (triage requests: DEFAULT_TARGET_DAYS)."""
    service = getattr(ticket_or_service, "service", ticket_or_service)
    if service is not None and getattr(service, "target_days", None) is not None:
        return float(service.target_days)
    return float(current_app.config["DEFAULT_TARGET_DAYS"])


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def start_window(ticket: Ticket, now: datetime, calendar: WorkingCalendar, days: float,
                 *, new_window: bool) -> None:
    """Give the ticket a deadline `days` working days from now and remember the window's
    start and target, which the SLA warnings are measured against. No commit.

    new_window: a reopen (not the first window) - escalations may then be sent again.
    """
    for name, value in window_values(now, calendar, days).items():
        setattr(ticket, name, value)
    if new_window:
        ticket.sla_window = (ticket.sla_window or 1) + 1
        ticket.escalation_level = 0


def window_values(now: datetime, calendar: WorkingCalendar, days: float) -> dict:
    """A clock window opened at `now` for `days` working days: the deadline, the window's
    start and its target in working seconds (the 75% reminder is measured on them)."""
    start = calendar.next_opening(now)
    due = calendar.add_working_days(now, days)
    return {"due_dt": due, "sla_window_start_dt": start,
            "sla_target_seconds": calendar.working_seconds_between(start, due),
            "sla_remaining_seconds": None}


def _answer_is_late(ticket: Ticket, now: datetime) -> bool:
    """At an answer: had the deadline passed (a paused ticket: had its time run out)?"""
    if ticket.due_dt is not None:
        return now > ticket.due_dt
    return ticket.sla_remaining_seconds is not None and ticket.sla_remaining_seconds <= 0


def actor_kind(actor: User | None, actor_label: str | None) -> str:
    """staff, citizen or scheduler: who made a change, for the notification rules."""
    if actor is not None:
        return lifecycle.STAFF
    if actor_label == audit.CITIZEN:
        return lifecycle.CITIZEN
    return lifecycle.SCHEDULER if actor_label in (None, audit.SYSTEM) else lifecycle.STAFF


def set_status(ticket: Ticket, new: str, now: datetime, *, actor: User | None = None,
               actor_label: str | None = None, reason: str | None = None,
               public_message: Message | None = None, notify: bool = True) -> None:
    """Move the ticket through the lifecycle table, keeping the clock honest. No commit.

    - menunggu_pemohon pauses the clock: the working time left is kept, due_dt cleared;
    - back to baru/diproses from waiting resumes it with the time that was left;
    - selesai stops it (first_response_dt is the first substantive answer);
    - reopening (selesai/ditutup -> diproses) starts a new, shorter window from now.

    selesai and menunggu_pemohon need `public_message` (the answer, or what is needed from
    the citizen): a status change alone never counts as an answer (issue 10). Every answer
    opens a new "sudah dipahami?" round. The citizen is told of the change through
    services.notify (unless notify=False: the caller tells them itself, with its message).
    """
    old = ticket.status
    if old == new:
        return
    lifecycle.check_status_change(old, new, public_message=public_message is not None)
    # Read once per app context (a request, a CLI command, a job run): auto-close and the
    # walk-in form change several statuses in one go. Calendar edits clear this cache.
    calendar = request_calendar()
    old_due = ticket.due_dt
    ticket.status = new
    if new == "menunggu_pemohon" and old in lifecycle.CLOCK_RUNNING:
        left = calendar.working_seconds_between(now, ticket.due_dt) if ticket.due_dt else 0.0
        ticket.sla_remaining_seconds = max(left, 0.0)
        ticket.due_dt = None
    elif old == "menunggu_pemohon" and new in lifecycle.CLOCK_RUNNING:
        left = ticket.sla_remaining_seconds or 0.0
        ticket.due_dt = calendar.add_working_seconds(calendar.next_opening(now), left)
        ticket.sla_remaining_seconds = None
    elif new == "diproses" and old in ("selesai", "ditutup"):
        fraction = current_app.config.get("REOPEN_WINDOW_FRACTION", 0.5)
        start_window(ticket, now, calendar, target_days_for(ticket) * fraction, new_window=True)
        ticket.resolved_dt = None
        ticket.closed_dt = None
    if new == "selesai":
        ticket.resolved_dt = now
        ticket.is_understood = None  # a new confirmation round for this answer
        if ticket.first_response_dt is None:
            ticket.first_response_dt = now
            ticket.is_first_response_late = _answer_is_late(ticket, now)
            # fixed at the answer like the flag: a later calendar edit does not change it
            ticket.first_response_seconds = report_rules.seconds_to_answer(ticket.created_dt,
                                                                           now, calendar)
    if new == "ditutup":
        ticket.closed_dt = now
    ticket.updated_dt = now
    audit.record(ticket, "status", now, actor=actor, actor_label=actor_label, old=old, new=new,
                 detail={"reason": reason} if reason else None)
    if ticket.due_dt != old_due:
        audit.record(ticket, "due", now, actor=actor, actor_label=actor_label or audit.SYSTEM,
                     old=_iso(old_due), new=_iso(ticket.due_dt),
                     detail={"reason": f"{old} -> {new}"})
    kind = lifecycle.notice_for_change(old, new, actor_kind(actor, actor_label))
    context: dict = {"reason": reason}
    if new == "ditutup":
        # Closing an answered ticket invites the citizen to the survey, once (issue 6): the
        # link travels in the closing notice, so the citizen gets one message, not two.
        invitation = survey.invite(ticket, now, "ditutup", send=kind is None or not notify)
        if invitation is not None and kind is not None:
            context["survey_url"] = survey.survey_url(ticket)
    if kind is not None and notify:
        from . import notify as notices

        notices.tell(ticket, kind, now, context=context)


#: answered requests read, computed and written per batch of the backfill
BACKFILL_BATCH = 10_000

_WRITE_SECONDS_PG = text(
    "UPDATE tickets SET first_response_seconds = v.seconds "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:seconds AS double precision[])) "
    "AS v(id, seconds) WHERE tickets.id = v.id AND tickets.first_response_seconds IS NULL")


def backfill_first_response_seconds(connection, calendar: WorkingCalendar,
                                    batch: int = BACKFILL_BATCH) -> int:
    """Store the working time to the first answer of the requests answered without it (before
    set_status stored it), computed with `calendar`; returns how many. Batches by id: one
    SELECT, the seconds worked out in Python, one UPDATE (PostgreSQL: from two arrays; other
    databases: executemany). No commit: the caller decides (the migration commits per batch).
    Used by migration 0021 and bench/seed.py."""
    t = Ticket.__table__
    postgresql = connection.dialect.name == "postgresql"
    write = update(t).where(t.c.id == bindparam("ticket_id"),
                            t.c.first_response_seconds.is_(None)).values(
        first_response_seconds=bindparam("seconds"))
    last, done = 0, 0
    while True:
        rows = connection.execute(
            select(t.c.id, t.c.created_dt, t.c.first_response_dt)
            .where(t.c.id > last, t.c.first_response_dt.is_not(None),
                   t.c.first_response_seconds.is_(None))
            .order_by(t.c.id).limit(batch)).all()
        if not rows:
            return done
        seconds = [report_rules.seconds_to_answer(created, answered, calendar)
                   for _, created, answered in rows]
        if postgresql:
            connection.execute(_WRITE_SECONDS_PG,
                               {"ids": [row[0] for row in rows], "seconds": seconds})
        else:
            connection.execute(write, [{"ticket_id": row[0], "seconds": value}
                                       for row, value in zip(rows, seconds, strict=True)])
        done += len(rows)
        last = rows[-1][0]
