"""The tracking page's timeline: the ticket's audit log read as citizen steps."""

from __future__ import annotations

from sqlalchemy import select

from ..domain.timeline import Step, citizen_steps
from ..extensions import db
from ..models import AuditEntry, Ticket, Unit

ACTIONS = ("created", "unit", "status", "reply", "citizen_reply", "confirm")


def for_citizen(ticket: Ticket) -> tuple[list[Step], dict[str, str]]:
    """The steps (oldest first) and the unit names they mention."""
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.ticket_id == ticket.id,
                                 AuditEntry.action.in_(ACTIONS))
        .order_by(AuditEntry.created_dt, AuditEntry.id)).all()
    names = dict(db.session.execute(select(Unit.code, Unit.name)).all())
    return citizen_steps(entries), names
