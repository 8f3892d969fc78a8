"""Personal data (UU 27/2022): the retention policy and a data subject's erasure request.

Both keep what the statistics count (type, channel, unit, service, every date and the SLA
outcome, survey scores) and remove who the person is and what they wrote: name, e-mail,
phone, subject, every message text, attachments (the files too, unless another request holds
the same bytes), the raw inbound mail, the outbox bodies and WhatsApp payloads, and every
trace of them in the audit log. Both are audited without the personal data itself.
Services flush; the caller (CLI, admin page, scheduler job) commits once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import String, cast, delete, or_, select, update

from ..extensions import db
from ..models import (
    Attachment,
    AuditEntry,
    InboundMail,
    MailAutoReply,
    Message,
    OutboxMail,
    SurveyResponse,
    Ticket,
    User,
)
from . import audit, period_cache

log = logging.getLogger(__name__)

#: what replaces a removed text
REMOVED = "[dihapus]"
ANONYMOUS_NAME = "Anonim"
ANONYMOUS_SUBJECT = "(data pribadi dihapus)"
CITIZEN_AUTHOR = "Pemohon"
#: erasure: the person asked (UU 27/2022 Pasal 8); retention: the policy's time ran out
ERASURE, RETENTION = "permintaan subjek data", "kebijakan retensi"


class PrivacyError(ValueError):
    """A request that cannot be carried out; the message says why (Indonesian)."""


@dataclass
class Counts:
    tickets: int = 0
    messages: int = 0
    attachments: int = 0
    files_removed: int = 0
    inbound_mail: int = 0
    outbox: int = 0
    whatsapp: int = 0
    audit_entries: int = 0
    survey_comments: int = 0
    codes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "codes"}


# ------------------------------------------------------------------ erasure


def find_subject(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """The normalised contact of an erasure request (refused when neither is usable)."""
    from .intake import normalize_phone

    email = (email or "").strip().lower() or None
    phone = normalize_phone(phone)
    if email and ("@" not in email or len(email) > 254):
        raise PrivacyError("Alamat email tidak valid.")
    if phone and not 8 <= len(phone) <= 15:
        raise PrivacyError("Nomor telepon tidak valid.")
    if not email and not phone:
        raise PrivacyError("Isi email atau nomor telepon pemohon.")
    return email, phone


def subject_tickets(email: str | None, phone: str | None) -> list[Ticket]:
    conditions = []
    if email:
        conditions.append(Ticket.requester_email == email)
    if phone:
        conditions.append(Ticket.requester_phone == phone)
    return db.session.scalars(select(Ticket).where(or_(*conditions))
                              .order_by(Ticket.id)).all()


def erase_subject(email: str | None, phone: str | None, now: datetime, *,
                  actor: User | None = None, actor_label: str | None = None) -> dict:
    """Remove a data subject's personal data everywhere; statistics stay. Flushes."""
    email, phone = find_subject(email, phone)
    counts = Counts()
    tickets = subject_tickets(email, phone)
    terms = {t for t in (email, phone) if t}
    for ticket in tickets:
        terms |= _terms_of(ticket)
    for ticket in tickets:
        anonymise_ticket(ticket, now, ERASURE, counts)
    forget_reports(tickets)
    ticket_ids = [t.id for t in tickets]
    _erase_traces(email, phone, ticket_ids, now, counts)
    counts.audit_entries += scrub_audit(terms, ticket_ids, contact_terms={email, phone} - {None})
    audit.record(None, "privacy_erase", now, actor=actor, actor_label=actor_label,
                 detail={"reason": ERASURE, **counts.as_dict()})
    db.session.flush()
    return {**counts.as_dict(), "ticket_codes": counts.codes}


def _erase_traces(email: str | None, phone: str | None, ticket_ids: list[int],
                  now: datetime, counts: Counts) -> None:
    """Raw mail, outbox, auto-reply bookkeeping and WhatsApp rows of the tickets (and of the
    e-mail address / number, also outside any ticket)."""
    _purge_inbound(_inbound_of(email, ticket_ids), now, counts)
    _purge_outbox(_outbox_of(email, ticket_ids), now, counts)
    conditions = [MailAutoReply.ticket_id.in_(ticket_ids)] if ticket_ids else []
    if email:
        conditions.append(MailAutoReply.recipient == email)
    if conditions:
        db.session.execute(delete(MailAutoReply).where(or_(*conditions)))
    _erase_whatsapp(phone, ticket_ids, now, counts)


def _terms_of(ticket: Ticket) -> set[str]:
    """Strings that identify the requester of a ticket, to find in free text."""
    terms = {ticket.requester_email, ticket.requester_phone}
    name = (ticket.requester_name or "").strip()
    if len(name) >= 4 and name != ANONYMOUS_NAME:
        terms.add(name)
    if ticket.requester_phone and ticket.requester_phone.startswith("62"):
        terms.add("0" + ticket.requester_phone[2:])  # as people write it
    return {t for t in terms if t}


