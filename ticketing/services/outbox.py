"""The outbox: mail is written in the caller's transaction and delivered later by flush()."""

from __future__ import annotations

import logging
import secrets
import smtplib
import socket
from email.utils import make_msgid
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_mail import Message as MailMessage
from sqlalchemy import select

from ..extensions import db, mail
from ..models import OutboxMail, Ticket

log = logging.getLogger(__name__)

#: Headers RFC 3834 asks for on mail that a machine sends on its own.
AUTO_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}


def new_message_id(ticket_code: str) -> str:
    """A signed Message-ID we can later recognise as ours (and nobody can forge)."""
    from ..mail import make_message_id

    return make_message_id(
        ticket_code,
        current_app.config["SECRET_KEY"].encode(),
        current_app.config["MAIL_MESSAGE_ID_DOMAIN"],
        secrets.token_hex(6),
    )


def queue_mail(
    kind: str,
    recipient: str,
    subject: str,
    now: datetime,
    *,
    ticket: Ticket | None = None,
    context: dict | None = None,
    automatic: bool = True,
) -> OutboxMail:
    """Render templates/email/<kind>.txt/.html and add the mail to the session (no commit)."""
    ctx = dict(context or {})
    ctx.setdefault("ticket", ticket)
    ctx.setdefault("base_url", current_app.config["PUBLIC_BASE_URL"].rstrip("/"))
    body_text = render_template(f"email/{kind}.txt", **ctx)
    body_html = render_template(f"email/{kind}.html", **ctx)
    if ticket is not None and f"[{ticket.code}]" not in subject:
        subject = f"[{ticket.code}] {subject}"
    item = OutboxMail(
        ticket_id=ticket.id if ticket is not None else None,
        kind=kind,
        recipient=recipient,
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        message_id=(new_message_id(ticket.code) if ticket is not None
                    else make_msgid(domain=current_app.config["MAIL_MESSAGE_ID_DOMAIN"])),
        headers=dict(AUTO_HEADERS) if automatic else {},
        status="pending",
        created_dt=now,
        next_attempt_dt=now,
    )
    if ticket is not None:
        item.in_reply_to = _last_inbound_message_id(ticket)
    db.session.add(item)
    return item


def _last_inbound_message_id(ticket: Ticket) -> str | None:
    for message in reversed(ticket.messages):
        if message.direction == "in" and message.email_message_id:
            return message.email_message_id
    return None


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes, capped at 2 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 120))


def flush(now: datetime, limit: int | None = None) -> dict:
    """Deliver due outbox mail. One commit per mail, so a crash loses at most the mail in flight.

    On PostgreSQL rows are taken with SKIP LOCKED, so two flushers never send the same mail.
    """
    limit = limit or current_app.config["OUTBOX_BATCH"]
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    summary = {"sent": 0, "retry": 0, "failed": 0, "pending": 0}
    connection = None
    try:
        for _ in range(limit):
            query = (
                select(OutboxMail)
                .where(OutboxMail.status == "pending", OutboxMail.next_attempt_dt <= now)
                .order_by(OutboxMail.next_attempt_dt, OutboxMail.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            item = db.session.scalars(query).first()
            if item is None:
                break
            try:
                if connection is None:
                    connection = mail.connect().__enter__()
                connection.send(_to_mail_message(item))
            except (smtplib.SMTPException, OSError, socket.timeout) as exc:
                connection = _drop(connection)
                item.attempts += 1
                item.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if isinstance(exc, smtplib.SMTPRecipientsRefused) or item.attempts >= max_attempts:
                    item.status = "failed"
                    summary["failed"] += 1
                    log.error("outbox %s gave up: %s", item.id, item.last_error)
                else:
                    item.next_attempt_dt = now + backoff(item.attempts)
                    summary["retry"] += 1
                    log.warning("outbox %s will retry: %s", item.id, item.last_error)
                db.session.commit()
                if not isinstance(exc, smtplib.SMTPRecipientsRefused):
                    # The server is unreachable: the rest would fail the same way.
                    break
                continue
            item.attempts += 1
            item.status = "sent"
            item.sent_dt = now
            item.last_error = None
            db.session.commit()
            summary["sent"] += 1
    finally:
        _drop(connection)
    summary["pending"] = db.session.scalar(
        select(db.func.count()).select_from(OutboxMail).where(OutboxMail.status == "pending")
    )
    # The WhatsApp outbox, same retry rules; independent of SMTP being up (issue 11).
    from ..whatsapp.delivery import deliver as deliver_whatsapp

    summary["whatsapp"] = deliver_whatsapp(now)
    return summary


def _drop(connection):
    if connection is not None:
        try:
            connection.__exit__(None, None, None)
        except Exception:  # noqa: BLE001 - closing a broken connection may fail too
            pass
    return None


def _to_mail_message(item: OutboxMail) -> MailMessage:
    headers = dict(item.headers or {})
    if item.in_reply_to:
        headers["In-Reply-To"] = item.in_reply_to
        headers["References"] = item.in_reply_to
    message = MailMessage(
        subject=item.subject,
        recipients=[item.recipient],
        body=item.body_text,
        html=item.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=headers,
    )
    message.msgId = item.message_id
    return message
