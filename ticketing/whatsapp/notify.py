"""Messages to a WhatsApp requester, queued in the WhatsApp outbox in the caller's
transaction (no commit) and delivered by `mail flush` (see delivery).

Who is reached on WhatsApp: a requester with a phone number, when the channel is configured,
who asked by WhatsApp or gave no email address, and whose number has not been reported
undeliverable. After BERHENTI/STOP only direct answers to their open requests are sent.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import select

from ..extensions import db
from ..models import Message, Ticket, WhatsAppContact, WhatsAppOutbox
from . import is_configured

#: Meta's customer-service window: free-form messages only this long after the citizen's last
WINDOW = timedelta(hours=24)
#: reply-button ids of the "sudah dipahami?" question: confirm:<code>:ya|belum
CONFIRM_PREFIX = "confirm:"


def contact_for(wa_id: str | None) -> WhatsAppContact | None:
    if not wa_id:
        return None
    return db.session.scalar(select(WhatsAppContact).where(WhatsAppContact.wa_id == wa_id))


def recipient(ticket: Ticket) -> str | None:
    """The wa_id to reach this ticket's requester on, or None (then mail, or nobody)."""
    if not is_configured(current_app.config) or not ticket.requester_phone:
        return None
    if ticket.channel != "whatsapp" and ticket.requester_email and \
            not ticket.is_email_undeliverable:
        return None
    contact = contact_for(ticket.requester_phone)
    if contact is not None and contact.is_undeliverable:
        return None
    return ticket.requester_phone


def window_open(contact: WhatsAppContact | None, now: datetime) -> bool:
    return bool(contact and contact.last_inbound_dt and now - contact.last_inbound_dt < WINDOW)


def template_name(kind: str) -> str | None:
    cfg = current_app.config
    if kind == "acknowledgement" and cfg.get("WHATSAPP_TEMPLATE_ACK"):
        return cfg["WHATSAPP_TEMPLATE_ACK"]
    return cfg.get("WHATSAPP_TEMPLATE_UPDATE") or None


def queue(ticket: Ticket | None, kind: str, now: datetime, *, context: dict | None = None,
          message: Message | None = None, buttons: list[dict] | None = None,
          direct: bool = False, delay: timedelta | None = None,
          to: str | None = None) -> WhatsAppOutbox | None:
    """Render templates/whatsapp/<kind>.txt and add it to the outbox (no commit); None when
    the requester is not reached on WhatsApp. `direct`: an answer to the citizen's own
    request or message, still sent after BERHENTI."""
    wa_id = to or (recipient(ticket) if ticket is not None else None)
    if wa_id is None or not is_configured(current_app.config):
        return None
    from ..services.intake import tracking_url

    ctx = {"ticket": ticket, "message": message,
           "tracking_url": tracking_url(ticket) if ticket is not None else None,
           **(context or {})}
    body = render_template(f"whatsapp/{kind}.txt", **ctx).strip()
    item = WhatsAppOutbox(
        ticket_id=ticket.id if ticket is not None else None,
        message_id=message.id if message is not None else None,
        kind=kind, recipient=wa_id, body_text=body[:4096], buttons=buttons or [],
        is_direct_answer=direct, status="pending", created_dt=now,
        next_attempt_dt=now + (delay or timedelta(0)))
    db.session.add(item)
    return item


def cancel_optional(wa_id: str, now: datetime) -> int:
    """After BERHENTI: pending messages that are not direct answers are not sent."""
    rows = db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.recipient == wa_id, WhatsAppOutbox.status == "pending",
        WhatsAppOutbox.is_direct_answer.is_(False))).all()
    for row in rows:
        row.status = "cancelled"
        row.last_error = "pemohon mengirim BERHENTI"
        row.status_dt = now
    return len(rows)


