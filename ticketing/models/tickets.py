"""Tickets, their conversation and attachments."""

from __future__ import annotations

from sqlalchemy import Index, Text, and_, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..domain import lifecycle
from ..extensions import db
from .base import UTCDateTime, utcnow
from .catalogue import Service, Unit
from .people import User

TICKET_TYPES = ("informasi", "pengaduan", "saran")
CHANNELS = ("web", "api", "email", "lisan", "whatsapp", "telepon")
DIRECTIONS = ("in", "out", "note")
#: the open statuses (domain.lifecycle.OPEN_STATUSES), as the partial indexes' predicate
OPEN_PREDICATE = "status IN ('baru', 'diproses', 'menunggu_pemohon')"


class Ticket(db.Model):
    """A request from a citizen: a question, a complaint or a suggestion."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_unit_status_due", "unit_id", "status", "due_dt"),
        Index("ix_tickets_status_due", "status", "due_dt"),
        # SLA: auto-close scans answered tickets by answer time; reports by first answer
        Index("ix_tickets_status_resolved", "status", "resolved_dt"),
        Index("ix_tickets_status_closed", "status", "closed_dt"),
        Index("ix_tickets_first_response", "first_response_dt"),
        # the queue's order (due first, paused last) for keyset pages over every status
        Index("ix_tickets_unit_due_id", "unit_id", "due_dt", "id"),
        Index("ix_tickets_due_id", "due_dt", "id"),
        # the open queue (about 1% of the tickets), in its order, per unit and for all units
        Index("ix_tickets_open_unit_due", "unit_id", "due_dt", "id",
              postgresql_where=text(OPEN_PREDICATE), sqlite_where=text(OPEN_PREDICATE)),
        Index("ix_tickets_open_due", "due_dt", "id",
              postgresql_where=text(OPEN_PREDICATE), sqlite_where=text(OPEN_PREDICATE)),
        # each person's open load (staff lists, reports): not every ticket they ever had
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        # No index of its own for unit_id, status or assignee_id (the composite indexes above
        # begin with them) nor for type or channel (a few values each: a filter on them goes
        # through the queue's order index): every index is paid by each intake INSERT.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: public tracking code, e.g. 7KQ4-M9XD (random, not sequential)
    code: Mapped[str] = mapped_column(db.String(12), unique=True)
    #: informasi | pengaduan | saran
    type: Mapped[str] = mapped_column(db.String(20))
    #: web | api | email | lisan | whatsapp | telepon
    channel: Mapped[str] = mapped_column(db.String(20))
    #: None while the request waits in triage
    unit_id: Mapped[int | None] = mapped_column(db.ForeignKey("units.id"))
    service_id: Mapped[int | None] = mapped_column(db.ForeignKey("services.id"), index=True)
    #: see ticketing.domain.lifecycle.STATUSES
    status: Mapped[str] = mapped_column(db.String(20), default="baru")
    subject: Mapped[str] = mapped_column(db.String(300))
    requester_name: Mapped[str] = mapped_column(db.String(200))
    #: lower-cased; None when the citizen gave only a phone number
    requester_email: Mapped[str | None] = mapped_column(db.String(254), index=True)
    #: digits only, normalised to 62...; None when not given
    requester_phone: Mapped[str | None] = mapped_column(db.String(32), index=True)
    #: set when mail to the requester bounced: staff should phone instead
    is_email_undeliverable: Mapped[bool] = mapped_column(default=False)
    assignee_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    #: when the request reached us
    created_dt = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: when the SLA clock started (the next office opening after receipt)
    sla_start_dt = mapped_column(UTCDateTime)
    #: the deadline on the working-time calendar; None while the clock is paused
    due_dt = mapped_column(UTCDateTime, nullable=True)
    #: working seconds left when the clock was paused (menunggu_pemohon)
    sla_remaining_seconds: Mapped[float | None] = mapped_column(db.Float, nullable=True)
    first_response_dt = mapped_column(UTCDateTime, nullable=True)
    #: working seconds from receipt to the first answer, stored at the answer with the calendar
    #: in force then (domain.report.answer_seconds); None when unanswered, or answered before
    #: it was stored and not backfilled (the report then computes it)
    first_response_seconds: Mapped[float | None] = mapped_column(db.Float, nullable=True)
    resolved_dt = mapped_column(UTCDateTime, nullable=True)
    closed_dt = mapped_column(UTCDateTime, nullable=True)
    #: 0 none, 1 ketua tim told, 2 kabid told
    escalation_level: Mapped[int] = mapped_column(default=0)
    #: SLA window: 1 until the first answer; +1 on each reopen or transfer, so warnings and
    #: escalations can be sent again (see domain.sla)
    sla_window: Mapped[int] = mapped_column(default=1, server_default="1")
    #: when the current window's clock started
    sla_window_start_dt = mapped_column(UTCDateTime, nullable=True)
    #: the current window's target in working seconds, fixed when the window started
    sla_target_seconds: Mapped[float | None] = mapped_column(db.Float, nullable=True)
    #: set at the first substantive answer: was it given after the deadline?
    is_first_response_late: Mapped[bool | None] = mapped_column(nullable=True)
    #: times the citizen said the answer was not understood ("Belum")
    reopen_count: Mapped[int] = mapped_column(default=0)
    #: True once the citizen confirmed the answer was understood ("Ya")
    is_understood: Mapped[bool | None] = mapped_column(nullable=True)
    #: why the request went to its unit (routing rule, citizen's choice, staff)
    routing_reason: Mapped[str | None] = mapped_column(db.String(300))
    #: the ticket this one follows up (e.g. a mail to a closed ticket)
    parent_id: Mapped[int | None] = mapped_column(db.ForeignKey("tickets.id"))
    #: when the citizen consented to processing of personal data (UU 27/2022)
    consent_dt = mapped_column(UTCDateTime, nullable=True)
    #: one-time token of the form that created it: a double submit finds this ticket
    submission_key: Mapped[str | None] = mapped_column(db.String(64), unique=True)
    updated_dt = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: when the requester's personal data was removed (retention policy or erasure request);
    #: the ticket stays for the statistics
    anonymised_dt = mapped_column(UTCDateTime, nullable=True)
    #: PostgreSQL full-text search over the subject and every message (see models.search);
    #: never loaded, unused on SQLite
    search_vector = deferred(mapped_column(Text().with_variant(TSVECTOR(), "postgresql"),
                                           nullable=True))
    #: optimistic lock: two staff saving at once cannot silently overwrite each other
    version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[Unit | None] = relationship()
    service: Mapped[Service | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    parent: Mapped[Ticket | None] = relationship(remote_side=[id])
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.id", cascade="save-update, merge"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Ticket {self.code} {self.status}>"

    @property
    def awaits_confirmation(self) -> bool:
        """The answer waits for the citizen's "Ya"/"Belum" (procedure step 7)."""
        return self.status == "selesai" and self.is_understood is None

    @property
    def takes_replies(self) -> bool:
        """The citizen may still add a message (a closed request takes none)."""
        return self.status != "ditutup"

    # The overdue rule, in Python and in SQL from one place (domain.lifecycle.is_overdue).
    @hybrid_method
    def is_overdue_at(self, now) -> bool:
        return lifecycle.is_overdue(self.status, self.due_dt, now)

    @is_overdue_at.expression
    def is_overdue_at(cls, now):
        return and_(cls.status.in_(sorted(lifecycle.CLOCK_RUNNING)), cls.due_dt.is_not(None),
                    cls.due_dt <= now)

    @hybrid_method
    def is_unanswered_late_at(self, now) -> bool:
        return lifecycle.is_unanswered_late(self.status, self.due_dt, self.first_response_dt,
                                            now)

    @is_unanswered_late_at.expression
    def is_unanswered_late_at(cls, now):
        return and_(cls.first_response_dt.is_(None), cls.is_overdue_at(now))