def anonymise_ticket(ticket: Ticket, now: datetime, reason: str, counts: Counts) -> None:
    """Replace the requester and every text of one ticket; keep what statistics count."""
    counts.codes.append(ticket.code)
    counts.tickets += 1
    ticket.requester_name = ANONYMOUS_NAME
    ticket.requester_email = None
    ticket.requester_phone = None
    ticket.subject = ANONYMOUS_SUBJECT
    ticket.routing_reason = None
    ticket.anonymised_dt = now
    if db.engine.dialect.name == "postgresql":
        ticket.search_vector = None  # its lexemes are the words of the messages
    messages = db.session.scalars(select(Message).where(Message.ticket_id == ticket.id)).all()
    for message in messages:
        counts.messages += 1
        message.body_text = REMOVED
        message.body_html = None
        message.full_text = None
        if message.direction == "in":
            message.author_name = CITIZEN_AUTHOR
    _remove_attachments([m.id for m in messages], counts)
    response = db.session.scalar(select(SurveyResponse)
                                 .where(SurveyResponse.ticket_id == ticket.id))
    if response is not None and response.comment:
        response.comment = None  # free text; the scores stay for the IKM
        counts.survey_comments += 1
    audit.record(ticket, "privacy_anonymise", now, actor_label=audit.SYSTEM,
                 detail={"reason": reason})


def forget_reports(tickets: list[Ticket]) -> None:
    """Kept evaluation reports list complaints (code, subject) and survey comments: after
    anonymising tickets, every stored one goes (in this transaction), and is built again from
    the anonymised data when next asked for."""
    if tickets:
        period_cache.discard("evaluation")


def _remove_attachments(message_ids: list[int], counts: Counts) -> None:
    if not message_ids:
        return
    rows = db.session.scalars(select(Attachment)
                              .where(Attachment.message_id.in_(message_ids))).all()
    paths = {row.storage_path for row in rows}
    for row in rows:
        db.session.delete(row)
        counts.attachments += 1
    db.session.flush()
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    for relative in paths:
        # Content-addressed: another request may hold the same bytes; then the file stays.
        shared = db.session.scalar(select(Attachment.id)
                                   .where(Attachment.storage_path == relative).limit(1))
        if shared is None:
            path = upload_dir / relative
            if path.is_file():
                path.unlink()
                counts.files_removed += 1


def _inbound_of(email: str | None, ticket_ids: list[int]):
    conditions = [InboundMail.ticket_id.in_(ticket_ids)] if ticket_ids else []
    if email:
        conditions.append(InboundMail.from_email == email)
    if not conditions:
        return []
    return db.session.scalars(select(InboundMail).where(or_(*conditions))).all()


def _purge_inbound(rows, now: datetime, counts: Counts) -> None:
    for row in rows:
        row.raw = b""
        row.from_email = None
        row.subject = None
        row.recipients = []
        row.error = None
        row.purged_dt = now
        counts.inbound_mail += 1


def _outbox_of(email: str | None, ticket_ids: list[int]):
    conditions = [OutboxMail.ticket_id.in_(ticket_ids)] if ticket_ids else []
    if email:
        conditions.append(OutboxMail.recipient == email)
    if not conditions:
        return []
    return db.session.scalars(select(OutboxMail).where(or_(*conditions))).all()


def _purge_outbox(rows, now: datetime, counts: Counts) -> None:
    for row in rows:
        if row.status == "pending":
            row.status = "failed"  # never sent to someone whose data was erased
            row.failed_dt = now
        row.recipient = REMOVED
        _purge_outbox_body(row, now)
        counts.outbox += 1


def _purge_outbox_body(row: OutboxMail, now: datetime) -> None:
    row.subject = REMOVED
    row.body_text = REMOVED
    row.body_html = None
    row.render_context = None
    row.last_error = None
    row.purged_dt = now


def _erase_whatsapp(phone: str | None, ticket_ids: list[int], now: datetime,
                    counts: Counts) -> None:
    from . import privacy_whatsapp

    counts.whatsapp += privacy_whatsapp.erase(phone, ticket_ids, now)


# ------------------------------------------------------------------ the audit log


