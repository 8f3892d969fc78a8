"""Writing the audit log (within the caller's transaction)."""

from __future__ import annotations

from datetime import datetime

from ..extensions import db
from ..models import AuditEntry, Ticket, User

SYSTEM = "sistem"
CITIZEN = "pemohon"


def record(
    ticket: Ticket | None,
    action: str,
    now: datetime,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
    old: object = None,
    new: object = None,
    detail: dict | None = None,
) -> AuditEntry:
    """Append one entry; never commits (the service that calls it does)."""
    entry = AuditEntry(**entry_values(
        ticket.id if ticket is not None else None, action, now, actor=actor,
        actor_label=actor_label, old=old, new=new, detail=detail))
    db.session.add(entry)
    return entry


def entry_values(ticket_id: int | None, action: str, now: datetime, *,
                 actor: User | None = None, actor_label: str | None = None,
                 old: object = None, new: object = None, detail: dict | None = None) -> dict:
    """The columns of one audit entry (also written without the ORM by intake.submit)."""
    return {
        "ticket_id": ticket_id,
        "actor_id": actor.id if actor else None,
        "actor_label": actor.name if actor else (actor_label or SYSTEM),
        "action": action,
        "old_value": None if old is None else str(old)[:300],
        "new_value": None if new is None else str(new)[:300],
        "detail": detail,
        "created_dt": now,
    }
