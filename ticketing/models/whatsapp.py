"""The WhatsApp channel: raw webhook deliveries, inbound messages, contacts and the WhatsApp
outbox (messages we send, with their delivery state from Meta's status callbacks)."""

from __future__ import annotations

from sqlalchemy import JSON, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .tickets import Message, Ticket


class WhatsAppDelivery(db.Model):
    """One webhook POST exactly as Meta sent it, stored and committed before processing, so a
    crash later never loses a citizen's message. The same bytes again (a retry) hit sha256."""

    __tablename__ = "whatsapp_deliveries"
    __table_args__ = (
        Index("ix_whatsapp_deliveries_state_created", "state", "created_dt"),
        # the retention run (services.privacy_whatsapp)
        Index("ix_whatsapp_deliveries_purged_created", "purged_dt", "created_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of the raw body
    sha256: Mapped[str] = mapped_column(db.String(64), unique=True)
    #: the exact body received (JSON text)
    raw: Mapped[bytes] = mapped_column(db.LargeBinary, deferred=True)
    #: pending (stored, not yet processed) | done | failed
    state: Mapped[str] = mapped_column(db.String(10), default="pending")
    #: the exception of the last failed attempt
    error: Mapped[str | None] = mapped_column(db.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    #: deliveries of these same bytes, the first one included
    times_seen: Mapped[int] = mapped_column(default=1)
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    #: when the retention policy or an erasure removed its personal data
    purged_dt = mapped_column(UTCDateTime, nullable=True)
    processed_dt = mapped_column(UTCDateTime, nullable=True)


class WhatsAppContact(db.Model):
    """A citizen's WhatsApp number: profile name, last message (the 24-hour window), opt-out."""

    __tablename__ = "whatsapp_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: digits in international form (E.164 without '+'), as Meta's wa_id
    wa_id: Mapped[str] = mapped_column(db.String(32), unique=True)
    profile_name: Mapped[str | None] = mapped_column(db.String(200))
    #: when the citizen last wrote to us: free-form messages only within 24 hours of it
    last_inbound_dt = mapped_column(UTCDateTime, nullable=True)
    #: set by BERHENTI/STOP: only direct answers to open requests are still sent
    opted_out_dt = mapped_column(UTCDateTime, nullable=True)
    #: set when Meta reports the number cannot receive our messages
    is_undeliverable: Mapped[bool] = mapped_column(default=False)
    #: no message to this number before this time (rate limits: per-recipient pace)
    paused_until_dt = mapped_column(UTCDateTime, nullable=True)
    created_dt = mapped_column(UTCDateTime, default=utcnow)


#: created | appended | ignored | failed
WA_MESSAGE_ACTIONS = ("created", "appended", "ignored", "failed")
#: none | pending | stored | refused | failed
MEDIA_STATES = ("none", "pending", "stored", "refused", "failed")


class WhatsAppMessage(db.Model):
    """One inbound message, once per wamid (Meta delivers the same message more than once)."""

    __tablename__ = "whatsapp_messages"
    __table_args__ = (
        Index("ix_whatsapp_messages_media_next", "media_state", "media_next_dt"),
        Index("ix_whatsapp_messages_wa_id_sent", "wa_id", "sent_dt"),
        Index("ix_whatsapp_messages_purged_created", "purged_dt", "created_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Meta's message id
    wamid: Mapped[str] = mapped_column(db.String(200), unique=True)
    delivery_id: Mapped[int | None] = mapped_column(db.ForeignKey("whatsapp_deliveries.id"),
                                                    index=True)
    wa_id: Mapped[str] = mapped_column(db.String(32))
    #: text | image | document | audio | video | location | contacts | interactive | button |
    #: reaction | sticker | unsupported | ...
    type: Mapped[str] = mapped_column(db.String(20))
    #: the message object as Meta sent it
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the message's own timestamp (when the citizen sent it)
    sent_dt = mapped_column(UTCDateTime, nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(db.ForeignKey("tickets.id"), index=True)
    #: the conversation entry it became
    message_id: Mapped[int | None] = mapped_column(db.ForeignKey("messages.id"), index=True)
    action: Mapped[str] = mapped_column(db.String(10), default="created")
    reason: Mapped[str | None] = mapped_column(db.String(300))
    #: media (image, document, audio, video, sticker): Graph API id and download state
    media_id: Mapped[str | None] = mapped_column(db.String(200))
    media_state: Mapped[str] = mapped_column(db.String(10), default="none")
    media_attempts: Mapped[int] = mapped_column(default=0)
    media_next_dt = mapped_column(UTCDateTime, nullable=True)
    media_error: Mapped[str | None] = mapped_column(db.String(300))
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    #: when the retention policy or an erasure removed its personal data
    purged_dt = mapped_column(UTCDateTime, nullable=True)

    ticket: Mapped[Ticket | None] = relationship()
    message: Mapped[Message | None] = relationship()


#: pending | sent (accepted by Meta) | delivered | read | failed | cancelled (BERHENTI)
WA_OUT_STATUSES = ("pending", "sent", "delivered", "read", "failed", "cancelled")


class WhatsAppOutbox(db.Model):
    """A WhatsApp message written in the same transaction as the change that caused it and
    delivered by `mail flush` with the mail outbox's retry rules. Status callbacks update
    `status` afterwards (sent -> delivered -> read, or failed with Meta's error code)."""

    __tablename__ = "whatsapp_outbox"
    __table_args__ = (
        Index("ix_whatsapp_outbox_status_next", "status", "next_attempt_dt"),
        Index("ix_whatsapp_outbox_recipient", "recipient", "status"),
        Index("ix_whatsapp_outbox_purged_created", "purged_dt", "created_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(db.ForeignKey("tickets.id"), index=True)
    #: the conversation entry this delivers (a staff answer), if any
    message_id: Mapped[int | None] = mapped_column(db.ForeignKey("messages.id"), index=True)
    #: acknowledgement | staff_reply | confirm_question | notice | ...
    kind: Mapped[str] = mapped_column(db.String(40))
    #: wa_id (digits)
    recipient: Mapped[str] = mapped_column(db.String(32))
    #: the free-form text (also the body of interactive messages)
    body_text: Mapped[str] = mapped_column(db.Text)
    #: reply buttons [{"id", "title"}] for an interactive message, else empty
    buttons: Mapped[list] = mapped_column(JSON, default=list)
    #: a direct answer to an open request: still sent after BERHENTI
    is_direct_answer: Mapped[bool] = mapped_column(default=False)
    #: set once the 24-hour window was closed (or Meta asked for re-engagement): the
    #: approved template is sent instead of the text
    use_template: Mapped[bool] = mapped_column(default=False)
    #: pending | sent | delivered | read | failed | cancelled
    status: Mapped[str] = mapped_column(db.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    #: Meta's error code and text of the last failure (send or status callback)
    error_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(db.Text)
    #: Meta's id of the sent message (status callbacks and replies name it)
    wamid: Mapped[str | None] = mapped_column(db.String(200), unique=True)
    #: what was actually sent: text | interactive | template:<name>
    sent_as: Mapped[str | None] = mapped_column(db.String(120))
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    #: when the retention policy or an erasure removed its personal data
    purged_dt = mapped_column(UTCDateTime, nullable=True)
    next_attempt_dt = mapped_column(UTCDateTime, default=utcnow)
    sent_dt = mapped_column(UTCDateTime, nullable=True)
    #: when the last status callback arrived
    status_dt = mapped_column(UTCDateTime, nullable=True)

    ticket: Mapped[Ticket | None] = relationship()
