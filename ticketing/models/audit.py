"""The audit log: every change of state, append-only."""

from __future__ import annotations

from sqlalchemy import JSON, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .people import User


class AuditEntry(db.Model):
    """Who changed what, when, from what to what. Never updated or deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(db.ForeignKey("tickets.id"), index=True)
    #: None for the citizen or the system
    actor_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    #: "sistem", "pemohon", or the staff member's name at the time
    actor_label: Mapped[str] = mapped_column(db.String(200))
    #: created, status, assignee, unit, due, reply, note, citizen_reply, confirm, ...
    action: Mapped[str] = mapped_column(db.String(40))
    old_value: Mapped[str | None] = mapped_column(db.String(300))
    new_value: Mapped[str | None] = mapped_column(db.String(300))
    detail: Mapped[dict | None] = mapped_column(JSON)
    created_dt = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(mapper, connection, target) -> None:
    """The audit log is evidence: an entry, once written, is never changed or removed."""
    raise PermissionError("audit entries are append-only")
