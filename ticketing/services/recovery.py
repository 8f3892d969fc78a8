"""A citizen who lost a tracking code gets their codes again: by mail for an email address, on
WhatsApp for a phone number (when the channel is configured).

The answer on screen is the same whether or not the address has requests, so nobody can learn
who asked the office something; only the address's owner reads the list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import OutboxMail, Ticket
from . import outbox
from .intake import tracking_url

#: the newest requests listed in one mail
MAX_LISTED = 20
#: one recovery mail per address in this period, however often the form is sent
QUIET_PERIOD = timedelta(hours=1)
KIND = "code_recovery"


def resend_codes(contact: str, now: datetime) -> bool:
    """Queue the list of the contact's requests (no commit). True when something was queued."""
    address = (contact or "").strip().lower()
    if "@" in address:
        tickets = _newest(Ticket.requester_email == address)
        if not tickets or _sent_lately(OutboxMail, address, now):
            return False
        outbox.queue_mail(KIND, address, "Kode pelacakan permohonan Anda", now,
                          context=_context(tickets))
        return True
    return _resend_on_whatsapp(address, now)


def _newest(condition) -> list[Ticket]:
    return list(db.session.scalars(
        select(Ticket).where(condition).order_by(Ticket.created_dt.desc()).limit(MAX_LISTED)))


def _sent_lately(outbox_model, recipient: str, now: datetime) -> bool:
    """A recovery message to this recipient within the quiet period (mail or WhatsApp)."""
    return db.session.scalar(
        select(outbox_model.id).where(outbox_model.kind == KIND,
                                      outbox_model.recipient == recipient,
                                      outbox_model.created_dt >= now - QUIET_PERIOD).limit(1)
    ) is not None


def _context(tickets: list[Ticket]) -> dict:
    return {"name": tickets[0].requester_name,
            "items": [(t, tracking_url(t)) for t in tickets]}


def _resend_on_whatsapp(phone_text: str, now: datetime) -> bool:
    from flask import current_app

    from ..models import WhatsAppOutbox
    from ..whatsapp import is_configured
    from ..whatsapp import notify as whatsapp_notify
    from .intake import normalize_phone

    phone = normalize_phone(phone_text)
    if phone is None or not is_configured(current_app.config):
        return False
    tickets = _newest(Ticket.requester_phone == phone)
    if not tickets or _sent_lately(WhatsAppOutbox, phone, now):
        return False
    return whatsapp_notify.queue(None, KIND, now, to=phone,
                                 context=_context(tickets)) is not None
