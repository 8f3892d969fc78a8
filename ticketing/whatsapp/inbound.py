"""Webhook deliveries: the raw body stored and committed first, then every message handled
once by its wamid (Meta retries deliveries) and every status callback applied.

A message becomes a new ticket, a follow-up (see conversation), an answer to "sudah
dipahami?", an opt-out/opt-in, a status request (LACAK <code>), or a note (reactions).
Nothing is lost: the raw delivery stays, and a message that could not be handled is kept
as `failed` with its payload for `flask whatsapp process` to try again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..domain.lifecycle import STATUS_LABELS
from ..extensions import db
from ..models import Message, Ticket, WhatsAppContact, WhatsAppDelivery, WhatsAppMessage
from ..services import audit
from ..services.intake import IntakeError, confirm_understanding
from . import conversation, delivery, notify
from .payload import (
    Content,
    changes,
    command,
    content,
    profile_names,
    timestamp,
    track_request,
    wa_digits,
)

log = logging.getLogger(__name__)

SYSTEM_AUTHOR = "Sistem WhatsApp"


@dataclass
class Result:
    """One line of `flask whatsapp process`, shaped like `mail ingest`."""

    message_id: str
    #: created | appended | ignored | duplicate | failed
    action: str
    ticket: str | None = None
    reason: str = ""

    def as_json(self) -> dict:
        return {"message_id": self.message_id, "action": self.action, "ticket": self.ticket,
                "reason": self.reason}


# ------------------------------------------------------------------ deliveries

def store(raw: bytes, now: datetime) -> tuple[WhatsAppDelivery, bool]:
    """Insert and commit the raw delivery; (existing row, False) for the same bytes again."""
    digest = hashlib.sha256(raw).hexdigest()
    existing = db.session.scalar(select(WhatsAppDelivery).where(
        WhatsAppDelivery.sha256 == digest))
    if existing is None:
        row = WhatsAppDelivery(sha256=digest, raw=raw, state="pending", created_dt=now)
        db.session.add(row)
        try:
            db.session.commit()
            return row, True
        except IntegrityError:
            db.session.rollback()
            existing = db.session.scalar(select(WhatsAppDelivery).where(
                WhatsAppDelivery.sha256 == digest))
    db.session.execute(update(WhatsAppDelivery).where(WhatsAppDelivery.id == existing.id)
                       .values(times_seen=WhatsAppDelivery.times_seen + 1)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return existing, False


def process(delivery_id: int, now: datetime) -> list[Result]:
    """Handle every message and status of one stored delivery (commits per message)."""
    row = db.session.get(WhatsAppDelivery, delivery_id)
    row.attempts += 1
    db.session.commit()
    try:
        body = json.loads(row.raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        _finish(delivery_id, now, f"bukan JSON yang sah: {exc}"[:2000])
        return [Result(f"delivery:{delivery_id}", "failed", None, "bukan JSON yang sah")]
    results: list[Result] = []
    for value in changes(body):
        names = profile_names(value)
        for message in _dicts(value.get("messages")):
            results.append(_one(message, names, delivery_id, now))
        for status in _dicts(value.get("statuses")):
            results.append(_status(status, now))
    failed = [r for r in results if r.action == "failed"]
    _finish(delivery_id, now, "; ".join(r.reason for r in failed)[:2000] if failed else None)
    return results


def _dicts(items) -> list[dict]:
    """The objects of a list in the payload; anything else (hostile input) is skipped."""
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _finish(delivery_id: int, now: datetime, error: str | None) -> None:
    row = db.session.get(WhatsAppDelivery, delivery_id)
    row.state = "failed" if error else "done"
    row.error = error
    row.processed_dt = now
    db.session.commit()


def process_pending(now: datetime, *, include_failed: bool = True,
                    min_age: timedelta | None = None) -> list[Result]:
    """Catch-up: deliveries stored but never processed (a crash), and failed ones again.
    min_age leaves alone what the webhook stored a moment ago and is processing itself."""
    states = ("pending", "failed") if include_failed else ("pending",)
    query = select(WhatsAppDelivery.id).where(WhatsAppDelivery.state.in_(states))
    if min_age is not None:
        query = query.where(WhatsAppDelivery.created_dt <= now - min_age)
    ids = db.session.scalars(query.order_by(WhatsAppDelivery.id)).all()
    results = []
    for delivery_id in ids:
        results.extend(process(delivery_id, now))
    return results


def _status(status: dict, now: datetime) -> Result:
    try:
        result = delivery.apply_status(status, now)
        db.session.commit()
        return result
    except Exception as exc:  # noqa: BLE001 - one bad callback must not stop the rest
        db.session.rollback()
        log.warning("whatsapp status %s failed: %s", status.get("id"), exc)
        return Result(str(status.get("id") or "?"), "failed", None, f"{type(exc).__name__}")


# ------------------------------------------------------------------ messages

def _one(message: dict, names: dict[str, str], delivery_id: int, now: datetime) -> Result:
    wamid = str(message.get("id") or "").strip()[:200]
    if not wamid:
        return Result("?", "failed", None, "pesan tanpa id (wamid)")
    existing = db.session.scalar(select(WhatsAppMessage).where(WhatsAppMessage.wamid == wamid))
    if existing is not None and existing.action != "failed":
        code = existing.ticket.code if existing.ticket else None
        return Result(wamid, "duplicate", code, f"sudah diterima ({existing.action})")
    row = existing or WhatsAppMessage(wamid=wamid, delivery_id=delivery_id, created_dt=now)
    try:
        result = _handle(row, message, names, now)
        row.action, row.reason = result.action, result.reason[:300]
        db.session.add(row)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another worker stored this wamid first
        return Result(wamid, "duplicate", None, "sedang/sudah diproses oleh proses lain")
    except Exception as exc:
        db.session.rollback()
        log.warning("whatsapp message %s failed: %s", wamid, exc, exc_info=True)
        return _mark_failed(wamid, message, delivery_id, now, exc)
    if row.media_state == "pending" and row.message_id is not None:
        from .media import fetch

        fetch(row.id, now)
    return result


def _mark_failed(wamid: str, message: dict, delivery_id: int, now: datetime,
                 exc: Exception) -> Result:
    row = db.session.scalar(select(WhatsAppMessage).where(WhatsAppMessage.wamid == wamid))
    if row is None:
        row = WhatsAppMessage(wamid=wamid, delivery_id=delivery_id, created_dt=now,
                              wa_id=wa_digits(message.get("from")),
                              type=str(message.get("type") or "unknown")[:20])
        db.session.add(row)
    row.payload = message
    row.action = "failed"
    row.reason = f"{type(exc).__name__}: {exc}"[:300]
    db.session.commit()
    return Result(wamid, "failed", None, row.reason)


def _contact(wa_id: str, name: str | None, sent: datetime, now: datetime) -> WhatsAppContact:
    contact = notify.contact_for(wa_id)
    if contact is None:
        contact = WhatsAppContact(wa_id=wa_id, created_dt=now)
        db.session.add(contact)
    if name:
        contact.profile_name = name
    if contact.last_inbound_dt is None or sent > contact.last_inbound_dt:
        contact.last_inbound_dt = sent
    return contact


def _handle(row: WhatsAppMessage, message: dict, names: dict[str, str],
            now: datetime) -> Result:
    wa_id = wa_digits(message.get("from"))
    if not wa_id:
        raise ValueError("pengirim (from) tidak ada")
    stamped = timestamp(message.get("timestamp"))
    # When the citizen sent it; never in our future (that would stretch the 24-hour window)
    sent = min(stamped, now) if stamped else now
    body = content(message)
    row.wa_id, row.type, row.payload, row.sent_dt = wa_id, body.type[:20], message, sent
    if body.media_id:
        row.media_id, row.media_state, row.media_next_dt = body.media_id, "pending", now
    contact = _contact(wa_id, names.get(wa_id), sent, now)
    db.session.flush()
    what = command(body.typed)
    if what is not None:
        return _opt(row, contact, what, now)
    if body.reaction is not None:
        return _reaction(row, body, now)
    if body.reply_id and body.reply_id.startswith(notify.CONFIRM_PREFIX):
        return _confirm(row, body, wa_id, now)
    track = track_request(body.typed)
    if track is not None:
        return _track(row, wa_id, *track, now)
    context_id = str((message.get("context") or {}).get("id") or "") or None
    ticket, how = conversation.find_ticket(wa_id, context_id, body.typed, now)
    if body.is_unsupported:
        notify.queue(ticket, "unsupported", now, to=wa_id, direct=True)
        if ticket is None:
            return _done(row, "ignored", None, "jenis pesan tidak didukung; pengirim diberi tahu")
    if ticket is not None and ticket.status != "ditutup":
        message_row, reason = conversation.append(ticket, body.text, now, how)
        row.message_id = message_row.id
        return _done(row, "appended", ticket, reason)
    parent = ticket
    # Received when the citizen sent it (a catch-up after a crash must not move the deadline).
    created, message_row = conversation.create_ticket(wa_id, contact.profile_name, body.text,
                                                      sent, parent=parent)
    row.message_id = message_row.id
    reason = f"tiket baru ({created.routing_reason})"
    if parent is not None:
        reason = f"lanjutan tiket {parent.code} yang sudah ditutup: tiket baru tertaut"
    return _done(row, "created", created, reason)


def _done(row: WhatsAppMessage, action: str, ticket: Ticket | None, reason: str) -> Result:
    row.ticket_id = ticket.id if ticket is not None else None
    return Result(row.wamid, action, ticket.code if ticket else None, reason[:300])


def _opt(row: WhatsAppMessage, contact: WhatsAppContact, what: str, now: datetime) -> Result:
    if what == "stop":
        if contact.opted_out_dt is None:
            contact.opted_out_dt = now
        notify.queue(None, "opted_out", now, to=contact.wa_id, direct=True)
        notify.cancel_optional(contact.wa_id, now)
        return _done(row, "ignored", None, "BERHENTI: hanya jawaban atas permohonan terbuka "
                                            "yang masih dikirim")
    contact.opted_out_dt = None
    notify.queue(None, "opted_in", now, to=contact.wa_id, direct=True)
    return _done(row, "ignored", None, "MULAI: pemberitahuan WhatsApp diaktifkan kembali")


def _reaction(row: WhatsAppMessage, body: Content, now: datetime) -> Result:
    target, emoji = body.reaction
    ticket = conversation.ticket_of_wamid(target) if target else None
    if ticket is None or ticket.requester_phone != row.wa_id:
        return _done(row, "ignored", None, "reaksi pada pesan yang tidak dikenal")
    note = Message(direction="note", author_name=SYSTEM_AUTHOR, channel="whatsapp",
                   created_dt=now,
                   body_text=(f"{ticket.requester_name} memberi reaksi {emoji} pada pesan kami."
                              if emoji else f"{ticket.requester_name} menghapus reaksinya."))
    ticket.messages.append(note)
    db.session.flush()
    row.message_id = note.id
    return _done(row, "appended", ticket, "reaksi dicatat sebagai catatan; status tidak diubah")


def _confirm(row: WhatsAppMessage, body: Content, wa_id: str, now: datetime) -> Result:
    """A press of Ya / Belum under "sudah dipahami?": recorded like the tracking page."""
    _prefix, _sep, rest = body.reply_id.partition(":")
    code, _sep, answer = rest.rpartition(":")
    ticket = conversation.ticket_by_code(code)
    if ticket is None or ticket.requester_phone != wa_id:
        return _done(row, "ignored", None, "tombol konfirmasi untuk tiket yang tidak dikenal")
    understood = answer == "ya"
    comment = "" if understood else "Belum dipahami (tombol WhatsApp)."
    try:
        confirm_understanding(ticket, understood, comment, now)
    except IntakeError:
        notify.queue(ticket, "confirm_done", now, to=wa_id, direct=True)
        return _done(row, "ignored", ticket, "konfirmasi sudah tercatat sebelumnya")
    notify.queue(ticket, "confirm_thanks" if understood else "confirm_belum", now, to=wa_id,
                 direct=True)
    how = "dipahami" if understood else "belum dipahami; tiket dibuka kembali"
    return _done(row, "appended", ticket, f"konfirmasi lewat tombol WhatsApp: {how}")


def _track(row: WhatsAppMessage, wa_id: str, code: str, token: str | None,
           now: datetime) -> Result:
    """LACAK <code>: the status, to the requester's number or with the confirmation page's
    key (which also links this number to a ticket that has none)."""
    ticket = conversation.ticket_by_code(code)
    allowed = ticket is not None and (ticket.requester_phone == wa_id or (
        token is not None and notify.track_key_ok(ticket.code, token)))
    if not allowed:
        notify.queue(None, "track_unknown", now, to=wa_id, direct=True,
                     context={"code": code})
        return _done(row, "ignored", None, "LACAK: kode tidak dikenal untuk nomor ini")
    if not ticket.requester_phone:
        ticket.requester_phone = wa_id
        audit.record(ticket, "whatsapp_linked", now, actor_label=audit.CITIZEN, new=wa_id)
    notify.queue(ticket, "track_status", now, to=wa_id, direct=True,
                 context={"status_label": STATUS_LABELS.get(ticket.status, ticket.status)})
    return _done(row, "ignored", ticket, "LACAK: status dikirim lewat WhatsApp")
