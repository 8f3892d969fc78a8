"""What staff do with a ticket: claim, assign, transfer, reply, note, change status, close,
reopen, and record a walk-in or phone request.

Every use case checks the permission table (domain.permissions), writes the audit log and
flushes; the caller commits once (services.transaction.run); the actor and `now` are passed
in. Status changes go through lifecycle.set_status,
which keeps the SLA clock. Two staff acting at once never silently overwrite each other:
claiming is one conditional UPDATE, other changes carry the ticket version the staff member
saw (and Ticket.version is SQLAlchemy's optimistic lock), replies and notes are inserts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update

from ..domain import lifecycle
from ..domain import permissions as perm
from ..extensions import db
from ..models import Message, Service, Ticket, Unit, User
from . import audit, intake, notify
from .attachments import Upload
from .catalogue import PROSEDUR_LISAN
from .errors import FORBIDDEN, STALE, ActionError, Conflict, Forbidden
from .lifecycle import set_status

#: statuses a reply can leave the ticket in
REPLY_STATUSES = ("selesai", "menunggu_pemohon", "diproses")
#: conversations staff record by hand; "whatsapp" is one held on the office's phone app
ORAL_CHANNELS = ("lisan", "telepon", "whatsapp")
#: the standard's procedure for oral requests, as (number, text)
ORAL_STEPS: tuple[tuple[int, str], ...] = tuple(
    (int(m.group(1)), m.group(2).strip())
    for m in re.finditer(r"^(\d+)\.\s+(.+)$", PROSEDUR_LISAN, re.MULTILINE)
)
#: steps that must be done before an oral request is closed on the spot: the need asked,
#: the information given, understanding asked, understanding confirmed by feedback
ORAL_STEPS_TO_CLOSE = (2, 3, 4, 7)
#: a reply is an insert: redone this often on fresh rows when the ticket changed underneath
REPLY_RETRIES = 3


def allowed(actor: User, action: str, ticket: Ticket) -> bool:
    return perm.can(actor.role, actor.unit_id, action, ticket.unit_id)


def _require(actor: User, action: str, ticket: Ticket) -> None:
    if not allowed(actor, action, ticket):
        raise Forbidden(FORBIDDEN)


def _check_version(ticket: Ticket, expected: int | None) -> None:
    if expected is not None and ticket.version != expected:
        raise Conflict(STALE)


def _person(user: User | None) -> str | None:
    return f"{user.name} <{user.email}>" if user is not None else None


# ------------------------------------------------------------------ assignment

def claim(ticket: Ticket, actor: User, now: datetime) -> None:
    """Take an unassigned ticket. Of two staff claiming at once exactly one wins."""
    _require(actor, perm.CLAIM, ticket)
    if ticket.status not in lifecycle.OPEN_STATUSES:
        raise ActionError("Tiket yang sudah selesai atau ditutup tidak dapat diambil.")
    # One conditional UPDATE: the database decides the race, not two stale reads.
    result = db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.assignee_id.is_(None),
               Ticket.unit_id == ticket.unit_id)
        .values(assignee_id=actor.id, version=Ticket.version + 1, updated_dt=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(ticket)
        if ticket.assignee_id == actor.id:
            return
        holder = ticket.assignee.name if ticket.assignee else "petugas lain"
        raise Conflict(f"Tiket ini sudah diambil oleh {holder}.")
    db.session.refresh(ticket)
    audit.record(ticket, "assignee", now, actor=actor, old=None, new=_person(actor),
                 detail={"via": "ambil"})
    if ticket.status == "baru":
        set_status(ticket, "diproses", now, actor=actor)


def assign(ticket: Ticket, actor: User, assignee: User, now: datetime,
           *, expected_version: int | None = None) -> None:
    """Give the ticket to an active member of its unit (ketua tim and up)."""
    _require(actor, perm.ASSIGN, ticket)
    _check_version(ticket, expected_version)
    if not perm.can_be_assigned(assignee.role, assignee.unit_id, ticket.unit_id,
                                assignee.is_active):
        raise ActionError(f"{assignee.name} bukan petugas aktif bidang tiket ini.")
    if ticket.assignee_id == assignee.id:
        return
    old = ticket.assignee
    ticket.assignee = assignee
    ticket.updated_dt = now
    audit.record(ticket, "assignee", now, actor=actor, old=_person(old), new=_person(assignee),
                 detail={"via": "tugaskan"})


def transfer(ticket: Ticket, actor: User, unit: Unit, reason: str, now: datetime,
             *, service: Service | None = None, expected_version: int | None = None) -> None:
    """Move the ticket to another unit with a reason (from triage: route it to a unit).

    The assignee is cleared (the receiving unit's ketua tim assigns); the due time stays,
    because it was promised to the citizen.
    """
    _require(actor, perm.TRANSFER, ticket)
    _check_version(ticket, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("Tuliskan alasan pengalihan.")
    if ticket.status == "ditutup":
        raise ActionError("Tiket yang sudah ditutup tidak dapat dialihkan.")
    if unit.id == ticket.unit_id:
        raise ActionError("Tiket sudah berada di bidang itu.")
    if service is not None and service.unit_id not in (None, unit.id):
        raise ActionError("Layanan itu bukan milik bidang tujuan.")
    old_unit = ticket.unit.code if ticket.unit else "triase"
    old_service = ticket.service
    if service is None and old_service is not None and old_service.unit_id not in (None, unit.id):
        service = None  # the old unit's service does not apply any more
    elif service is None:
        service = old_service
    ticket.unit = unit
    ticket.service = service
    ticket.routing_reason = f"dialihkan oleh {actor.name}: {reason}"[:300]
    ticket.updated_dt = now
    audit.record(ticket, "unit", now, actor=actor, old=old_unit, new=unit.code,
                 detail={"reason": reason})
    if service is not old_service:
        audit.record(ticket, "service", now, actor=actor,
                     old=old_service.slug if old_service else None,
                     new=service.slug if service else None)
    if ticket.assignee is not None:
        audit.record(ticket, "assignee", now, actor=actor, old=_person(ticket.assignee),
                     new=None, detail={"via": "alihkan"})
        ticket.assignee = None
    ticket.messages.append(Message(
        direction="note", author_name=actor.name, author_id=actor.id, created_dt=now,
        body_text=f"Dialihkan dari {old_unit} ke {unit.code}. Alasan: {reason}"))
    if old_unit != "triase" and ticket.status in lifecycle.OPEN_STATUSES | {"selesai"}:
        # The citizen learns who answers now and by when (the promised deadline stays).
        notify.tell(ticket, lifecycle.TRANSFERRED, now, context={"unit_name": unit.name})


# ------------------------------------------------------------------ conversation

def reply(ticket: Ticket, actor: User, body: str, status: str, now: datetime,
          uploads: list[Upload] | None = None) -> Message:
    """A public message to the citizen, told on their channel (services.notify): the answer
    (selesai), what is needed from them (menunggu_pemohon), or an interim word (diproses).

    A reply is an insert: a colleague's reply written at the same moment is kept too. When
    the ticket row changed underneath (version), the caller redoes the whole step on the
    fresh row (transaction.run(..., retries=3)).
    """
    body = (body or "").strip()
    if not body:
        raise ActionError("Tulis jawaban untuk pemohon.")
    if status not in REPLY_STATUSES:
        raise ActionError("Pilih status setelah menjawab: selesai, menunggu pemohon, atau "
                          "sedang diproses.")
    upload_errors = intake.check_uploads(uploads or [])
    if upload_errors:
        raise ActionError(" ".join(upload_errors))
    _require(actor, perm.REPLY, ticket)
    if ticket.status == "ditutup":
        raise ActionError("Tiket sudah ditutup. Buka kembali dulu untuk membalas.")
    if status != ticket.status and not lifecycle.can_transition(ticket.status, status):
        raise ActionError(
            f"Status {lifecycle.STATUS_LABELS[ticket.status]} tidak dapat diubah ke "
            f"{lifecycle.STATUS_LABELS[status]} dengan balasan.")
    message = Message(direction="out", author_name=actor.name, author_id=actor.id,
                      body_text=body, created_dt=now,
                      channel="email" if ticket.requester_email else "web")
    ticket.messages.append(message)
    db.session.flush()
    intake.attach_files(message, uploads or [], now)
    audit.record(ticket, "reply", now, actor=actor,
                 detail={"message_id": message.id, "status": status})
    set_status(ticket, status, now, actor=actor, public_message=message, notify=False)
    if status == "selesai":
        # A further answer (same status) opens a new "sudah dipahami?" round too.
        ticket.is_understood = None
        ticket.resolved_dt = now
    notify.tell(ticket, lifecycle.notice_for_message(status), now, message=message,
                status=status)
    ticket.updated_dt = now
    return message


def add_note(ticket: Ticket, actor: User, body: str, now: datetime) -> Message:
    """An internal note: visible to staff only, never to the citizen."""
    _require(actor, perm.NOTE, ticket)
    body = (body or "").strip()
    if not body:
        raise ActionError("Tulis isi catatan.")
    message = Message(direction="note", author_name=actor.name, author_id=actor.id,
                      body_text=body, created_dt=now)
    ticket.messages.append(message)
    db.session.flush()
    audit.record(ticket, "note", now, actor=actor, detail={"message_id": message.id})
    return message


def note_with_status(ticket: Ticket, actor: User, body: str, status: str | None,
                     now: datetime) -> Message:
    """An internal note, optionally with a status change: one use case (API)."""
    message = add_note(ticket, actor, body, now)
    if status:
        change_status(ticket, actor, status, now)
    return message


# ------------------------------------------------------------------ status

def change_status(ticket: Ticket, actor: User, new: str, now: datetime, *,
                  reason: str | None = None, expected_version: int | None = None) -> None:
    """Any allowed lifecycle step; closing and reopening are checked as their own actions."""
    if new == "ditutup":
        action = perm.CLOSE
    elif new == "diproses" and ticket.status in ("selesai", "ditutup"):
        action = perm.REOPEN
    else:
        action = perm.STATUS
    _require(actor, action, ticket)
    _check_version(ticket, expected_version)
    try:
        set_status(ticket, new, now, actor=actor, reason=(reason or "").strip() or None)
    except lifecycle.TransitionError as exc:
        raise ActionError(str(exc)) from exc


def close(ticket: Ticket, actor: User, now: datetime, *, reason: str | None = None,
          expected_version: int | None = None) -> None:
    change_status(ticket, actor, "ditutup", now, reason=reason,
                  expected_version=expected_version)


def reopen(ticket: Ticket, actor: User, now: datetime, *, reason: str | None = None,
           expected_version: int | None = None) -> None:
    if ticket.status not in ("selesai", "ditutup"):
        raise ActionError("Hanya tiket yang selesai atau ditutup yang dapat dibuka kembali.")
    change_status(ticket, actor, "diproses", now, reason=reason,
                  expected_version=expected_version)


# ------------------------------------------------------------------ walk-in / phone

@dataclass
class OralRequest:
    """A request made in person (lisan) or by phone (telepon), as the staff member records it."""

    channel: str
    name: str
    type: str
    subject: str
    #: what the citizen asked
    need: str
    service_slug: str | None = None
    email: str | None = None
    phone: str | None = None
    #: the information given on the spot
    answer: str = ""
    #: numbers of the procedure steps done (ORAL_STEPS)
    steps: list[int] = field(default_factory=list)
    #: close now: the citizen confirmed understanding by feedback
    close_now: bool = False


def record_oral(actor: User, data: OralRequest, now: datetime) -> Ticket:
    """Record a walk-in or phone request for the actor's unit; it counts like any ticket."""
    if not perm.can(actor.role, actor.unit_id, perm.RECORD_ORAL, actor.unit_id):
        raise Forbidden("Hanya petugas bidang yang dapat mencatat permohonan lisan.")
    if data.channel not in ORAL_CHANNELS:
        raise ActionError("Pilih cara permohonan: datang langsung, telepon, atau WhatsApp.")
    steps = sorted({s for s in data.steps if s in dict(ORAL_STEPS)})
    answer = (data.answer or "").strip()
    if data.close_now:
        missing = [n for n in ORAL_STEPS_TO_CLOSE if n not in steps]
        if missing or not answer:
            raise ActionError(
                "Permohonan hanya dapat ditutup di tempat bila informasi yang diberikan "
                "dicatat dan langkah " + ", ".join(map(str, ORAL_STEPS_TO_CLOSE))
                + " prosedur sudah dilakukan (pemahaman dipastikan dengan umpan balik).")
    if data.service_slug:
        service = db.session.scalar(select(Service).where(Service.slug == data.service_slug))
        if service is not None and service.unit_id not in (None, actor.unit_id):
            raise ActionError("Layanan itu milik bidang lain; catat di bidang yang berwenang.")
    try:
        ticket = intake.open_request(intake.RequestData(
            name=data.name, type=data.type, subject=data.subject, message=data.need,
            email=data.email or None, phone=data.phone or None,
            service_slug=data.service_slug or None, channel=data.channel, consent=True,
            unit_code=actor.unit.code,
        ), now)
    except intake.IntakeError as exc:
        raise ActionError(" ".join(exc.errors.values())) from exc

    ticket.assignee = actor
    audit.record(ticket, "assignee", now, actor=actor, new=_person(actor),
                 detail={"via": data.channel})
    done = dict(ORAL_STEPS)
    checklist = "\n".join(f"[{'x' if n in steps else ' '}] {n}. {text}" for n, text in ORAL_STEPS)
    ticket.messages.append(Message(
        direction="note", author_name=actor.name, author_id=actor.id, created_dt=now,
        body_text="Prosedur permohonan informasi secara lisan:\n" + checklist))
    audit.record(ticket, "oral_procedure", now, actor=actor,
                 new=f"{len(steps)}/{len(done)} langkah",
                 detail={"channel": data.channel, "steps": steps})
    message = None
    if answer:
        message = Message(direction="out", author_name=actor.name, author_id=actor.id,
                          body_text=answer, channel=data.channel, created_dt=now)
        ticket.messages.append(message)
        db.session.flush()
        audit.record(ticket, "reply", now, actor=actor,
                     detail={"message_id": message.id, "channel": data.channel})
    if data.close_now:
        # Answered in person: the record's steps include the answer (checked above).
        set_status(ticket, "selesai", now, actor=actor, public_message=message, notify=False)
        ticket.is_understood = True
        audit.record(ticket, "confirm", now, actor=actor, new="dipahami",
                     detail={"via": "umpan balik " + data.channel})
        set_status(ticket, "ditutup", now, actor=actor, reason="dipahami, ditutup di tempat")
    else:
        set_status(ticket, "diproses", now, actor=actor)
    return ticket
