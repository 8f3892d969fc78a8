"""The SLA clock's records: notification decisions and daily digests."""

from __future__ import annotations

from sqlalchemy import JSON, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .people import User


class SlaNotification(db.Model):
    """One warning or escalation decision, written in the same transaction as its mail.

    The unique constraint is the once-only guarantee: however many `sla check` processes
    run, a ticket gets each level at most once per SLA window.
    """

    __tablename__ = "sla_notifications"
    __table_args__ = (UniqueConstraint("ticket_id", "level", "sla_window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(db.ForeignKey("tickets.id"))
    #: 0 reminder (75%), 1 escalation to ketua tim, 2 escalation to kabid
    level: Mapped[int]
    #: the ticket's sla_window when the decision was taken
    sla_window: Mapped[int]
    #: the unit whose chain was told (None: triage, both units); a different unit on the
    #: ticket later means it was transferred, which starts a new window
    unit_id: Mapped[int | None] = mapped_column(db.ForeignKey("units.id"))
    #: e-mail addresses the mail was queued for (empty when nobody could be found)
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    #: the clock's `now` when the decision was taken
    created_dt = mapped_column(UTCDateTime, default=utcnow)


class SlaDigest(db.Model):
    """A daily digest decision: one per person per office day, however many schedulers run."""

    __tablename__ = "sla_digests"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    #: the office-calendar date (WIB) the digest is for
    day = mapped_column(db.Date, nullable=False)
    #: tickets listed; 0 means nothing to report, so no mail was queued
    item_count: Mapped[int] = mapped_column(default=0)
    created_dt = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
