"""Outgoing mail (the outbox), raw inbound mail and our automatic replies."""

from __future__ import annotations

from sqlalchemy import JSON, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

OUTBOX_STATUSES = ("pending", "sent", "failed")


class OutboxMail(db.Model):
    """A mail written in the same transaction as the change that caused it; sent later."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_dt"),
        # the retention run: bodies not yet purged, oldest first
        Index("ix_outbox_purged_created", "purged_dt", "created_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(db.ForeignKey("tickets.id"), index=True)
    #: template name under templates/email/, for the record
    kind: Mapped[str] = mapped_column(db.String(40))
    recipient: Mapped[str] = mapped_column(db.String(254))
    subject: Mapped[str] = mapped_column(db.String(300))
    #: the bodies; empty until the flush renders a mail queued with render_later
    body_text: Mapped[str] = mapped_column(db.Text)
    body_html: Mapped[str | None] = mapped_column(db.Text)
    #: what the templates need besides the ticket (JSON), while the mail waits to be rendered
    #: at flush time; None once rendered (or when rendered as it was queued)
    render_context: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    #: our signed Message-ID (see mail.make_message_id)
    message_id: Mapped[str] = mapped_column(db.String(300), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(db.String(998))
    #: extra headers, e.g. Auto-Submitted
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    #: pending | sent | failed (refused for good, or still undeliverable after
    #: OUTBOX_RETRY_HOURS of retries)
    status: Mapped[str] = mapped_column(db.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(db.Text)
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_dt = mapped_column(UTCDateTime, default=utcnow)
    sent_dt = mapped_column(UTCDateTime, nullable=True)
    #: the first failed attempt of the current series of retries (reset by a requeue)
    first_error_dt = mapped_column(UTCDateTime, nullable=True)
    #: when it was given up (status failed)
    failed_dt = mapped_column(UTCDateTime, nullable=True)
    #: when the retention policy or an erasure removed its bodies
    purged_dt = mapped_column(UTCDateTime, nullable=True)


#: what happened to an inbound mail; "duplicate" is never stored (a re-delivery finds its row)
INBOUND_ACTIONS = ("processing", "created", "appended", "ignored", "failed")


class InboundMail(db.Model):
    """One raw message as it reached us, kept until retention or erasure removes it; stored
    and committed before anything else is done with it, so a crash later never loses a mail.

    The same bytes delivered again (IMAP re-fetch, MTA retry, a second poller) hit the
    unique sha256: on PostgreSQL that index decides a race between two pollers.
    """

    __tablename__ = "inbound_mail"
    __table_args__ = (
        # admin list of failed/ignored mail, newest first; the stale-claim sweep
        Index("ix_inbound_mail_action_created", "action", "created_dt"),
        # the retention run: raw mail not yet purged, oldest first
        Index("ix_inbound_mail_purged_created", "purged_dt", "created_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of the raw bytes (of the header block for a too-large stub)
    sha256: Mapped[str] = mapped_column(db.String(64), unique=True)
    #: the Message-ID header, or a deterministic one made from the content
    message_id: Mapped[str] = mapped_column(db.String(998), index=True)
    #: the exact bytes received (only the header block when is_headers_only)
    raw: Mapped[bytes] = mapped_column(db.LargeBinary, deferred=True)
    #: size of the whole message in bytes (as the server reported it for a stub)
    size: Mapped[int] = mapped_column(default=0)
    #: True for a message too large to download: raw holds its headers only
    is_headers_only: Mapped[bool] = mapped_column(default=False)
    #: imap | pipe | file
    source: Mapped[str] = mapped_column(db.String(10))
    imap_folder: Mapped[str | None] = mapped_column(db.String(200))
    imap_uid: Mapped[str | None] = mapped_column(db.String(20))
    #: the UID a poller is moving (or moved) out of the folder, and since when: two pollers
    #: never both move one message (Dovecot would then file two copies)
    imap_moved_uid: Mapped[str | None] = mapped_column(db.String(20))
    imap_move_dt = mapped_column(UTCDateTime, nullable=True)
    #: sender, subject and To+Cc as parsed, for the admin list and "was copied on it"
    from_email: Mapped[str | None] = mapped_column(db.String(254))
    subject: Mapped[str | None] = mapped_column(db.String(300))
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    #: normal | bounce | auto_reply | bulk | own | too_large (see mail.classify)
    classification: Mapped[str | None] = mapped_column(db.String(20))
    #: processing (claimed by a worker) | created | appended | ignored | failed
    action: Mapped[str] = mapped_column(db.String(12), default="processing")
    #: why, in words (shown to admins and printed by the CLI)
    reason: Mapped[str | None] = mapped_column(db.String(300))
    #: the exception of the last failed attempt
    error: Mapped[str | None] = mapped_column(db.Text)
    ticket_id: Mapped[int | None] = mapped_column(db.ForeignKey("tickets.id"), index=True)
    #: processing attempts (the first one and every retry)
    attempts: Mapped[int] = mapped_column(default=0)
    #: deliveries of these same bytes, the first one included
    times_seen: Mapped[int] = mapped_column(default=1)
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    #: when a worker claimed it; a claim older than MAIL_CLAIM_STALE_MINUTES is taken over
    claimed_dt = mapped_column(UTCDateTime, nullable=True)
    processed_dt = mapped_column(UTCDateTime, nullable=True)
    #: when the retention policy or an erasure removed the raw bytes and the sender
    purged_dt = mapped_column(UTCDateTime, nullable=True)


class MailAutoReply(db.Model):
    """An automatic mail we sent to a sender (acknowledgement, too-large notice): the
    bookkeeping behind RFC 3834's "not more than a few per sender per hour"."""

    __tablename__ = "mail_auto_replies"
    __table_args__ = (Index("ix_mail_auto_replies_recipient_created", "recipient", "created_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: lower-cased address
    recipient: Mapped[str] = mapped_column(db.String(254))
    #: template name under templates/email/
    kind: Mapped[str] = mapped_column(db.String(40))
    ticket_id: Mapped[int | None] = mapped_column(db.ForeignKey("tickets.id"))
    inbound_mail_id: Mapped[int | None] = mapped_column(db.ForeignKey("inbound_mail.id"))
    created_dt = mapped_column(UTCDateTime, default=utcnow)
