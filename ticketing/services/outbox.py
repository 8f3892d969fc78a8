"""The outbox: mail is written in the caller's transaction and delivered later by flush()."""

from __future__ import annotations

import json
import logging
import re
import secrets
import smtplib
from datetime import datetime, timedelta
from email.header import Header
from email.utils import make_msgid

from flask import current_app, render_template
from flask_mail import BadHeaderError
from flask_mail import Message as MailMessage
from sqlalchemy import select

from ..extensions import db, mail
from ..models import OutboxMail, Ticket, User
from ..urls import public_base
from . import audit
from .availability import database

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
    render_later: bool = False,
) -> OutboxMail:
    """Add a mail from templates/email/<kind>.txt/.html to the session (no commit).

    render_later: keep only what the templates need (the ticket by its id, `context` as
    JSON) and render at flush time, out of the web request; the mail then says what holds
    when it is sent. Without it the templates are rendered now (a context of objects).
    """
    item = OutboxMail(**mail_values(
        kind, recipient, subject, now, ticket_id=ticket.id if ticket is not None else None,
        ticket_code=ticket.code if ticket is not None else None, context=context,
        automatic=automatic, render_later=render_later))
    if not render_later:
        item.body_text, item.body_html = _render(kind, ticket, context or {})
    if ticket is not None:
        item.in_reply_to = _last_inbound_message_id(ticket)
    db.session.add(item)
    return item


def mail_values(kind: str, recipient: str, subject: str, now: datetime, *,
                ticket_id: int | None = None, ticket_code: str | None = None,
                context: dict | None = None, automatic: bool = True,
                render_later: bool = False) -> dict:
    """The columns of one outbox mail, not yet rendered (also written without the ORM by
    intake.submit): the ticket's code in the subject, a Message-ID of ours, the automatic
    headers, due now; with render_later the template context kept as JSON."""
    if ticket_code is not None and f"[{ticket_code}]" not in subject:
        subject = f"[{ticket_code}] {subject}"
    if render_later:
        json.dumps(context or {})  # a context that cannot be stored fails here, not at flush
    return {
        "ticket_id": ticket_id,
        "kind": kind,
        "recipient": recipient,
        "subject": subject[:300],
        "body_text": "",
        "message_id": (new_message_id(ticket_code) if ticket_code is not None
                       else make_msgid(domain=current_app.config["MAIL_MESSAGE_ID_DOMAIN"])),
        "headers": dict(AUTO_HEADERS) if automatic else {},
        "status": "pending",
        "created_dt": now,
        "next_attempt_dt": now,
        "render_context": dict(context or {}) if render_later else None,
    }


def _render(kind: str, ticket: Ticket | None, context: dict) -> tuple[str, str]:
    """The text and HTML bodies of a mail of `kind`."""
    ctx = dict(context)
    ctx.setdefault("ticket", ticket)
    ctx.setdefault("base_url", public_base())
    return (render_template(f"email/{kind}.txt", **ctx),
            render_template(f"email/{kind}.html", **ctx))


def render_pending(item: OutboxMail) -> None:
    """Render a mail queued with render_later (its ticket as it is now) into its bodies;
    nothing to do for a mail rendered when it was queued. Raises what the templates raise."""
    if item.render_context is None:
        return
    ticket = db.session.get(Ticket, item.ticket_id) if item.ticket_id is not None else None
    if item.ticket_id is not None and ticket is None:
        raise LookupError(f"permohonan #{item.ticket_id} tidak ada lagi")
    item.body_text, item.body_html = _render(item.kind, ticket, item.render_context)
    item.render_context = None


def _last_inbound_message_id(ticket: Ticket) -> str | None:
    for message in reversed(ticket.messages):
        if message.direction == "in" and message.email_message_id:
            return message.email_message_id
    return None


def backoff(attempts: int, cap_minutes: int = 60) -> timedelta:
    """1, 2, 4, ... minutes after each failed attempt, capped (OUTBOX_BACKOFF_CAP_MINUTES)."""
    return timedelta(minutes=min(2 ** min(max(attempts - 1, 0), 20), cap_minutes))


class _Smtp:
    """One SMTP connection for a flush, opened at the first mail and dropped on any error."""

    def __init__(self) -> None:
        self.connection = None

    def send(self, message: MailMessage) -> None:
        if self.connection is None:
            self.connection = mail.connect().__enter__()
        self.connection.send(message)

    def drop(self) -> None:
        if self.connection is not None:
            try:
                self.connection.__exit__(None, None, None)
            except Exception as exc:  # noqa: BLE001 - closing a broken connection may fail too
                log.debug("closing the SMTP connection: %s", exc)
        self.connection = None


#: outcomes of one delivery attempt; "unreachable" is a retry that also ends the flush
SENT, RETRY, UNREACHABLE, FAILED = "sent", "retry", "unreachable", "failed"


