"""What an inbound mail becomes once parsed: a follow-up, a new ticket (acknowledged), a
note about a bounce, or kept for review. Called by services.mail_ingest, which stores,
claims and parses; everything here runs inside its one transaction per message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import inspect, select

from .. import mail as mailparse
from ..domain import subjects
from ..domain.codes import new_code
from ..domain.request_type import guess_request_type
from ..extensions import db
from ..models import InboundMail, Message, OutboxMail, Ticket, User
from ..models.search import with_words
from . import audit
from .attachments import Upload
from .auto_reply import auto_reply_rows, own_addresses, send_auto_reply
from .intake import (
    ACK_SUBJECT,
    attach_files,
    attachment_values,
    code_tracking_url,
    new_ticket,
    ticket_values,
    tracking_url,
    write_request_rows,
)
from .lifecycle import set_status, target_days_for
from .routing_rules import decision_values, record_decision, route_request, routed_unit

#: author of the notes the mail channel writes on tickets
MAIL_SYSTEM = "Sistem surel"


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


class UnhandledMail(Exception):
    """A message that is a valid mail but cannot become anything (kept as failed). Raised
    before anything of the mail is written: the other messages of its chunk go on as they
    are (services.mail_ingest)."""


#: automated mail that is kept for an admin to look at, never a ticket, never answered
_KEPT_FOR_REVIEW = {
    "bulk": "surel massal/milis",
    "list_notice": "pemberitahuan pengelola milis",
    "feedback_report": "laporan keluhan/penyalahgunaan (feedback report)",
    "spam": "ditandai spam oleh penyedia surel",
}


@dataclass
class _Mail:
    """The parsed message with what every step needs."""

    row: InboundMail
    parsed: mailparse.ParsedMail
    sender: str
    now: datetime
    #: the sender's display name when not the From's (None): the Reply-To's, for a
    #: no-reply mail made the request of the person its Reply-To names
    sender_name: str | None = None
    #: attachments over MAIL_MAX_ATTACHMENTS (kept in the raw mail only)
    extra_attachments: int = 0
    #: what the mail is (the row's classification) and the ticket it went to; written on
    #: the row by the caller once the work is done
    classification: str | None = None
    ticket_id: int | None = None


def dispatch(mail: _Mail, force_request: bool) -> IngestResult:
    """Decide what the parsed mail becomes (no commit)."""
    row, parsed, sender = mail.row, mail.parsed, mail.sender
    if row.is_headers_only:
        mail.classification = "too_large"
        return _too_large(mail)

    kind = parsed.auto.kind
    mail.classification = kind
    if _is_ours(parsed.message_id):
        mail.classification = "own"
        return _result(mail, "ignored", None, "pesan kami sendiri yang kembali (cegah loop)")
    if kind == "bounce":
        return _bounce(mail)
    if kind == "auto_reply" and not force_request:
        return _auto_reply(mail)
    if kind in _KEPT_FOR_REVIEW and not force_request:
        return _result(mail, "ignored", None,
                       f"{_KEPT_FOR_REVIEW[kind]}, disimpan untuk ditinjau ({parsed.auto.reason})")
    if sender in own_addresses():
        return _result(mail, "ignored", None, f"dikirim dari alamat kami sendiri ({sender})")
    if not sender:
        raise UnhandledMail("tidak ada alamat pengirim yang dapat dibaca")

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


def _result(mail: _Mail, action: str, ticket: Ticket | _Created | None,
            reason: str) -> IngestResult:
    mail.ticket_id = ticket.id if ticket is not None else None
    if mail.extra_attachments:
        reason += f"; {mail.extra_attachments} lampiran lebih dari batas, hanya di surel asli"
    return IngestResult(mail.parsed.message_id, action, ticket.code if ticket else None,
                        reason[:300], mail.row.id, is_too_large=mail.row.is_headers_only)


# ------------------------------------------------------------------ whose mail is it?

def _secret() -> tuple[bytes, str]:
    cfg = current_app.config
    return cfg["SECRET_KEY"].encode(), cfg["MAIL_MESSAGE_ID_DOMAIN"]


def _is_ours(message_id: str) -> bool:
    return mailparse.is_own_message_id(message_id, *_secret())


def _ticket_by_code(code: str) -> Ticket | None:
    # Without an autoflush: a code never changes and a ticket is in the table from its
    # first flush on, so the messages before this one need not be written first (a chunk's
    # follow-ups are then written together, a few statements for all of them).
    with db.session.no_autoflush:
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
        if sender == ticket.requester_email or sender in _participants(ticket):
            return ticket, None  # the requester: no need to read who else wrote
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
    detail = parsed.new_content or parsed.full_content
    ticket.messages.append(Message(
        direction="note", author_name=MAIL_SYSTEM, body_text=f"{body}\n\n{detail[:4000]}".strip(),
        full_text=parsed.full_content or None, channel="email",
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
    reason = f"balasan otomatis ({mail.parsed.auto.reason}); tiket tidak diubah"
    person = mailparse.relayed_person(mail.sender, mail.parsed.reply_to_email)
    if ticket is None and person:
        reason += (f"; Reply-To menyebut {person}: bila ini pesan seseorang (mis. formulir "
                   "kontak situs), jadikan permohonan, dan pemohonnya alamat itu")
    return _result(mail, "ignored", ticket, reason)


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

#: parts kept like any other but never refused to the sender: the ones a mail client adds to
#: sign a message or to offer its key (S/MIME, OpenPGP: on every signed mail they would be
#: told of a "smime.p7s" they never attached), a calendar invitation (its words are in the
#: text beside it), and a message forwarded as an attachment (its text is read into the
#: message: ParsedMail.forwarded). Nor are the files taken out of such a message (they are
#: in its .eml as well): those the desk accepts are stored like any, the others only kept
QUIET_PARTS = frozenset({"application/pkcs7-signature", "application/x-pkcs7-signature",
                         "application/pgp-signature", "application/pgp-keys",
                         "text/calendar", "application/ics",
                         "message/rfc822", "message/global"})


def _quiet(part: mailparse.ParsedAttachment) -> bool:
    """Is this part never refused to the sender (QUIET_PARTS, or a forwarded message's file)?"""
    return part.content_type.lower() in QUIET_PARTS or part.from_forward


def _kept_files(parsed: mailparse.ParsedMail) -> tuple[list, list]:
    """(the parts stored, in their order; the ones over MAIL_MAX_ATTACHMENTS). Real
    attachments come first, then the files of a forwarded message, inline images (logos in
    signatures) and the quiet parts; the extra ones stay in the raw mail."""
    files = sorted((a for a in parsed.attachments if a.payload),
                   key=lambda a: (a.content_type.lower() in QUIET_PARTS, a.from_forward,
                                  a.is_inline))
    limit = current_app.config.get("MAIL_MAX_ATTACHMENTS", 5)
    return files[:limit], files[limit:]


def _uploads(parsed: mailparse.ParsedMail) -> tuple[list[Upload], list[str]]:
    """(files to store, names of the ones over MAIL_MAX_ATTACHMENTS): _kept_files."""
    kept, extra = _kept_files(parsed)
    return ([Upload(filename=a.filename or "lampiran", data=a.payload) for a in kept],
            [a.filename or "lampiran" for a in extra])


def _store_attachments(mail: _Mail, ticket: Ticket, message: Message) -> list:
    """Attach the mail's files to the message; the ones over the cap are listed to staff in
    a note (they stay in the raw mail, shown at /admin/surel/)."""
    uploads, extra = _uploads(mail.parsed)
    stored = attach_files(message, uploads, mail.now, keep_refused=True)
    if extra:
        limit = current_app.config.get("MAIL_MAX_ATTACHMENTS", 5)
        names = ", ".join(extra[:200]) + (f", dan {len(extra) - 200} lainnya" if len(extra) > 200
                                          else "")
        ticket.messages.append(Message(
            direction="note", author_name=MAIL_SYSTEM, channel="email", created_dt=mail.now,
            body_text=(f"Surel ini membawa {len(extra) + len(uploads)} lampiran; {len(uploads)} "
                       f"pertama disimpan (batas {limit} per surel). {len(extra)} lampiran lain "
                       f"tetap ada di surel asli (surel masuk #{mail.row.id}): {names}")))
        mail.extra_attachments = len(extra)
    return stored


def _message(mail: _Mail, author: str) -> Message:
    return Message(**_message_values(mail, author))


def _message_values(mail: _Mail, author: str) -> dict:
    """The columns of the message a mail becomes on its ticket."""
    parsed = mail.parsed
    body = parsed.new_content or parsed.full_content
    full = parsed.full_content
    return {"direction": "in", "author_name": author[:200], "body_text": body,
            "full_text": full if full and full != body else None,
            "body_html": parsed.html_sanitized or None, "channel": "email",
            "email_message_id": parsed.message_id[:998], "created_dt": mail.now}


def _follow_up(mail: _Mail, ticket: Ticket, how: str) -> IngestResult:
    if ticket.status == "ditutup":
        created, ack = _create_ticket(mail, parent=ticket)
        return _result(mail, "created", created,
                       f"lanjutan tiket {ticket.code} yang sudah ditutup: tiket baru tertaut"
                       + _ack_note(ack))
    is_requester = mail.sender == (ticket.requester_email or "")
    staff = None if is_requester else db.session.scalar(
        select(User).where(User.email == mail.sender, User.is_active_account))
    unverified_staff = staff is not None and not _sender_authenticated(mail)
    if unverified_staff:
        staff = None  # anyone can write a staff address in From: it is an outside message
    author = ticket.requester_name if is_requester else (
        f"{_name(mail)} <{mail.sender}>" if _name(mail) else mail.sender)
    message = _message(mail, staff.name if staff else author)
    if staff is not None:
        # A ketua tim answering an escalation mail writes to colleagues, not to the citizen:
        # keep it as an internal note so it never shows on the public tracking page.
        message.direction = "note"
        message.author_id = staff.id
    # Set from the message's side: the ticket's whole conversation is not loaded to add one;
    # its words go into the ticket's vector with the ticket's own UPDATE (status, updated_dt)
    message.ticket = ticket
    db.session.add(message)
    _index_with_ticket(ticket, message, db.session.get_bind().dialect.name)
    stored = _store_attachments(mail, ticket, message)
    audit.record(ticket, "citizen_reply", mail.now,
                 actor_label=audit.CITIZEN if is_requester else mail.sender[:200],
                 detail={"channel": "email", "from": mail.sender, "via": how})
    reason = f"tindak lanjut ({how})"
    if is_requester and ticket.status in ("menunggu_pemohon", "selesai"):
        old = ticket.status
        with db.session.no_autoflush:  # what it reads would write the ticket twice
            set_status(ticket, "diproses", mail.now, actor_label=audit.CITIZEN,
                       reason="balasan surel pemohon")
        reason += f"; status {old} -> diproses"
    elif staff is not None:
        reason += "; surel dari petugas dicatat sebagai catatan internal"
    elif unverified_staff:
        reason += ("; alamat petugas tanpa bukti DKIM/SPF dari penyedia tepercaya: dicatat "
                   "sebagai pesan luar dan ditandai")
        ticket.messages.append(Message(
            direction="note", author_name=MAIL_SYSTEM, channel="email", created_dt=mail.now,
            body_text=(f"Peringatan: surel di atas memakai alamat petugas {mail.sender}, tetapi "
                       "tidak terbukti dikirim dari domain itu (tidak ada DKIM/SPF pass pada "
                       "Authentication-Results penyedia tepercaya). Diperlakukan sebagai pesan "
                       "dari luar, bukan catatan petugas; periksa sebelum menindaklanjuti.")))
        audit.record(ticket, "mail_sender_unverified", mail.now, actor_label=audit.SYSTEM,
                     detail={"from": mail.sender, "message_id": mail.parsed.message_id[:300]})
    elif not is_requester:
        reason += "; pengirim bukan pemohon, status tidak diubah"
    ticket.updated_dt = mail.now
    refused = _refusals(stored, mail.parsed)
    if refused:
        why_not = _send_auto_reply(
            "mail_attachments_refused", mail.sender,
            f"Lampiran tidak dapat kami terima: {ticket.subject}", mail, ticket,
            {"refused": refused, "tracking_url": tracking_url(ticket)})
        reason += f"; {len(refused)} lampiran ditolak" + (f" ({why_not})" if why_not else "")
    return _result(mail, "appended", ticket, reason)


def _index_with_ticket(ticket: Ticket, message: Message, dialect: str) -> None:
    """Add a new message's words to its ticket's vector in the ticket's own UPDATE (status,
    updated_dt): one UPDATE of the row instead of two (models.search would add them with an
    UPDATE of its own after the message's insert; it leaves a message marked indexed)."""
    if dialect != "postgresql" or not message.body_text:
        return
    if inspect(ticket).attrs.search_vector.history.added:
        db.session.flush()  # another message's words are waiting: they go first
    ticket.search_vector = with_words(message.body_text)
    message._is_indexed = True


def _name(mail: _Mail) -> str:
    """The sender's display name: the From's, or the Reply-To's when an admin made a
    no-reply mail the request of the person its Reply-To names."""
    name = mail.parsed.from_name if mail.sender_name is None else mail.sender_name
    return (name or "").strip()


def _sender_authenticated(mail: _Mail) -> bool:
    """DKIM or SPF pass for the sender's domain in the topmost Authentication-Results of a
    trusted authserv-id (the receiving provider's; headers below it could be forged)."""
    trusted = {v.strip().lower() for v in
               (current_app.config.get("MAIL_TRUSTED_AUTHSERV_IDS") or "").split(",")
               if v.strip()}
    return mailparse.authenticated_domain(mail.parsed, trusted) == mail.sender.rsplit("@", 1)[-1]


@dataclass(frozen=True)
class _Created:
    """A ticket a mail opened, as its result names it."""

    id: int
    code: str
    routing_reason: str


def _create_ticket(mail: _Mail, *, parent: Ticket | None = None) -> tuple[_Created, str | None]:
    """A new email ticket, routed by the rules, with the acknowledgement queued (no commit);
    returns the ticket and why no acknowledgement was sent (None: it was). Written without
    the ORM (_insert_rows) unless the mail brings more files than are kept (a note lists
    the others): then through intake.new_ticket, the same rows."""
    parsed = mail.parsed
    subject = _subject(parsed)
    decision = route_request(subject, parsed.new_content)
    unit = routed_unit(decision.unit)
    if unit is None:
        routing_reason = f"menunggu pemilahan (triase): {decision.reason}"
    else:
        routing_reason = f"aturan kata kunci surel: {decision.reason}"
    name = _name(mail) or mail.sender.split("@", 1)[0]
    detail = {"routing": decision.reason[:300], "parent": parent.code if parent else None}
    context = {"refused": [], "parent": {"code": parent.code} if parent is not None else None}
    uploads, extra = _uploads(parsed)
    if not extra and _without_orm(parsed):
        return _insert_rows(mail, subject, decision, unit, routing_reason, name, parent, detail,
                            context, uploads)
    message = _message(mail, name[:200])
    # The one construction path (services.intake.new_ticket), as the web form and WhatsApp.
    ticket = new_ticket(
        channel="email", type=guess_request_type(subject, parsed.new_content),
        subject=subject, name=name, email=mail.sender, message=message,
        now=mail.now, unit=unit, routing_reason=routing_reason, parent=parent,
        detail=detail, code=new_code())  # a clash fails the unique index; _process redoes it
    stored = _store_attachments(mail, ticket, message)
    record_decision(ticket, decision, mail.now)
    why_not = _send_auto_reply(
        "mail_acknowledgement", mail.sender, ACK_SUBJECT.format(subject=ticket.subject),
        mail, ticket, {**context, "refused": _refusals(stored, parsed),
                       "tracking_url": tracking_url(ticket)})
    return _Created(ticket.id, ticket.code, ticket.routing_reason), why_not


def _subject(parsed: mailparse.ParsedMail) -> str:
    """A new request's subject: the mail's own, or, when it says nothing (empty, a bare
    "Fwd:", only a greeting), the one its text gives (domain.subjects), else its sender's
    files' names, else its own after all."""
    if not subjects.says_nothing(parsed.subject):
        return parsed.subject
    found = subjects.subject_from([parsed.new_content or parsed.full_content],
                                  or_first_line=False)
    if found:
        return found
    names = [a.filename for a in parsed.attachments
             if a.payload and a.filename and not a.is_inline and not _quiet(a)]
    return subjects.clip("Lampiran: " + ", ".join(names)) if names else parsed.subject


def _without_orm(parsed: mailparse.ParsedMail) -> bool:
    """May a new ticket from this mail be written straight through the connection? (The
    tests hold the two paths equal by answering no.)"""
    return True


def _insert_rows(mail: _Mail, subject: str, decision, unit, routing_reason: str, name: str,
                 parent: Ticket | None, detail: dict, context: dict,
                 uploads: list[Upload]) -> tuple[_Created, str | None]:
    """_create_ticket's rows written straight through the connection by the writer of a web
    request's (intake.write_request_rows: one statement on PostgreSQL), each built by the
    rule that builds it for the ORM."""
    parsed = mail.parsed
    values = ticket_values(
        channel="email", type=guess_request_type(subject, parsed.new_content),
        subject=subject, name=name, email=mail.sender, now=mail.now,
        days=target_days_for(None), routing_reason=routing_reason, code=new_code())
    values.update(unit_id=unit.id if unit is not None else None, service_id=None,
                  parent_id=parent.id if parent is not None else None)
    code = values["code"]
    message = _message_values(mail, name[:200])
    message["author_name"] = message["author_name"] or values["requester_name"]
    files = attachment_values(uploads, mail.now, keep_refused=True)
    why_not, acknowledgement = auto_reply_rows(
        "mail_acknowledgement", mail.sender, ACK_SUBJECT.format(subject=values["subject"]),
        mail.now, ticket_code=code, inbound_mail_id=mail.row.id,
        context={**context, "tracking_url": code_tracking_url(code),
                 "refused": _refusals(files, mail.parsed)},
        in_reply_to=message["email_message_id"])
    ticket_id = write_request_rows(
        values, message, unit,
        {"routing": decision_values(None, unit, decision, mail.now), **acknowledgement},
        detail=detail, files=files)
    return _Created(ticket_id, code, values["routing_reason"] or ""), why_not


def _refusals(stored: list, parsed: mailparse.ParsedMail) -> list[dict]:
    """The refused ones of the stored attachments (rows, or their columns: one per part of
    _kept_files, in its order, as _uploads stored them) as the notices name them (stored as
    JSON until the flush), but the quiet parts. By the part, not by its name: a file of the
    sender's own is told even when a quiet part has the same name."""
    told = []
    for a, part in zip(stored, _kept_files(parsed)[0], strict=True):
        row = a if isinstance(a, dict) else {"filename": a.filename, "is_accepted": a.is_accepted,
                                             "refusal_reason": a.refusal_reason}
        if not row["is_accepted"] and not _quiet(part):
            told.append({"filename": row["filename"], "refusal_reason": row["refusal_reason"]})
    return told


def _ack_note(why_not: str | None) -> str:
    return f"; tanda terima tidak dikirim: {why_not}" if why_not else "; tanda terima dikirim"


def _send_auto_reply(kind: str, address: str, subject: str, mail: _Mail, ticket: Ticket | None,
                     context: dict) -> str | None:
    return send_auto_reply(kind, address, subject, mail.now, ticket=ticket,
                           inbound_mail_id=mail.row.id, context=context)
