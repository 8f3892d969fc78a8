"""Opening requests and the citizen's side of the conversation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..domain.codes import new_code, normalize_code
from ..extensions import db
from ..models import TICKET_TYPES, Attachment, Message, Service, Ticket, Unit
from ..models.search import first_text
from ..urls import public_base
from . import audit, catalogue, facts, request_rows, survey
from .attachments import Upload, check_upload, store_bytes
from .calendar import office_calendar
from .lifecycle import set_status, target_days_for, window_values
from .outbox import mail_values, queue_mail


@dataclass
class RequestData:
    """What a citizen submits, already validated by a form."""

    name: str
    type: str
    subject: str
    message: str
    email: str | None = None
    phone: str | None = None
    service_slug: str | None = None
    channel: str = "web"
    consent: bool = True
    unit_code: str | None = None
    submission_key: str | None = None
    uploads: list[Upload] = field(default_factory=list)


class IntakeError(ValueError):
    """Input that cannot be accepted; `errors` maps field -> Indonesian message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def normalize_phone(phone: str | None) -> str | None:
    """Indonesian numbers as digits in international form: 0812... -> 62812..."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if not digits:
        return None
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    return digits


def check_uploads(uploads: list[Upload]) -> list[str]:
    """Errors for files the form must refuse (the citizen can fix them and resubmit)."""
    cfg = current_app.config
    errors = []
    real = [u for u in uploads if u.filename or u.data]
    if len(real) > cfg["MAX_ATTACHMENTS"]:
        errors.append(f"Paling banyak {cfg['MAX_ATTACHMENTS']} lampiran.")
    for upload in real:
        checked = check_upload(upload, cfg["MAX_ATTACHMENT_BYTES"])
        if not checked.ok:
            errors.append(checked.error)
    return errors


def attach_files(message: Message, uploads: list[Upload], now: datetime,
                 *, keep_refused: bool = False) -> list[Attachment]:
    """Store accepted files on a message; refused ones only when keep_refused (mail intake)."""
    stored = []
    for values in attachment_values(uploads, now, keep_refused=keep_refused):
        # set from the attachment's side: a stored message's files are not loaded first
        attachment = Attachment(**values, message=message)
        db.session.add(attachment)
        stored.append(attachment)
    return stored


def attachment_values(uploads: list[Upload], now: datetime, *,
                      keep_refused: bool = False) -> list[dict]:
    """The files written to the upload folder and the columns of their rows (no message):
    attach_files, and mail intake without the ORM (services.request_rows)."""
    cfg = current_app.config
    rows = []
    for upload in uploads:
        if not (upload.filename or upload.data):
            continue
        checked = check_upload(upload, cfg["MAX_ATTACHMENT_BYTES"])
        if not checked.ok and not keep_refused:
            continue
        digest, path = store_bytes(cfg["UPLOAD_DIR"], checked.data)
        rows.append({"filename": checked.filename, "content_type": checked.content_type,
                     "size": len(checked.data), "sha256": digest, "storage_path": path,
                     "is_accepted": checked.ok, "refusal_reason": checked.error,
                     "created_dt": now})
    return rows


def unique_code() -> str:
    """A fresh code no ticket has yet."""
    for _ in range(20):
        code = new_code()
        if db.session.scalar(select(Ticket.id).where(Ticket.code == code)) is None:
            return code
    raise RuntimeError("could not find a free ticket code")  # 31**8 makes this unreachable


#: attempts at a new request whose random code clashed with an existing one (the unique index
#: decides, instead of a SELECT before every insert: with a million tickets a clash happens
#: about once per 850,000 requests)
CODE_ATTEMPTS = 3


def _code_clash(exc: IntegrityError) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "code" in text and "submission_key" not in text


@dataclass(frozen=True)
class Receipt:
    """What the citizen is told when a request is opened (read before the commit)."""

    id: int
    code: str
    status: str
    due_dt: datetime | None
    #: the signed link of the acknowledgement (made once per request: signing costs)
    tracking_url: str = field(compare=False)

    @classmethod
    def of(cls, ticket: Ticket) -> Receipt:
        return cls(id=ticket.id, code=ticket.code, status=ticket.status, due_dt=ticket.due_dt,
                   tracking_url=tracking_url(ticket))


def _checked(data: RequestData) -> tuple[Service | None, Unit | None, str]:
    """The request's service, unit and routing reason, or IntakeError with every problem."""
    errors = {}
    if not data.email and not data.phone:
        errors["email"] = "Isi email atau nomor telepon/WhatsApp agar kami dapat menjawab."
    if data.type not in TICKET_TYPES:
        errors["type"] = "Pilih jenis permohonan."
    service = _active_service(data.service_slug) if data.service_slug else None
    if data.service_slug and service is None:
        errors["service"] = "Layanan tidak dikenal."
    upload_errors = check_uploads(data.uploads)
    if upload_errors:
        errors["attachments"] = " ".join(upload_errors)
    if errors:
        raise IntakeError(errors)

    unit = service.unit if service is not None else None
    reason = f"dipilih pemohon: {service.name}" if service is not None else None
    if unit is None and data.unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == data.unit_code))
        reason = "ditentukan petugas" if unit else None
    return service, unit, reason if unit is not None else "menunggu pemilahan (triase)"


