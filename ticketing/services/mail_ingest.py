"""Mail intake: a raw message in; stored first, then a new ticket, a follow-up, a note on a
ticket, or kept for review. The same pipeline serves IMAP (`poll_mailbox`), the MTA pipe
and files (`flask mail ingest`).

Order of work for every message:

1. store the raw bytes and commit (a crash later never loses the mail; the same bytes
   again - IMAP re-fetch, MTA retry, a second poller - hit the unique sha256 and are a
   duplicate);
2. parse and classify: a bounce of our mail becomes a note on its ticket and flags the
   requester's address; an auto-reply is recorded and changes nothing; bulk mail and our
   own mail coming back are kept for review (`ignored`); none of them is ever answered;
3. thread: In-Reply-To/References naming one of our (signed) Message-IDs or a stored one,
   or a ticket code in the subject from the requester or someone copied on it -> follow-up;
   otherwise a new ticket, linked to a code it mentions;
4. acknowledge new tickets through the outbox, at most MAIL_AUTO_REPLY_PER_HOUR per
   sender per hour, never to our own or no-reply addresses.

A message that cannot be handled is `failed` with the error kept, for `reprocess_failed`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import mail as mailparse
from ..domain.request_type import guess_request_type
from ..extensions import db
from ..models import InboundMail, Message, OutboxMail, Ticket, Unit, User
from . import audit
from .attachments import Upload
from .auto_reply import auto_reply_refusal, own_addresses, send_auto_reply
from .availability import DatabaseUnavailable, is_db_unavailable
from .calendar import office_calendar
from .intake import attach_files, tracking_url, unique_code
from .lifecycle import set_status, start_window, target_days_for
from .routing_rules import record_decision, route_request

log = logging.getLogger(__name__)

__all__ = [
    "DatabaseUnavailable",
    "IngestResult",
    "ReprocessError",
    "auto_reply_refusal",
    "claim_move",
    "ingest_headers_only",
    "ingest_raw",
    "own_addresses",
    "poll_mailbox",
    "release_move",
    "reprocess_failed",
    "resume_stale",
]

SOURCES = ("imap", "pipe", "file")
#: author of the notes the mail channel writes on tickets
MAIL_SYSTEM = "Sistem surel"
_RETRIES = 3
@dataclass
class IngestResult:
    """One line of `flask mail ingest/poll`: what happened to one message."""

    message_id: str
    #: created | appended | ignored | duplicate | failed
    action: str
    #: ticket code, or None
    ticket: str | None = None
    reason: str = ""
    inbound_id: int | None = None
    #: for a duplicate: what the first delivery became ("processing" while a worker has it)
    stored_action: str | None = None
    #: a message too large to download (only its headers were stored)
    is_too_large: bool = False

    @property
    def in_progress(self) -> bool:
        """Another worker is handling these bytes right now: leave the message, try later."""
        return self.action == "duplicate" and self.stored_action == "processing"

    def as_json(self) -> dict:
        return {"message_id": self.message_id, "action": self.action, "ticket": self.ticket,
                "reason": self.reason}


@contextmanager
def _database() -> Iterator[None]:
    """Turn "the database is not there" into DatabaseUnavailable."""
    try:
        yield
    except DBAPIError as exc:
        if not is_db_unavailable(exc):
            raise
        try:
            db.session.rollback()
        except DBAPIError as again:
            log.debug("rollback after a lost connection: %s", again)
        raise DatabaseUnavailable(str(exc.orig or exc)) from exc


class ReprocessError(ValueError):
    """The stored mail cannot be processed again (unknown, headers only, wrong state)."""


class _Unhandled(Exception):
    """A message that is a valid mail but cannot become anything (kept as failed)."""


# ------------------------------------------------------------------ entry points

def ingest_raw(raw: bytes, now: datetime, *, source: str, uid: str | None = None,
               folder: str | None = None) -> IngestResult:
    """Store one raw message (commit), then process it. Raises only when the database is
    unreachable (DatabaseUnavailable); everything else ends as a result."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    raw = bytes(raw or b"")
    with _database():
        row, is_new = _store(raw, hashlib.sha256(raw).hexdigest(), _peek_message_id(raw), now,
                             source=source, uid=uid, folder=folder, size=len(raw))
        if not is_new:
            return _seen_again(row.id, now)
        return _process(row.id, now)