def flush(now: datetime, limit: int | None = None) -> dict:
    """Deliver due outbox mail. One commit per mail, so a crash loses nothing and repeats at
    most the one mail in flight.

    A mail queued with render_later is rendered first. A mail that cannot be rendered or
    built, or that the server refuses for good, is `failed` with the reason and the flush
    goes on with the next one; when the server cannot be reached the mail is retried with
    capped exponential backoff for OUTBOX_RETRY_HOURS, then `failed`. On
    PostgreSQL rows are taken with SKIP LOCKED, so two flushers never send the same mail.
    Raises DatabaseUnavailable when the database cannot be reached.
    """
    limit = limit or current_app.config["OUTBOX_BATCH"]
    summary = {"sent": 0, "retry": 0, "failed": 0, "pending": 0, "smtp_unreachable": False}
    smtp = _Smtp()
    try:
        with database():
            for _ in range(limit):
                item = db.session.scalars(
                    select(OutboxMail)
                    .where(OutboxMail.status == "pending", OutboxMail.next_attempt_dt <= now)
                    .order_by(OutboxMail.next_attempt_dt, OutboxMail.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                ).first()
                if item is None:
                    break
                outcome = _deliver(item, smtp, now)
                db.session.commit()
                if outcome == UNREACHABLE:
                    # The server is unreachable: the rest would fail the same way.
                    summary["retry"] += 1
                    summary["smtp_unreachable"] = True
                    break
                summary[outcome] += 1
            summary["pending"] = db.session.scalar(
                select(db.func.count()).select_from(OutboxMail)
                .where(OutboxMail.status == "pending"))
    finally:
        smtp.drop()
    # The WhatsApp outbox, same retry rules; independent of SMTP being up (issue 11).
    from ..whatsapp.delivery import deliver as deliver_whatsapp

    with database():
        summary["whatsapp"] = deliver_whatsapp(now)
    return summary


def _deliver(item: OutboxMail, smtp: _Smtp, now: datetime) -> str:
    """One attempt at one mail; records the outcome on the row (the caller commits)."""
    try:
        render_pending(item)
        message = _to_mail_message(item)
    except Exception as exc:  # noqa: BLE001 - whatever is in the row, it stops only itself
        return _give_up(item, now, f"pesan tidak dapat disusun: {_describe(exc)}")
    try:
        smtp.send(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            return _give_up(item, now, f"alamat ditolak server: {_describe(exc)}")
        return _retry(item, now, exc)  # 4xx: this recipient later, the others now
    except smtplib.SMTPDataError as exc:
        smtp.drop()
        if 500 <= exc.smtp_code < 600:
            return _give_up(item, now, f"pesan ditolak server: {_describe(exc)}")
        return _retry(item, now, exc)
    except (smtplib.SMTPException, OSError) as exc:
        smtp.drop()
        return UNREACHABLE if _retry(item, now, exc) == RETRY else FAILED
    except Exception as exc:  # noqa: BLE001 - a bug or bad data in one mail stops only it
        smtp.drop()
        return _give_up(item, now, f"gagal dikirim: {_describe(exc)}")
    item.attempts += 1
    item.status = "sent"
    item.sent_dt = now
    item.last_error = None
    return SENT


def _describe(exc: BaseException) -> str:
    text = str(exc) or exc.__doc__ or ""
    return f"{type(exc).__name__}: {text}".strip()[:2000]


def _retry(item: OutboxMail, now: datetime, exc: BaseException) -> str:
    """A temporary failure: try again after the backoff, until the retry window is over."""
    config = current_app.config
    item.attempts += 1
    item.last_error = _describe(exc)
    if item.first_error_dt is None:
        item.first_error_dt = now
    window = timedelta(hours=float(config["OUTBOX_RETRY_HOURS"]))
    if now - item.first_error_dt >= window:
        hours = config["OUTBOX_RETRY_HOURS"]
        return _give_up(item, now, f"tidak terkirim selama {hours} jam: {item.last_error}",
                        counted=True)
    item.next_attempt_dt = now + backoff(item.attempts, int(config["OUTBOX_BACKOFF_CAP_MINUTES"]))
    log.warning("outbox %s will retry at %s: %s", item.id, item.next_attempt_dt, item.last_error)
    return RETRY


def _give_up(item: OutboxMail, now: datetime, reason: str, *, counted: bool = False) -> str:
    if not counted:
        item.attempts += 1
    item.status = "failed"
    item.failed_dt = now
    item.last_error = reason[:2000]
    log.error("outbox %s failed: %s", item.id, item.last_error)
    return FAILED


#: never in a header we write: a line break would start a new header (Bcc: injection)
_BAD_IN_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def fold_subject(subject: str) -> str:
    """The Subject value folded for a 78-character line that starts with "Subject: ".
    Left to itself, the email package sometimes folds right after "Subject:" (the value then
    starts with a space for many parsers); folded here, it is written as is. Non-ASCII text
    becomes RFC 2047 encoded words, as Flask-Mail would make them."""
    try:
        subject.encode("ascii")
        charset = "us-ascii"
    except UnicodeEncodeError:
        charset = "utf-8"
    return Header(subject, charset, maxlinelen=78, header_name="Subject").encode(linesep="\r\n")


def _to_mail_message(item: OutboxMail) -> MailMessage:
    """The Flask-Mail message, checked the way Connection.send will check it (header
    injection, encoding), so a broken row fails here and never half-way through SMTP."""
    headers = dict(item.headers or {})
    if item.in_reply_to:
        headers["In-Reply-To"] = item.in_reply_to
        headers["References"] = item.in_reply_to
    message = MailMessage(
        subject=fold_subject(item.subject),
        recipients=[item.recipient],
        body=item.body_text,
        html=item.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=headers,
    )
    message.msgId = item.message_id
    if not item.recipient or not item.recipient.strip():
        raise ValueError("tanpa alamat penerima")
    one_line = [item.recipient, item.subject, item.message_id, *headers, *headers.values()]
    if message.has_bad_headers() or any(_BAD_IN_HEADER.search(str(v)) for v in one_line):
        raise BadHeaderError("header berisi baris baru atau karakter kendali (CR/LF/NUL)")
    message.as_bytes()  # encoding problems surface here
    return message


# ------------------------------------------------------------------ requeue (admin, CLI)

class RequeueError(ValueError):
    """The mail cannot be sent again (unknown, or already sent); the message says why."""


def requeue(item: OutboxMail, now: datetime, *, actor: User | None = None,
            actor_label: str | None = None) -> None:
    """Send a failed (or waiting) mail again at the next flush, with a fresh retry window;
    audited. Flushes, never commits."""
    if item.status == "sent":
        raise RequeueError(f"Surel #{item.id} sudah terkirim.")
    if item.purged_dt is not None:
        raise RequeueError(f"Isi surel #{item.id} sudah dihapus (retensi data).")
    old = item.status
    item.status = "pending"
    item.next_attempt_dt = now
    item.attempts = 0
    item.first_error_dt = None
    item.failed_dt = None
    ticket = db.session.get(Ticket, item.ticket_id) if item.ticket_id else None
    audit.record(ticket, "outbox_requeue", now, actor=actor, actor_label=actor_label,
                 old=old, new="pending", detail={"outbox_id": item.id, "kind": item.kind})
    db.session.flush()


def requeue_many(ids: list[int] | None, now: datetime, *, actor: User | None = None,
                 actor_label: str | None = None) -> dict:
    """Requeue the given outbox ids, or every failed mail when ids is None."""
    if ids is None:
        pairs = [(item.id, item) for item in db.session.scalars(
            select(OutboxMail).where(OutboxMail.status == "failed", OutboxMail.purged_dt.is_(None))
            .order_by(OutboxMail.id))]
    else:
        pairs = [(wanted, db.session.get(OutboxMail, wanted)) for wanted in ids]
    summary: dict = {"requeued": [], "errors": {}}
    for wanted, item in pairs:
        if item is None:
            summary["errors"][str(wanted)] = f"Surel keluar #{wanted} tidak ditemukan."
            continue
        try:
            requeue(item, now, actor=actor, actor_label=actor_label)
        except RequeueError as exc:
            summary["errors"][str(item.id)] = str(exc)
        else:
            summary["requeued"].append(item.id)
    return summary


#: the admin page's filters: mail that did not go out
ADMIN_FILTERS = {"bermasalah": ("failed", "pending"), "gagal": ("failed",),
                 "menunggu": ("pending",)}


def undelivered_page(which: str, page: int, per_page: int = 50):
    """Failed and waiting mail for the admin page, failed first, oldest first (paginated)."""
    statuses = ADMIN_FILTERS.get(which, ADMIN_FILTERS["bermasalah"])
    query = (select(OutboxMail, Ticket.code)
             .outerjoin(Ticket, OutboxMail.ticket_id == Ticket.id)
             .where(OutboxMail.status.in_(statuses), OutboxMail.purged_dt.is_(None))
             .order_by(OutboxMail.status, OutboxMail.next_attempt_dt, OutboxMail.id))
    total = db.session.scalar(select(db.func.count()).select_from(OutboxMail)
                              .where(OutboxMail.status.in_(statuses),
                                     OutboxMail.purged_dt.is_(None)))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total


def outbox_counts() -> dict[str, int]:
    """Waiting and failed mail, for /healthz and the admin page (index on status); mail
    whose content was erased (retention, erasure request) is not counted: nothing to do."""
    rows = db.session.execute(
        select(OutboxMail.status, db.func.count()).where(
            OutboxMail.status.in_(("pending", "failed")), OutboxMail.purged_dt.is_(None))
        .group_by(OutboxMail.status)).all()
    counts = dict.fromkeys(("pending", "failed"), 0)
    counts.update(dict(rows))
    return counts