def track_key(code: str) -> str:
    """The key in the confirmation page's "lacak lewat WhatsApp" message: it proves the
    sender saw that page, so their number may follow the request."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"wa-lacak:{code}".encode(), hashlib.sha256).hexdigest()[:10]


def track_key_ok(code: str, key: str) -> bool:
    return hmac.compare_digest(track_key(code), (key or "").lower())


def confirm_buttons(ticket: Ticket) -> list[dict]:
    return [{"id": f"{CONFIRM_PREFIX}{ticket.code}:ya", "title": "Ya"},
            {"id": f"{CONFIRM_PREFIX}{ticket.code}:belum", "title": "Belum"}]


def queue_acknowledgement(ticket: Ticket, now: datetime, *,
                          delay: timedelta | None = None) -> WhatsAppOutbox | None:
    return queue(ticket, "acknowledgement", now, delay=delay)


def queue_reply(ticket: Ticket, message: Message, status: str,
                now: datetime) -> WhatsAppOutbox | None:
    """A staff answer (or the waiting question); an answer is followed by "sudah dipahami?"
    with reply buttons Ya / Belum."""
    item = queue(ticket, "staff_reply", now, message=message, direct=True,
                 context={"status": status})
    if item is not None and status == "selesai":
        queue(ticket, "confirm_question", now, buttons=confirm_buttons(ticket), direct=True)
    return item


def reschedule_acknowledgement(ticket: Ticket, now: datetime, delay: timedelta) -> None:
    """A burst goes on: the pending acknowledgement waits for its end and is rendered again
    (routing may have changed with the new messages)."""
    from ..services.intake import tracking_url

    for item in db.session.scalars(select(WhatsAppOutbox).where(
            WhatsAppOutbox.ticket_id == ticket.id, WhatsAppOutbox.kind == "acknowledgement",
            WhatsAppOutbox.status == "pending")):
        item.body_text = render_template("whatsapp/acknowledgement.txt", ticket=ticket,
                                         tracking_url=tracking_url(ticket)).strip()[:4096]
        item.next_attempt_dt = max(item.next_attempt_dt, now + delay)


@dataclass
class WindowState:
    """For the staff ticket page: can we write freely, and what will a reply send?"""

    #: the requester is reached on WhatsApp
    active: bool
    is_open: bool = False
    closes_dt: datetime | None = None
    #: the template name used outside the window (None: not configured)
    template: str | None = None
    is_opted_out: bool = False
    is_undeliverable: bool = False
    #: the requester has a number but the channel is off
    is_channel_off: bool = False


def window_state(ticket: Ticket, now: datetime) -> WindowState | None:
    """None when WhatsApp has nothing to do with this ticket."""
    if not ticket.requester_phone:
        return None
    contact = contact_for(ticket.requester_phone)
    configured = is_configured(current_app.config)
    if not configured:
        if ticket.channel == "whatsapp":
            return WindowState(active=False, is_channel_off=True)
        return None
    wa_id = recipient(ticket)
    state = WindowState(active=wa_id is not None, template=template_name("staff_reply"),
                        is_undeliverable=bool(contact and contact.is_undeliverable),
                        is_opted_out=bool(contact and contact.opted_out_dt))
    if contact is not None and contact.last_inbound_dt is not None:
        state.closes_dt = contact.last_inbound_dt + WINDOW
        state.is_open = window_open(contact, now)
    if not state.active and not state.is_undeliverable:
        return None
    return state


def sent_to_requester(ticket: Ticket, limit: int = 20) -> list[WhatsAppOutbox]:
    """The latest WhatsApp messages of this ticket, for the staff page."""
    return list(db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.ticket_id == ticket.id).order_by(WhatsAppOutbox.id.desc()).limit(limit)))


def deliveries_by_message(ticket: Ticket) -> dict[int, WhatsAppOutbox]:
    """The WhatsApp delivery of each conversation entry (staff page)."""
    rows = db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.ticket_id == ticket.id, WhatsAppOutbox.message_id.is_not(None))
        .order_by(WhatsAppOutbox.id)).all()
    return {row.message_id: row for row in rows}