def ingest_headers_only(header: bytes, size: int, now: datetime, *, source: str = "imap",
                        uid: str | None = None, folder: str | None = None) -> IngestResult:
    """A message too large to download: keep a stub with its headers, tell the sender."""
    header = bytes(header or b"")
    digest = hashlib.sha256(b"headers-only:%d:" % size + header).hexdigest()
    with _database():
        row, is_new = _store(header, digest, _peek_message_id(header), now, source=source,
                             uid=uid, folder=folder, size=size, headers_only=True)
        if not is_new:
            return _seen_again(row.id, now)
        return _process(row.id, now)


def reprocess_failed(inbound_id: int, now: datetime, *,
                     force_request: bool = False) -> IngestResult:
    """Process a stored `failed` mail again (after a fix). With force_request an `ignored`
    one (bulk, auto-reply) is treated as a request from a person: an admin's decision."""
    with _database():
        row = db.session.get(InboundMail, inbound_id)
        if row is None:
            raise ReprocessError(f"surel masuk #{inbound_id} tidak ada")
        if row.is_headers_only:
            raise ReprocessError("hanya kepala pesan yang tersimpan (pesan terlalu besar)")
        allowed = ("failed", "ignored") if force_request else ("failed",)
        if row.action not in allowed or not _claim(row.id, now, allowed):
            raise ReprocessError(f"surel masuk #{inbound_id} berstatus {row.action}")
        return _process(row.id, now, force_request=force_request)


def resume_stale(now: datetime) -> list[IngestResult]:
    """Process mail a worker claimed and never finished (it died): after
    MAIL_CLAIM_STALE_MINUTES another worker takes it over."""
    results = []
    with _database():
        for row_id in db.session.scalars(
            select(InboundMail.id).where(InboundMail.action == "processing",
                                         InboundMail.claimed_dt < _stale_before(now))
            .order_by(InboundMail.id)
        ).all():
            if _claim(row_id, now, ("processing",)):
                results.append(_process(row_id, now))
    return results


def claim_move(inbound_id: int, uid: str, now: datetime) -> bool:
    """May this poller move message `uid` (stored as `inbound_id`) out of the folder? Only one
    poller wins for a given UID; a claim whose move never happened goes stale. Commits."""
    with _database():
        result = db.session.execute(
            update(InboundMail).where(
                InboundMail.id == inbound_id,
                or_(InboundMail.imap_moved_uid.is_(None), InboundMail.imap_moved_uid != uid,
                    InboundMail.imap_move_dt.is_(None),
                    InboundMail.imap_move_dt < _stale_before(now)))
            .values(imap_moved_uid=uid, imap_move_dt=now)
            .execution_options(synchronize_session=False))
        db.session.commit()
    return result.rowcount == 1


def release_move(inbound_id: int) -> None:
    """The move failed (connection lost): let the next pass move the message at once."""
    with _database():
        db.session.execute(update(InboundMail).where(InboundMail.id == inbound_id)
                           .values(imap_move_dt=None)
                           .execution_options(synchronize_session=False))
        db.session.commit()


def poll_mailbox(now: datetime, **options) -> list[IngestResult]:
    """One pass over the IMAP folder (see services.mail_imap; the scheduler's job)."""
    from .mail_imap import poll_mailbox as _poll

    return _poll(now, **options)


# ------------------------------------------------------------------ storing and claiming

_MSGID_RE = re.compile(r"<[^<>\s]+>")


def _peek_message_id(raw: bytes) -> str:
    """The Message-ID before full parsing (which might fail); the parser's value replaces it
    once parsing succeeds. Same fallback as the parser: a hash of the content."""
    try:
        head = BytesHeaderParser(policy=compat32).parsebytes(raw)
        value = str(head.get("Message-ID") or head.get("Message-Id") or "")
    except Exception:  # noqa: BLE001 - hostile input: fall back to the hash
        value = ""
    match = _MSGID_RE.search(value)
    if match:
        return match.group()[:998]
    return f"<{hashlib.sha256(raw).hexdigest()[:32]}@generated.invalid>"


