"""The WhatsApp channel's part of retention and erasure: contacts, inbound payloads, the raw
webhook deliveries and the WhatsApp outbox (see services.privacy)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import WhatsAppContact, WhatsAppDelivery, WhatsAppMessage, WhatsAppOutbox

REMOVED = "[dihapus]"
#: what stands for an erased number (wa_id columns are not nullable)
REMOVED_NUMBER = "dihapus"


def erase(phone: str | None, ticket_ids: list[int], now: datetime) -> int:
    """Everything of one number and of the given tickets; returns the rows changed."""
    changed = 0
    if phone:
        for contact in db.session.scalars(select(WhatsAppContact)
                                          .where(WhatsAppContact.wa_id == phone)):
            contact.wa_id = f"{REMOVED_NUMBER}-{contact.id}"
            contact.profile_name = None
            changed += 1
    conditions = [WhatsAppMessage.ticket_id.in_(ticket_ids)] if ticket_ids else []
    if phone:
        conditions.append(WhatsAppMessage.wa_id == phone)
    if conditions:
        messages = db.session.scalars(select(WhatsAppMessage).where(or_(*conditions))).all()
        deliveries = {m.delivery_id for m in messages if m.delivery_id}
        for message in messages:
            _purge_message(message, now)
            message.wa_id = REMOVED_NUMBER
            changed += 1
        if deliveries:
            for delivery in db.session.scalars(
                    select(WhatsAppDelivery).where(WhatsAppDelivery.id.in_(deliveries),
                                                   WhatsAppDelivery.state == "done")):
                _purge_delivery(delivery, now)
                changed += 1
    conditions = [WhatsAppOutbox.ticket_id.in_(ticket_ids)] if ticket_ids else []
    if phone:
        conditions.append(WhatsAppOutbox.recipient == phone)
    if conditions:
        for item in db.session.scalars(select(WhatsAppOutbox).where(or_(*conditions))):
            if item.status == "pending":
                item.status = "cancelled"
            item.recipient = REMOVED_NUMBER
            _purge_outbox(item, now)
            changed += 1
    return changed


def purge_older_than(cutoff: datetime, now: datetime, limit: int) -> int:
    """Retention: payloads of handled deliveries, messages and sent WhatsApp messages."""
    changed = 0
    for model, purge, handled in (
            (WhatsAppDelivery, _purge_delivery, WhatsAppDelivery.state == "done"),
            (WhatsAppMessage, _purge_message, WhatsAppMessage.action != "failed"),
            (WhatsAppOutbox, _purge_outbox, WhatsAppOutbox.status != "pending")):
        for row in db.session.scalars(
                select(model).where(model.purged_dt.is_(None), model.created_dt < cutoff,
                                    handled)
                .order_by(model.created_dt).limit(limit)):
            purge(row, now)
            changed += 1
    return changed


def _purge_delivery(delivery: WhatsAppDelivery, now: datetime) -> None:
    delivery.raw = b""
    delivery.error = None
    delivery.purged_dt = now


def _purge_message(message: WhatsAppMessage, now: datetime) -> None:
    message.payload = {}
    message.reason = None
    message.media_error = None
    message.purged_dt = now


def _purge_outbox(item: WhatsAppOutbox, now: datetime) -> None:
    item.body_text = REMOVED
    item.buttons = []
    item.last_error = None
    item.purged_dt = now


def forget_contacts(cutoff: datetime, limit: int) -> int:
    """Retention: numbers that have not written since the ticket cutoff are forgotten (their
    profile name, opt-out and pacing state go with them)."""
    rows = db.session.scalars(
        select(WhatsAppContact)
        .where(func.coalesce(WhatsAppContact.last_inbound_dt, WhatsAppContact.created_dt)
               < cutoff)
        .order_by(WhatsAppContact.id).limit(limit)).all()
    for row in rows:
        db.session.delete(row)
    return len(rows)