def scrub_audit(terms: set[str], ticket_ids: list[int], *, contact_terms: set[str]) -> int:
    """Remove the person's data from audit entries: those of their tickets, and any other
    entry that names their e-mail or phone. Core UPDATEs: the ORM refuses to change audit
    entries, and only this use case (and the retention run) may."""
    if not terms:
        return 0
    table = AuditEntry.__table__
    conditions = [table.c.ticket_id.in_(ticket_ids)] if ticket_ids else []
    for term in contact_terms:
        pattern = f"%{_escape_like(term)}%"
        conditions += [table.c.old_value.like(pattern, escape="\\"),
                       table.c.new_value.like(pattern, escape="\\"),
                       cast(table.c.detail, String).like(pattern, escape="\\")]
    if not conditions:
        return 0
    rows = db.session.execute(select(table.c.id, table.c.old_value, table.c.new_value,
                                     table.c.detail).where(or_(*conditions))).all()
    changed = 0
    for row in rows:
        values = {"old_value": _scrub_text(row.old_value, terms),
                  "new_value": _scrub_text(row.new_value, terms),
                  "detail": _scrub_json(row.detail, terms)}
        if values != {"old_value": row.old_value, "new_value": row.new_value,
                      "detail": row.detail}:
            db.session.execute(update(table).where(table.c.id == row.id).values(**values))
            changed += 1
    return changed


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _scrub_text(value: str | None, terms: set[str]) -> str | None:
    if value is None:
        return None
    lowered = value.lower()
    return REMOVED if any(term.lower() in lowered for term in terms) else value


def _scrub_json(value, terms: set[str]):
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _scrub_json(v, terms) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(v, terms) for v in value]
    if isinstance(value, str):
        return _scrub_text(value, terms)
    return value


def contains_any(value, terms: set[str]) -> bool:
    """Does a stored value (text, JSON, bytes) still contain one of the terms? For checks."""
    if value is None:
        return False
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    lowered = value.lower()
    return any(term.lower() in lowered for term in terms)


# ------------------------------------------------------------------ retention


def retention_cutoffs(now: datetime) -> dict[str, datetime | None]:
    """When data becomes due for removal; None where the policy is switched off (0)."""
    config = current_app.config
    years = int(config["RETENTION_TICKET_YEARS"])
    months = int(config["RETENTION_MAIL_MONTHS"])
    return {"tickets": months_before(now, 12 * years) if years > 0 else None,
            "mail": months_before(now, months) if months > 0 else None}


def months_before(now: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when
    that day does not exist, e.g. 29 February)."""
    import calendar

    index = now.year * 12 + now.month - 1 - months
    year, month = divmod(index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def run_retention(now: datetime, limit: int | None = None) -> dict:
    """One pass of the retention policy: closed tickets older than RETENTION_TICKET_YEARS are
    anonymised, raw inbound mail, outbox bodies and WhatsApp payloads older than
    RETENTION_MAIL_MONTHS are purged (mail still failed or waiting is kept for review).
    Batched (RETENTION_BATCH per kind), so a run's cost follows what is due. Flushes."""
    limit = limit or int(current_app.config["RETENTION_BATCH"])
    cutoffs = retention_cutoffs(now)
    counts = Counts()
    if cutoffs["tickets"] is not None:
        tickets = db.session.scalars(
            select(Ticket).where(Ticket.status == "ditutup",
                                 Ticket.closed_dt < cutoffs["tickets"],
                                 Ticket.anonymised_dt.is_(None))
            .order_by(Ticket.closed_dt).limit(limit)).all()
        terms_by_ticket = {t.id: _terms_of(t) for t in tickets}
        for ticket in tickets:
            anonymise_ticket(ticket, now, RETENTION, counts)
        forget_reports(tickets)
        if tickets:
            _erase_traces(None, None, list(terms_by_ticket), now, counts)
        for ticket_id, terms in terms_by_ticket.items():
            counts.audit_entries += scrub_audit(terms, [ticket_id], contact_terms=set())
        from . import privacy_whatsapp

        counts.whatsapp += privacy_whatsapp.forget_contacts(cutoffs["tickets"], limit)
    if cutoffs["mail"] is not None:
        _purge_inbound(db.session.scalars(
            select(InboundMail).where(InboundMail.purged_dt.is_(None),
                                      InboundMail.created_dt < cutoffs["mail"],
                                      InboundMail.action.in_(("created", "appended", "ignored")))
            .order_by(InboundMail.created_dt).limit(limit)).all(), now, counts)
        for row in db.session.scalars(
                select(OutboxMail).where(OutboxMail.purged_dt.is_(None),
                                         OutboxMail.created_dt < cutoffs["mail"],
                                         OutboxMail.status.in_(("sent", "failed")))
                .order_by(OutboxMail.created_dt).limit(limit)):
            _purge_outbox_body(row, now)
            counts.outbox += 1
        from . import privacy_whatsapp

        counts.whatsapp += privacy_whatsapp.purge_older_than(cutoffs["mail"], now, limit)
    summary = counts.as_dict()
    if any(summary.values()):
        audit.record(None, "privacy_retention", now, actor_label=audit.SYSTEM,
                     detail={"reason": RETENTION, **summary})
    db.session.flush()
    return summary
