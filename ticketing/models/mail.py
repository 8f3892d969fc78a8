"""Outgoing mail (the outbox) and raw inbound mail."""

from __future__ import annotations

from sqlalchemy import JSON, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

OUTBOX_STATUSES = ("pending", "sent", "failed")


class OutboxMail(db.Model):
    """A mail written in the same transaction as the change that caused it; sent later."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(db.ForeignKey("tickets.id"), index=True)
    #: template name under templates/email/, for the record
    kind: Mapped[str] = mapped_column(db.String(40))
    recipient: Mapped[str] = mapped_column(db.String(254))
    subject: Mapped[str] = mapped_column(db.String(300))
    body_text: Mapped[str] = mapped_column(db.Text)
    body_html: Mapped[str | None] = mapped_column(db.Text)
    #: our signed Message-ID (see domain.mailparse.make_message_id)
    message_id: Mapped[str] = mapped_column(db.String(300), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(db.String(998))
    #: extra headers, e.g. Auto-Submitted
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    #: pending | sent | failed (gave up after OUTBOX_MAX_ATTEMPTS)
    status: Mapped[str] = mapped_column(db.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(db.Text)
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_dt = mapped_column(UTCDateTime, default=utcnow)
    sent_dt = mapped_column(UTCDateTime, nullable=True)