def _after_clash(exc: IntegrityError, data: RequestData, attempt: int):
    """An INSERT refused by a unique index: two identical submits raced (the other one won:
    its ticket), or the random code was taken (None: try again with another)."""
    db.session.rollback()
    existing = find_by_submission_key(data.submission_key) if data.submission_key else None
    if existing is not None:
        return existing
    if _code_clash(exc) and attempt < CODE_ATTEMPTS:
        return None
    raise exc


def open_request(data: RequestData, now: datetime, *, _attempt: int = 1) -> Ticket:
    """Create a ticket with its first message and queue the acknowledgement (no commit).

    A repeated submission (same submission_key) returns the ticket already created.
    """
    if data.submission_key:
        existing = find_by_submission_key(data.submission_key)
        if existing is not None:
            return existing
    service, unit, reason = _checked(data)
    if service is not None:  # this process's copy, into the request's session (no query)
        service = db.session.merge(service, load=False)
        unit = service.unit or unit
    message = Message(**_first_message(data, now))
    try:
        ticket = new_ticket(
            channel=data.channel, type=data.type, subject=data.subject, name=data.name,
            email=data.email, phone=data.phone, message=message, now=now, unit=unit,
            service=service, routing_reason=reason,
            consent_dt=now if data.consent else None, submission_key=data.submission_key,
            code=new_code())
    except IntegrityError as exc:
        return _after_clash(exc, data, _attempt) or open_request(data, now,
                                                                 _attempt=_attempt + 1)
    attach_files(message, data.uploads, now)
    if ticket.requester_email:
        queue_mail(
            "acknowledgement", ticket.requester_email, ACK_SUBJECT.format(subject=ticket.subject),
            now, ticket=ticket, context={"tracking_url": tracking_url(ticket)},
            render_later=True,
        )
    else:
        # Only a phone number: the acknowledgement goes by WhatsApp (a template, as the
        # citizen has not written to us there) when the channel is configured.
        from ..whatsapp import notify as whatsapp_notify

        whatsapp_notify.queue_acknowledgement(ticket, now)
    return ticket


def submit(data: RequestData, now: datetime, *, _attempt: int = 1) -> Receipt:
    """The citizen's own web form and JSON API: open_request, with the rows of a request
    with an email address and no files written straight through the connection (one
    statement on PostgreSQL, see request_rows; no unit of work: the ORM's bookkeeping was
    most of an intake's CPU).

    The same rules as open_request build every row (ticket_values, audit.entry_values,
    outbox.mail_values, the search text, the daily facts); files and phone-only requests
    (acknowledged on WhatsApp) go through open_request itself. No commit.
    """
    if data.uploads or not data.email:
        return Receipt.of(open_request(data, now))
    request_rows.single_statement_session(db.session())
    # A repeated submission_key is not looked up first (a round trip on every browser's
    # request): the unique index refuses the repeat, and _after_clash answers with the
    # ticket the first submission opened.
    service, unit, reason = _checked(data)
    values = ticket_values(
        channel=data.channel, type=data.type, subject=data.subject, name=data.name,
        email=data.email, phone=data.phone, now=now, days=target_days_for(service),
        routing_reason=reason, consent_dt=now if data.consent else None,
        submission_key=data.submission_key, code=new_code())
    values["unit_id"] = unit.id if unit is not None else None
    values["service_id"] = service.id if service is not None else None
    message = _first_message(data, now)
    code = values["code"]
    link = code_tracking_url(code)
    mail = mail_values(
        "acknowledgement", values["requester_email"],
        ACK_SUBJECT.format(subject=values["subject"]), now, ticket_code=code,
        context={"tracking_url": link}, render_later=True)
    try:
        ticket_id = write_request_rows(values, message, unit, {"outbox": mail})
    except IntegrityError as exc:
        existing = _after_clash(exc, data, _attempt)
        return Receipt.of(existing) if existing is not None else submit(
            data, now, _attempt=_attempt + 1)
    return Receipt(id=ticket_id, code=code, status=values["status"], due_dt=values["due_dt"],
                   tracking_url=link)


