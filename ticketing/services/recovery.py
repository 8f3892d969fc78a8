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
    if "@" not in address:
        return _resend_on_whatsapp(address, now)
    tickets = db.session.scalars(
        select(Ticket).where(Ticket.requester_email == address)
        .order_by(Ticket.created_dt.desc()).limit(MAX_LISTED)).all()
    if not tickets:
        return False
    recent = db.session.scalar(
        select(OutboxMail.id).where(OutboxMail.kind == KIND, OutboxMail.recipient == address,
                                    OutboxMail.created_dt >= now - QUIET_PERIOD).limit(1))
    if recent is not None:
        return False
    outbox.queue_mail(
        KIND, address, "Kode pelacakan permohonan Anda", now,
        context={"name": tickets[0].requester_name,
                 "items": [(t, tracking_url(t)) for t in tickets]})
    return True


def _resend_on_whatsapp(phone_text: str, now: datetime) -> bool:
    from flask import current_app

    from ..models import WhatsAppOutbox
    from ..whatsapp import is_configured
    from ..whatsapp import notify as whatsapp_notify
    from .intake import normalize_phone

    phone = normalize_phone(phone_text)
    if phone is None or not is_configured(current_app.config):
        return False
    tickets = db.session.scalars(
        select(Ticket).where(Ticket.requester_phone == phone)
        .order_by(Ticket.created_dt.desc()).limit(MAX_LISTED)).all()
    if not tickets:
        return False
    recent = db.session.scalar(
        select(WhatsAppOutbox.id).where(WhatsAppOutbox.kind == KIND,
                                        WhatsAppOutbox.recipient == phone,
                                        WhatsAppOutbox.created_dt >= now - QUIET_PERIOD).limit(1))
    if recent is not None:
        return False
    return whatsapp_notify.queue(None, KIND, now, to=phone, context={
        "name": tickets[0].requester_name,
        "items": [(t, tracking_url(t)) for t in tickets]}) is not None
