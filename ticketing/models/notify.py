"""Staff notifications: who was told about which new work, and whether they have seen it."""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

#: preferences: a mail per batch of news, one mail a day, or only the marks in the queue
NOTIFY_PREFS = ("segera", "ringkasan", "mati")
#: what happened, as the mail and the queue word it
KINDS = ("new_ticket", "triage", "citizen_reply", "assigned")


class StaffNotification(db.Model):
    """One piece of news for one staff member, made from one audit entry."""

    __tablename__ = "staff_notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "audit_entry_id", name="uq_staff_notifications_user_entry"),
        # the unread marks and counts on every staff page, and the mail run: only what is
        # unread (bounded by the open work, see services.staff_notify.settle) is indexed
        Index("ix_staff_notifications_unread", "user_id", "ticket_id",
              postgresql_where=text("read_dt IS NULL"), sqlite_where=text("read_dt IS NULL")),
        Index("ix_staff_notifications_unmailed", "user_id",
              postgresql_where=text("mailed_dt IS NULL AND read_dt IS NULL"),
              sqlite_where=text("mailed_dt IS NULL AND read_dt IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(db.ForeignKey("tickets.id"), index=True)
    #: the audit entry that caused it (each entry tells each person once)
    audit_entry_id: Mapped[int] = mapped_column(db.ForeignKey("audit_log.id"))
    #: new_ticket | triage | citizen_reply | assigned
    kind: Mapped[str] = mapped_column(db.String(20))
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    #: when the person opened the ticket after this news (None: unread, marked in the queue)
    read_dt = mapped_column(UTCDateTime, nullable=True)
    #: when it went out by mail (None: not yet, or never for the "mati" preference)
    mailed_dt = mapped_column(UTCDateTime, nullable=True, index=True)

    ticket = relationship("Ticket")


class JobCursor(db.Model):
    """How far a periodic job has read an append-only table (so each run costs only news)."""

    __tablename__ = "job_cursors"

    name: Mapped[str] = mapped_column(db.String(40), primary_key=True)
    last_id: Mapped[int] = mapped_column(default=0)
