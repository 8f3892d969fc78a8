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
from ..models import Attachment, Message, Service, Ticket, Unit
from . import audit, catalogue, survey
from .attachments import Upload, check_upload, store_bytes
from .calendar import office_calendar
from .lifecycle import set_status, start_window, target_days_for
from .outbox import queue_mail


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
    cfg = current_app.config
    stored = []
    for upload in uploads:
        if not (upload.filename or upload.data):
            continue
        checked = check_upload(upload, cfg["MAX_ATTACHMENT_BYTES"])
        if not checked.ok and not keep_refused:
            continue
        digest, path = store_bytes(cfg["UPLOAD_DIR"], checked.data)
        attachment = Attachment(
            filename=checked.filename,
            content_type=checked.content_type,
            size=len(checked.data),
            sha256=digest,
            storage_path=path,
            is_accepted=checked.ok,
            refusal_reason=checked.error,
            created_dt=now,
        )
        message.attachments.append(attachment)
        stored.append(attachment)
    return stored


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


def open_request(data: RequestData, now: datetime, *, _attempt: int = 1) -> Ticket:
    """Create a ticket with its first message and queue the acknowledgement (no commit).

    A repeated submission (same submission_key) returns the ticket already created.
    """
    if data.submission_key:
        existing = find_by_submission_key(data.submission_key)
        if existing is not None:
            return existing
    errors = {}
    if not data.email and not data.phone:
        errors["email"] = "Isi email atau nomor telepon/WhatsApp agar kami dapat menjawab."
    if data.type not in ("informasi", "pengaduan", "saran"):
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

    message = Message(direction="in", author_name=data.name.strip()[:200],
                      body_text=data.message.strip(), channel=data.channel, created_dt=now)
    try:
        ticket = new_ticket(
            channel=data.channel, type=data.type, subject=data.subject, name=data.name,
            email=data.email, phone=data.phone, message=message, now=now, unit=unit,
            service=service,
            routing_reason=reason if unit is not None else "menunggu pemilahan (triase)",
            consent_dt=now if data.consent else None, submission_key=data.submission_key,
            code=new_code())
    except IntegrityError as exc:
        # Two identical submits raced: the other one won; show its ticket. Or the random code
        # was taken: try again with another.
        db.session.rollback()
        existing = find_by_submission_key(data.submission_key) if data.submission_key else None
        if existing is not None:
            return existing
        if _code_clash(exc) and _attempt < CODE_ATTEMPTS:
            return open_request(data, now, _attempt=_attempt + 1)
        raise
    attach_files(message, data.uploads, now)
    if ticket.requester_email:
        queue_mail(
            "acknowledgement", ticket.requester_email,
            f"Permohonan Anda telah kami terima: {ticket.subject}", now, ticket=ticket,
            context={"tracking_url": tracking_url(ticket)}, render_later=True,
        )
    else:
        # Only a phone number: the acknowledgement goes by WhatsApp (a template, as the
        # citizen has not written to us there) when the channel is configured.
        from ..whatsapp import notify as whatsapp_notify

        whatsapp_notify.queue_acknowledgement(ticket, now)
    return ticket


def _active_service(slug: str) -> Service | None:
    """The active service `slug`, with its unit: this process's copy of the catalogue (no
    query; a service switched off elsewhere is refused within CATALOGUE_CACHE_SECONDS, as
    the form's list drops it), or straight from the table when the copy does not know it."""
    service = catalogue.intake_service(slug)
    if service is not None:
        return service
    return db.session.scalar(select(Service).options(joinedload(Service.unit))
                             .where(Service.slug == slug, Service.is_active))


def new_ticket(*, channel: str, type: str, subject: str, name: str, now: datetime,
               message: Message, email: str | None = None, phone: str | None = None,
               unit: Unit | None = None, service: Service | None = None,
               routing_reason: str | None = None, parent: Ticket | None = None,
               consent_dt: datetime | None = None, submission_key: str | None = None,
               detail: dict | None = None, code: str | None = None) -> Ticket:
    """The one way a request becomes a ticket, whatever the channel (web form, API, mail,
    WhatsApp, walk-in and phone through open_request): a fresh code, the contact normalised,
    the SLA clock and its first window from the service's target, the first message, the
    audit entry. Adds and flushes (no commit); the caller acknowledges on its channel.
    code: a random code left to the unique index (open_request retries a clash)."""
    calendar = office_calendar()
    days = target_days_for(service)
    ticket = Ticket(
        code=code or unique_code(), type=type, channel=channel, unit=unit, service=service,
        status="baru", subject=(subject or "").strip()[:300] or "(tanpa subjek)",
        requester_name=(name or "").strip()[:200],
        requester_email=(email or "").strip().lower()[:254] or None,
        requester_phone=normalize_phone(phone), created_dt=now,
        sla_start_dt=calendar.next_opening(now), due_dt=calendar.add_working_days(now, days),
        routing_reason=(routing_reason or "")[:300] or None, parent=parent,
        consent_dt=consent_dt, submission_key=submission_key, updated_dt=now)
    # The first SLA window: its start and target are what the 75% reminder is measured on.
    start_window(ticket, now, calendar, days, new_window=False)
    message.author_name = message.author_name or ticket.requester_name
    ticket.messages.append(message)
    db.session.add(ticket)
    db.session.flush()
    audit.record(ticket, "created", now, actor_label=audit.CITIZEN, new=ticket.status,
                 detail={"channel": channel, "unit": unit.code if unit else None,
                         **(detail or {})})
    return ticket


def find_by_submission_key(key: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.submission_key == key))


def tracking_url(ticket: Ticket) -> str:
    """A link that opens the ticket for its requester (signed; see blueprints.public)."""
    from ..tracking import make_tracking_token

    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/lacak/{ticket.code}?t={make_tracking_token(ticket.code)}"


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
    if ticket.status == "ditutup":
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