def write_request_rows(values: dict, message: dict, unit: Unit | None, others: dict,
                       *, detail: dict | None = None, files: list[dict] | None = None) -> int:
    """A new request's rows written through the connection (services.request_rows) by the
    web form, the API (submit) and mail (mail_actions): the ticket `values`, its first
    `message`, the "created" audit entry (its `detail` added to the channel's), the `others`
    rows that point at it (name in request_rows.CHILDREN -> columns), the message's `files`,
    and the daily facts (now, or at the end of a deferred chunk). Returns the ticket's id."""
    entry = audit.entry_values(
        None, "created", values["created_dt"], actor_label=audit.CITIZEN, new=values["status"],
        detail={**created_detail(values["channel"], unit), **(detail or {})})
    deferred = facts.is_deferred()
    ticket_id = request_rows.insert_request(
        db.session.connection(), values, {"message": message, "audit": entry, **others},
        first_text(values["subject"], [message["body_text"]]),
        [] if deferred else facts.new_ticket_rows(values), files)
    if deferred:  # in the shard of the new id, as the statement would have written them
        facts.deferred_rows(facts.new_ticket_rows(values, ticket_id))
    return ticket_id


#: the acknowledgement's subject, whatever the channel it came by (web, API, mail)
ACK_SUBJECT = "Permohonan Anda telah kami terima: {subject}"


def _first_message(data: RequestData, now: datetime) -> dict:
    """The columns of a request's first message (the citizen's own words)."""
    return {"direction": "in", "author_name": data.name.strip()[:200],
            "body_text": data.message.strip(), "channel": data.channel, "created_dt": now}


def created_detail(channel: str, unit: Unit | None) -> dict:
    """The detail of a new request's audit entry."""
    return {"channel": channel, "unit": unit.code if unit else None}


def _active_service(slug: str) -> Service | None:
    """The active service `slug`, with its unit: this process's copy of the catalogue (no
    query; a service switched off elsewhere is refused within CATALOGUE_CACHE_SECONDS, as
    the form's list drops it), or straight from the table when the copy does not know it."""
    service = catalogue.intake_service(slug)
    if service is not None:
        return service
    return db.session.scalar(select(Service).options(joinedload(Service.unit))
                             .where(Service.slug == slug, Service.is_active))


def ticket_values(*, channel: str, type: str, subject: str, name: str, now: datetime,
                  days: float, email: str | None = None, phone: str | None = None,
                  routing_reason: str | None = None, consent_dt: datetime | None = None,
                  submission_key: str | None = None, code: str | None = None) -> dict:
    """The columns of a new ticket, whatever the channel: a fresh code, the contact
    normalised, the SLA clock and its first window (`days` working days; its start and
    target are what the 75% reminder is measured on). No unit, service or parent."""
    window = window_values(now, office_calendar(), days)
    return {
        "code": code or unique_code(), "type": type, "channel": channel, "status": "baru",
        "subject": (subject or "").strip()[:300] or "(tanpa subjek)",
        "requester_name": (name or "").strip()[:200],
        "requester_email": (email or "").strip().lower()[:254] or None,
        "requester_phone": normalize_phone(phone), "created_dt": now,
        "sla_start_dt": window["sla_window_start_dt"], **window,
        "routing_reason": (routing_reason or "")[:300] or None, "consent_dt": consent_dt,
        "submission_key": submission_key, "updated_dt": now}


def new_ticket(*, channel: str, type: str, subject: str, name: str, now: datetime,
               message: Message, email: str | None = None, phone: str | None = None,
               unit: Unit | None = None, service: Service | None = None,
               routing_reason: str | None = None, parent: Ticket | None = None,
               consent_dt: datetime | None = None, submission_key: str | None = None,
               detail: dict | None = None, code: str | None = None) -> Ticket:
    """The one way a request becomes a ticket object, whatever the channel (web form, API,
    mail, WhatsApp, walk-in and phone through open_request; submit writes the same rows
    without the ORM): ticket_values, the first message, the audit entry. Adds and flushes
    (no commit); the caller acknowledges on its channel.
    code: a random code left to the unique index (open_request retries a clash)."""
    ticket = Ticket(**ticket_values(
        channel=channel, type=type, subject=subject, name=name, now=now,
        days=target_days_for(service), email=email, phone=phone,
        routing_reason=routing_reason, consent_dt=consent_dt, submission_key=submission_key,
        code=code), unit=unit, service=service, parent=parent)
    message.author_name = message.author_name or ticket.requester_name
    ticket.messages.append(message)
    db.session.add(ticket)
    db.session.flush()
    audit.record(ticket, "created", now, actor_label=audit.CITIZEN, new=ticket.status,
                 detail={**created_detail(channel, unit), **(detail or {})})
    return ticket