def _store(raw: bytes, digest: str, message_id: str, now: datetime, *, source: str,
           uid: str | None, folder: str | None, size: int,
           headers_only: bool = False) -> tuple[InboundMail, bool]:
    """Insert and commit the row, claimed by this worker; (existing row, False) when these
    bytes were stored before. The unique sha256 decides a race between two workers."""
    existing = _by_sha(digest)
    if existing is not None:
        return existing, False
    row = InboundMail(sha256=digest, message_id=message_id, raw=raw, size=size,
                      is_headers_only=headers_only, source=source, imap_uid=uid,
                      imap_folder=folder, action="processing", attempts=1, times_seen=1,
                      created_dt=now, claimed_dt=now)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = _by_sha(digest)
        if existing is None:
            raise
        return existing, False
    return row, True


def _by_sha(digest: str) -> InboundMail | None:
    return db.session.scalar(select(InboundMail).where(InboundMail.sha256 == digest))


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(minutes=current_app.config.get("MAIL_CLAIM_STALE_MINUTES", 10))


def _claim(row_id: int, now: datetime, actions: tuple[str, ...]) -> bool:
    """Take the row for processing if it is in one of `actions` ("processing" only when the
    earlier claim is stale). One conditional UPDATE, so only one worker wins. Commits."""
    others = [a for a in actions if a != "processing"]
    conditions = [InboundMail.action.in_(others)] if others else []
    if "processing" in actions:
        conditions.append(and_(InboundMail.action == "processing",
                               or_(InboundMail.claimed_dt.is_(None),
                                   InboundMail.claimed_dt < _stale_before(now))))
    result = db.session.execute(
        update(InboundMail).where(InboundMail.id == row_id, or_(*conditions))
        .values(action="processing", claimed_dt=now, attempts=InboundMail.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _seen_again(row_id: int, now: datetime) -> IngestResult:
    """These bytes were stored before: a duplicate (or a stale claim to take over)."""
    db.session.execute(update(InboundMail).where(InboundMail.id == row_id)
                       .values(times_seen=InboundMail.times_seen + 1)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    row = db.session.get(InboundMail, row_id)
    db.session.refresh(row)
    if row.action == "processing":
        if _claim(row.id, now, ("processing",)):
            return _process(row.id, now)
        return IngestResult(row.message_id, "duplicate", None,
                            "sedang diproses oleh proses lain", row.id, "processing",
                            row.is_headers_only)
    code = _code(row.ticket_id)
    first = row.created_dt.isoformat() if row.created_dt else "-"
    return IngestResult(row.message_id, "duplicate", code,
                        f"sudah diterima {first} ({row.action})", row.id, row.action,
                        row.is_headers_only)


def _code(ticket_id: int | None) -> str | None:
    if ticket_id is None:
        return None
    return db.session.scalar(select(Ticket.code).where(Ticket.id == ticket_id))


# ------------------------------------------------------------------ processing

def _process(row_id: int, now: datetime, *, force_request: bool = False) -> IngestResult:
    """Handle a claimed row in one transaction; a concurrent change to the same ticket is
    redone on fresh rows; any other error leaves the mail `failed` with the error kept."""
    for attempt in range(_RETRIES):
        row = db.session.get(InboundMail, row_id)
        try:
            result = _handle(row, now, force_request)
            row.action = result.action
            row.reason = result.reason[:300]
            row.error = None
            row.processed_dt = now
            result.inbound_id = row.id
            db.session.commit()
            return result
        except Exception as exc:  # any bug or odd input: keep the mail as failed
            db.session.rollback()
            if is_db_unavailable(exc):
                raise  # _database() turns it into DatabaseUnavailable; the claim goes stale
            if isinstance(exc, (StaleDataError, IntegrityError)) and attempt < _RETRIES - 1:
                continue  # another worker changed the same ticket or took the same code
            log.warning("inbound mail %s failed: %s", row_id, exc,
                        exc_info=not isinstance(exc, mailparse.MailParseError))
            return _mark_failed(row_id, now, exc)
    raise AssertionError("unreachable")  # pragma: no cover


def _mark_failed(row_id: int, now: datetime, exc: BaseException) -> IngestResult:
    row = db.session.get(InboundMail, row_id)
    row.action = "failed"
    row.reason = f"{type(exc).__name__}: {exc}"[:300]
    row.error = "".join(traceback.format_exception(exc))[-8000:]
    row.processed_dt = now
    db.session.commit()
    return IngestResult(row.message_id, "failed", None, row.reason, row.id)


@dataclass
class _Mail:
    """The parsed message with what every step needs."""

    row: InboundMail
    parsed: mailparse.ParsedMail
    sender: str
    now: datetime


def _handle(row: InboundMail, now: datetime, force_request: bool) -> IngestResult:
    parsed = mailparse.parse_message(row.raw)  # MailParseError: not a mail -> failed
    sender = (parsed.from_email or "").strip().lower()
    row.message_id = parsed.message_id[:998]
    row.from_email = sender[:254] or None
    row.subject = (parsed.subject or "")[:300] or None
    row.recipients = [a.lower()[:254] for a in (parsed.to + parsed.cc)][:100]
    mail = _Mail(row, parsed, sender, now)
    if row.is_headers_only:
        row.classification = "too_large"
        return _too_large(mail)

    kind = parsed.auto.kind
    row.classification = kind
    if _is_ours(parsed.message_id):
        row.classification = "own"
        return _result(mail, "ignored", None, "pesan kami sendiri yang kembali (cegah loop)")
    if kind == "bounce":
        return _bounce(mail)
    if kind == "auto_reply" and not force_request:
        return _auto_reply(mail)
    if kind == "bulk" and not force_request:
        return _result(mail, "ignored", None,
                       f"surel massal, disimpan untuk ditinjau ({parsed.auto.reason})")
    if sender in own_addresses():
        return _result(mail, "ignored", None, f"dikirim dari alamat kami sendiri ({sender})")
    if not sender:
        raise _Unhandled("tidak ada alamat pengirim yang dapat dibaca")

    ticket, how = _referenced_ticket(parsed, row.id)
    parent = None
    if ticket is None:
        ticket, parent = _ticket_by_subject_code(parsed.subject, sender)
        how = "kode di subjek" if ticket is not None else how
    if ticket is not None:
        return _follow_up(mail, ticket, how)
    if parent is not None:
        created, ack = _create_ticket(mail, parent=parent)
        return _result(mail, "created", created,
                       f"tiket baru, tertaut ke {parent.code}: pengirim bukan pemohon tiket itu"
                       + _ack_note(ack))
    created, ack = _create_ticket(mail)
    return _result(mail, "created", created,
                   f"tiket baru ({created.routing_reason})" + _ack_note(ack))


def _result(mail: _Mail, action: str, ticket: Ticket | None, reason: str) -> IngestResult:
    mail.row.ticket_id = ticket.id if ticket is not None else None
    return IngestResult(mail.parsed.message_id, action, ticket.code if ticket else None,
                        reason[:300], mail.row.id, is_too_large=mail.row.is_headers_only)


# ------------------------------------------------------------------ whose mail is it?

def _secret() -> tuple[bytes, str]:
    cfg = current_app.config
    return cfg["SECRET_KEY"].encode(), cfg["MAIL_MESSAGE_ID_DOMAIN"]


def _is_ours(message_id: str) -> bool:
    return mailparse.is_own_message_id(message_id, *_secret())


def _ticket_by_code(code: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.code == code))


def _ticket_for_message_id(message_id: str, exclude_row: int | None = None) -> Ticket | None:
    """The ticket a Message-ID belongs to: one of our signed ones, or a stored one (a
    message on a ticket, an inbound mail, an outbox mail)."""
    code = mailparse.ticket_code_from_message_id(message_id, *_secret())
    if code:
        ticket = _ticket_by_code(code)
        if ticket is not None:
            return ticket
    ticket = db.session.scalar(
        select(Ticket).join(Message, Message.ticket_id == Ticket.id)
        .where(Message.email_message_id == message_id).limit(1))
    if ticket is not None:
        return ticket
    inbound = select(Ticket).join(InboundMail, InboundMail.ticket_id == Ticket.id).where(
        InboundMail.message_id == message_id)
    if exclude_row is not None:
        inbound = inbound.where(InboundMail.id != exclude_row)
    ticket = db.session.scalar(inbound.limit(1))
    if ticket is not None:
        return ticket
    return db.session.scalar(
        select(Ticket).join(OutboxMail, OutboxMail.ticket_id == Ticket.id)
        .where(OutboxMail.message_id == message_id).limit(1))


def _referenced_ticket(parsed: mailparse.ParsedMail,
                       row_id: int | None) -> tuple[Ticket | None, str]:
    """Follow In-Reply-To, then References from the newest: our signed ids first (they
    cannot be forged), then stored ones."""
    ids = list(dict.fromkeys(parsed.in_reply_to + list(reversed(parsed.references))))
    for message_id in ids:
        code = mailparse.ticket_code_from_message_id(message_id, *_secret())
        ticket = _ticket_by_code(code) if code else None
        if ticket is not None:
            return ticket, "balasan atas surel kami"
    for message_id in ids:
        ticket = _ticket_for_message_id(message_id, exclude_row=row_id)
        if ticket is not None:
            return ticket, "balasan dalam percakapan tiket"
    return None, ""


def _participants(ticket: Ticket) -> set[str]:
    """The requester, everyone who wrote to the ticket by mail, and everyone they copied."""
    people = {ticket.requester_email} if ticket.requester_email else set()
    for sender, recipients in db.session.execute(
        select(InboundMail.from_email, InboundMail.recipients)
        .where(InboundMail.ticket_id == ticket.id)
    ):
        if sender:
            people.add(sender)
        people.update(r for r in (recipients or []) if isinstance(r, str))
    return people - own_addresses()


def _ticket_by_subject_code(subject: str,
                            sender: str) -> tuple[Ticket | None, Ticket | None]:
    """(ticket to follow up, ticket to link a new one to): a code in the subject counts
    only from the requester or someone copied on the ticket, so nobody can write into
    someone else's ticket by guessing a code."""
    parent = None
    for code in mailparse.find_ticket_codes(subject):
        ticket = _ticket_by_code(code)
        if ticket is None:
            continue
        if sender in _participants(ticket):
            return ticket, None
        parent = parent or ticket
    return None, parent


# ------------------------------------------------------------------ noise

def _bounce(mail: _Mail) -> IngestResult:
    """A bounce of our mail: a note on its ticket, and the requester's address flagged."""
    parsed = mail.parsed
    ticket = None
    for message_id in mailparse.bounced_message_ids(parsed):
        ticket = _ticket_for_message_id(message_id, exclude_row=mail.row.id)
        if ticket is not None:
            break
    if ticket is None:
        return _result(mail, "ignored", None,
                       f"pantulan (bounce) tanpa tiket asal yang dikenali ({parsed.auto.reason})")
    recipients = mailparse.bounced_recipients(parsed)
    failed_to = ", ".join(recipients) or ticket.requester_email or "-"
    body = (f"Surel kepada {failed_to} tidak terkirim (pemberitahuan dari "
            f"{mail.sender or 'server surel'}). Hubungi pemohon lewat telepon/WhatsApp bila ada.")
    detail = (parsed.new_text or parsed.text or "").strip()
    ticket.messages.append(Message(
        direction="note", author_name=MAIL_SYSTEM, body_text=f"{body}\n\n{detail[:4000]}".strip(),
        full_text=parsed.text or None, channel="email",
        email_message_id=parsed.message_id[:998], created_dt=mail.now))
    flagged = bool(ticket.requester_email) and (
        not recipients or ticket.requester_email in recipients)
    if flagged and not ticket.is_email_undeliverable:
        ticket.is_email_undeliverable = True
        audit.record(ticket, "email_undeliverable", mail.now, actor_label=audit.SYSTEM,
                     new=ticket.requester_email, detail={"bounce": parsed.message_id[:300]})
    ticket.updated_dt = mail.now
    reason = "pantulan (bounce) dicatat sebagai catatan"
    if flagged:
        reason += "; alamat pemohon ditandai tidak dapat dikirimi"
    return _result(mail, "appended", ticket, reason)


def _auto_reply(mail: _Mail) -> IngestResult:
    """Recorded against its ticket when we can tell which; the ticket is not touched."""
    ticket, _how = _referenced_ticket(mail.parsed, mail.row.id)
    if ticket is None:
        ticket, _parent = _ticket_by_subject_code(mail.parsed.subject, mail.sender)
    return _result(mail, "ignored", ticket,
                   f"balasan otomatis ({mail.parsed.auto.reason}); tiket tidak diubah")


def _too_large(mail: _Mail) -> IngestResult:
    """Only the headers were downloaded: tell a real sender, note it on a known ticket."""
    cfg = current_app.config
    size_mb = mail.row.size / (1024 * 1024)
    limit_mb = cfg["MAIL_MAX_INBOUND_BYTES"] / (1024 * 1024)
    ticket, _how = _referenced_ticket(mail.parsed, mail.row.id)
    if ticket is None and mail.sender:
        ticket, _parent = _ticket_by_subject_code(mail.parsed.subject, mail.sender)
    reason = f"pesan terlalu besar ({size_mb:.1f} MB, batas {limit_mb:.0f} MB), tidak diunduh"
    if ticket is not None:
        ticket.messages.append(Message(
            direction="note", author_name=MAIL_SYSTEM, channel="email", created_dt=mail.now,
            email_message_id=mail.parsed.message_id[:998],
            body_text=(f"{mail.sender or 'Pengirim'} mengirim surel berukuran {size_mb:.1f} MB "
                       f"(batas {limit_mb:.0f} MB) yang tidak diunduh. Subjek: "
                       f"{mail.parsed.subject or '-'}")))
        ticket.updated_dt = mail.now
    refusal = None
    if mail.parsed.auto.kind != "normal":
        refusal = f"tidak dikabari: {mail.parsed.auto.kind}"
    else:
        refusal = _send_auto_reply(
            "mail_too_large", mail.sender, f"Surel Anda terlalu besar: {mail.parsed.subject}",
            mail, ticket, {"size_mb": f"{size_mb:.1f}", "limit_mb": f"{limit_mb:.0f}",
                           "subject": mail.parsed.subject})
    reason += f"; {refusal}" if refusal else "; pengirim diberi tahu"
    return _result(mail, "ignored", ticket, reason)


# ------------------------------------------------------------------ follow-ups and new tickets

def _uploads(parsed: mailparse.ParsedMail) -> list[Upload]:
    return [Upload(filename=a.filename or "lampiran", data=a.payload)
            for a in parsed.attachments if a.payload]


def _message(mail: _Mail, author: str) -> Message:
    parsed = mail.parsed
    body = (parsed.new_text or "").strip() or (parsed.text or "").strip()
    full = (parsed.text or "").strip()
    return Message(direction="in", author_name=author[:200], body_text=body,
                   full_text=full if full and full != body else None,
                   body_html=parsed.html_sanitized or None, channel="email",
                   email_message_id=parsed.message_id[:998], created_dt=mail.now)


def _follow_up(mail: _Mail, ticket: Ticket, how: str) -> IngestResult:
    if ticket.status == "ditutup":
        created, ack = _create_ticket(mail, parent=ticket)
        return _result(mail, "created", created,
                       f"lanjutan tiket {ticket.code} yang sudah ditutup: tiket baru tertaut"
                       + _ack_note(ack))
    is_requester = mail.sender == (ticket.requester_email or "")
    staff = None if is_requester else db.session.scalar(
        select(User).where(User.email == mail.sender, User.is_active_account))
    author = ticket.requester_name if is_requester else (
        f"{mail.parsed.from_name} <{mail.sender}>" if mail.parsed.from_name else mail.sender)
    message = _message(mail, staff.name if staff else author)
    if staff is not None:
        # A ketua tim answering an escalation mail writes to colleagues, not to the citizen:
        # keep it as an internal note so it never shows on the public tracking page.
        message.direction = "note"
        message.author_id = staff.id
    ticket.messages.append(message)
    db.session.flush()
    stored = attach_files(message, _uploads(mail.parsed), mail.now, keep_refused=True)
    audit.record(ticket, "citizen_reply", mail.now,
                 actor_label=audit.CITIZEN if is_requester else mail.sender[:200],
                 detail={"channel": "email", "from": mail.sender, "via": how})
    reason = f"tindak lanjut ({how})"
    if is_requester and ticket.status in ("menunggu_pemohon", "selesai"):
        old = ticket.status
        set_status(ticket, "diproses", mail.now, actor_label=audit.CITIZEN,
                   reason="balasan surel pemohon")
        reason += f"; status {old} -> diproses"
    elif staff is not None:
        reason += "; surel dari petugas dicatat sebagai catatan internal"
    elif not is_requester:
        reason += "; pengirim bukan pemohon, status tidak diubah"
    ticket.updated_dt = mail.now
    refused = [a for a in stored if not a.is_accepted]
    if refused:
        why_not = _send_auto_reply(
            "mail_attachments_refused", mail.sender,
            f"Lampiran tidak dapat kami terima: {ticket.subject}", mail, ticket,
            {"refused": refused, "tracking_url": tracking_url(ticket)})
        reason += f"; {len(refused)} lampiran ditolak" + (f" ({why_not})" if why_not else "")
    return _result(mail, "appended", ticket, reason)


def _create_ticket(mail: _Mail, *, parent: Ticket | None = None) -> tuple[Ticket, str | None]:
    """A new email ticket, routed by the rules, with the acknowledgement queued (no commit);
    returns the ticket and why no acknowledgement was sent (None: it was)."""
    parsed = mail.parsed
    decision = route_request(parsed.subject, parsed.new_text)
    unit = None
    if decision.unit:
        unit = db.session.scalar(select(Unit).where(Unit.code == decision.unit))
    if unit is None:
        routing_reason = f"menunggu pemilahan (triase): {decision.reason}"
    else:
        routing_reason = f"aturan kata kunci surel: {decision.reason}"
    calendar = office_calendar()
    days = target_days_for(None)
    name = (parsed.from_name or "").strip() or mail.sender.split("@", 1)[0]
    ticket = Ticket(
        code=unique_code(), type=guess_request_type(parsed.subject, parsed.new_text),
        channel="email", unit=unit, service=None, status="baru",
        subject=((parsed.subject or "").strip() or "(tanpa subjek)")[:300],
        requester_name=name[:200], requester_email=mail.sender[:254],
        created_dt=mail.now, sla_start_dt=calendar.next_opening(mail.now),
        routing_reason=routing_reason[:300], parent=parent, updated_dt=mail.now)
    start_window(ticket, mail.now, calendar, days, new_window=False)
    message = _message(mail, ticket.requester_name)
    ticket.messages.append(message)
    db.session.add(ticket)
    db.session.flush()
    stored = attach_files(message, _uploads(parsed), mail.now, keep_refused=True)
    audit.record(ticket, "created", mail.now, actor_label=audit.CITIZEN, new=ticket.status,
                 detail={"channel": "email", "unit": unit.code if unit else None,
                         "routing": decision.reason[:300],
                         "parent": parent.code if parent else None})
    record_decision(ticket, decision, mail.now)
    refused = [a for a in stored if not a.is_accepted]
    mail.row.ticket_id = ticket.id
    why_not = _send_auto_reply(
        "mail_acknowledgement", mail.sender, f"Permohonan Anda telah kami terima: {ticket.subject}",
        mail, ticket, {"refused": refused, "tracking_url": tracking_url(ticket),
                       "parent": parent})
    return ticket, why_not


def _ack_note(why_not: str | None) -> str:
    return f"; tanda terima tidak dikirim: {why_not}" if why_not else "; tanda terima dikirim"


def _send_auto_reply(kind: str, address: str, subject: str, mail: _Mail, ticket: Ticket | None,
                     context: dict) -> str | None:
    return send_auto_reply(kind, address, subject, mail.now, ticket=ticket,
                           inbound_mail_id=mail.row.id, context=context)
