"""A citizen who lost a tracking code gets their codes again by mail.

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


def resend_codes(email: str, now: datetime) -> bool:
    """Queue the list of the address's requests (no commit). True when a mail was queued."""
    address = (email or "").strip().lower()
    if "@" not in address:
        return False
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