def find_by_submission_key(key: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.submission_key == key))


def tracking_url(ticket: Ticket) -> str:
    """A link that opens the ticket for its requester (signed; see blueprints.public)."""
    return code_tracking_url(ticket.code)


def code_tracking_url(code: str) -> str:
    """tracking_url of the ticket with this code."""
    from ..tracking import make_tracking_token

    return f"{public_base()}/lacak/{code}?t={make_tracking_token(code)}"


def find_for_requester(code: str, contact: str) -> Ticket | None:
    """The ticket if code and email/phone match; None for a wrong pair or an unknown code."""
    code = normalize_code(code)
    contact = (contact or "").strip()
    if not code or not contact:
        return None
    ticket = db.session.scalar(select(Ticket).where(Ticket.code == code))
    if ticket is None:
        return None
    if "@" in contact:
        return ticket if ticket.requester_email == contact.lower() else None
    phone = normalize_phone(contact)
    return ticket if phone and ticket.requester_phone == phone else None


def citizen_reply(ticket: Ticket, body: str, uploads: list[Upload], now: datetime,
                  *, channel: str = "web") -> Message:
    """The citizen adds to the conversation; waiting or answered tickets go back to work."""
    errors = check_uploads(uploads)
    if errors:
        raise IntakeError({"attachments": " ".join(errors)})
    if not body.strip() and not any(u.data for u in uploads):
        raise IntakeError({"body": "Tulis pesan Anda."})
    if not ticket.takes_replies:
        raise IntakeError({"body": "Permohonan ini sudah ditutup. Silakan ajukan permohonan baru."})
    message = Message(direction="in", author_name=ticket.requester_name,
                      body_text=body.strip(), channel=channel, created_dt=now)
    ticket.messages.append(message)
    db.session.flush()
    attach_files(message, uploads, now)
    audit.record(ticket, "citizen_reply", now, actor_label=audit.CITIZEN)
    if ticket.status in ("menunggu_pemohon", "selesai"):
        set_status(ticket, "diproses", now, actor_label=audit.CITIZEN)
    ticket.updated_dt = now
    return message


def confirm_understanding(ticket: Ticket, understood: bool, comment: str, now: datetime) -> None:
    """Procedure step 7: 'Ya' confirms; 'Belum' reopens with the citizen's words (no commit)."""
    if ticket.status != "selesai":
        raise IntakeError({"understood": "Belum ada jawaban yang perlu dikonfirmasi."})
    if ticket.is_understood is not None:
        # Each answer is confirmed once; the next answer opens a new round.
        raise IntakeError({"understood": "Jawaban ini sudah Anda konfirmasi. Bila masih ada "
                                         "pertanyaan, kirim pesan di bawah."})
    if understood:
        ticket.is_understood = True
        audit.record(ticket, "confirm", now, actor_label=audit.CITIZEN, new="dipahami")
        survey.invite(ticket, now, "dipahami")  # the survey invitation, once (issue 6)
        if comment.strip():
            ticket.messages.append(Message(direction="in", author_name=ticket.requester_name,
                                           body_text=comment.strip(), channel="web",
                                           created_dt=now))
    else:
        if not comment.strip():
            raise IntakeError({"comment": "Tuliskan bagian mana yang belum dipahami."})
        ticket.is_understood = False
        ticket.reopen_count += 1
        ticket.messages.append(Message(direction="in", author_name=ticket.requester_name,
                                       body_text=comment.strip(), channel="web", created_dt=now))
        audit.record(ticket, "confirm", now, actor_label=audit.CITIZEN, new="belum dipahami")
        # A reopen gets a new, shorter window from now (see services.lifecycle).
        set_status(ticket, "diproses", now, actor_label=audit.CITIZEN,
                   reason="jawaban belum dipahami")
    ticket.updated_dt = now
