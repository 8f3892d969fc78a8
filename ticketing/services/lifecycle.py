"""Status changes with their effect on the SLA clock; used by every channel and role."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from ..domain import lifecycle
from ..models import Ticket, User
from . import audit
from .calendar import office_calendar


def target_days_for(ticket_or_service) -> float:
    """The service's target in working days (triage requests: DEFAULT_TARGET_DAYS)."""
    service = getattr(ticket_or_service, "service", ticket_or_service)
    if service is not None and getattr(service, "target_days", None) is not None:
        return float(service.target_days)
    return float(current_app.config["DEFAULT_TARGET_DAYS"])


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def set_status(ticket: Ticket, new: str, now: datetime, *, actor: User | None = None,
               actor_label: str | None = None, reason: str | None = None) -> None:
    """Move the ticket through the lifecycle table, keeping the clock honest. No commit.

    - menunggu_pemohon pauses the clock: the working time left is kept, due_dt cleared;
    - back to baru/diproses from waiting resumes it with the time that was left;
    - selesai stops it (first_response_dt is the first substantive answer);
    - reopening (selesai/ditutup -> diproses) starts a new, shorter window from now.
    """
    old = ticket.status
    if old == new:
        return
    lifecycle.check_transition(old, new)
    calendar = office_calendar()
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
        ticket.due_dt = calendar.add_working_days(now, target_days_for(ticket) * fraction)
        ticket.resolved_dt = None
        ticket.closed_dt = None
        ticket.escalation_level = 0
    if new == "selesai":
        ticket.resolved_dt = now
        if ticket.first_response_dt is None:
            ticket.first_response_dt = now
    if new == "ditutup":
        ticket.closed_dt = now
    ticket.updated_dt = now
    audit.record(ticket, "status", now, actor=actor, actor_label=actor_label, old=old, new=new,
                 detail={"reason": reason} if reason else None)
    if ticket.due_dt != old_due:
        audit.record(ticket, "due", now, actor=actor, actor_label=actor_label or audit.SYSTEM,
                     old=_iso(old_due), new=_iso(ticket.due_dt),
                     detail={"reason": f"{old} -> {new}"})