class Message(db.Model):
    """One entry of a ticket's conversation: in (citizen), out (staff reply) or note (internal)."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(db.ForeignKey("tickets.id"), index=True)
    #: in | out | note
    direction: Mapped[str] = mapped_column(db.String(8))
    #: display name of who wrote it
    author_name: Mapped[str] = mapped_column(db.String(200))
    author_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    body_text: Mapped[str] = mapped_column(db.Text, default="")
    #: sanitised HTML of an inbound mail, for display only
    body_html: Mapped[str | None] = mapped_column(db.Text)
    #: the full text (with quoted history) when body_text holds only the new part
    full_text: Mapped[str | None] = mapped_column(db.Text)
    channel: Mapped[str | None] = mapped_column(db.String(20))
    #: the mail Message-ID of this entry (inbound or our outgoing reply)
    email_message_id: Mapped[str | None] = mapped_column(db.String(998), index=True)
    created_dt = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id"
    )

    @property
    def is_public(self) -> bool:
        return self.direction in ("in", "out")


class Attachment(db.Model):
    """A file a citizen or staff member attached; bytes live in UPLOAD_DIR by sha256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(db.ForeignKey("messages.id"), index=True)
    #: sanitised original name, for display and download
    filename: Mapped[str] = mapped_column(db.String(255))
    #: detected from the content, not the name
    content_type: Mapped[str] = mapped_column(db.String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(db.String(64), index=True)
    #: path relative to UPLOAD_DIR
    storage_path: Mapped[str] = mapped_column(db.String(300))
    #: False when the file was refused (type/size) and kept only for staff review
    is_accepted: Mapped[bool] = mapped_column(default=True)
    #: why it was refused, shown to staff and told to the sender
    refusal_reason: Mapped[str | None] = mapped_column(db.String(300))
    created_dt = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[Message] = relationship(back_populates="attachments")
