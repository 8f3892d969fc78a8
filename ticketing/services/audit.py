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
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_label=actor.name if actor else (actor_label or SYSTEM),
        action=action,
        old_value=None if old is None else str(old)[:300],
        new_value=None if new is None else str(new)[:300],
        detail=detail,
        created_dt=now,
    )
    if ticket is not None:
        entry.ticket_id = ticket.id
    db.session.add(entry)
    return entry
