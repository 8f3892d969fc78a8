"""Which ticket an inbound WhatsApp message belongs to, and how it joins it: a reply to one of
our messages, a ticket code from the requester's number, an open ticket of the same number
within WHATSAPP_THREAD_HOURS, or a new ticket. Messages in a burst form one request."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..domain.request_type import guess_request_type
from ..extensions import db
from ..models import Message, RoutingDecision, Ticket, Unit, WhatsAppMessage, WhatsAppOutbox
from ..services import audit
from ..services.intake import new_ticket
from ..services.lifecycle import set_status
from ..services.routing_rules import record_decision, route_request
from . import notify
from .payload import subject_from, ticket_codes

#: routing reasons that the rules wrote (and a burst may therefore rewrite)
_RULE_REASONS = ("aturan kata kunci whatsapp", "menunggu pemilahan")


def burst_delay() -> timedelta:
    return timedelta(seconds=current_app.config.get("WHATSAPP_BURST_SECONDS", 120))


def ticket_by_code(code: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.code == code))


def ticket_of_wamid(wamid: str) -> Ticket | None:
    ticket_id = db.session.scalar(select(WhatsAppOutbox.ticket_id).where(
        WhatsAppOutbox.wamid == wamid))
    if ticket_id is None:
        ticket_id = db.session.scalar(select(WhatsAppMessage.ticket_id).where(
            WhatsAppMessage.wamid == wamid))
    return db.session.get(Ticket, ticket_id) if ticket_id is not None else None


def find_ticket(wa_id: str, context_id: str | None, typed: str,
                now: datetime) -> tuple[Ticket | None, str]:
    """(ticket, how); the ticket may be closed (the caller then opens a linked new one)."""
    if context_id:
        ticket = ticket_of_wamid(context_id)
        if ticket is not None and ticket.requester_phone == wa_id:
            return ticket, "balasan atas pesan kami"
    for code in ticket_codes(typed):
        ticket = ticket_by_code(code)
        if ticket is not None and ticket.requester_phone == wa_id:
            return ticket, "kode tiket dalam pesan"
    hours = current_app.config.get("WHATSAPP_THREAD_HOURS", 72)
    ticket = db.session.scalar(
        select(Ticket).where(Ticket.requester_phone == wa_id, Ticket.status != "ditutup",
                             Ticket.updated_dt >= now - timedelta(hours=hours))
        .order_by(Ticket.updated_dt.desc(), Ticket.id.desc()).limit(1))
    if ticket is not None:
        return ticket, "permohonan terbuka dari nomor yang sama"
    return None, ""


def _route(texts: list[str]) -> tuple[str, object, Unit | None, str]:
    subject = subject_from(texts)
    decision = route_request(subject, "\n".join(texts))
    unit = None
    if decision.unit:
        unit = db.session.scalar(select(Unit).where(Unit.code == decision.unit))
    if unit is None:
        reason = f"menunggu pemilahan (triase): {decision.reason}"
    else:
        reason = f"aturan kata kunci WhatsApp: {decision.reason}"
    return subject, decision, unit, reason[:300]


def create_ticket(wa_id: str, name: str | None, text: str, now: datetime, *,
                  parent: Ticket | None = None) -> tuple[Ticket, Message]:
    """A new WhatsApp ticket routed by the same rules as mail; the acknowledgement waits for
    the end of a possible burst (no commit)."""
    subject, decision, unit, reason = _route([text])
    requester = (name or f"+{wa_id}")[:200]
    message = Message(direction="in", author_name=requester, body_text=text,
                      channel="whatsapp", created_dt=now)
    # The one construction path (services.intake.new_ticket), as the web form and mail.
    ticket = new_ticket(
        channel="whatsapp", type=guess_request_type(subject, text), subject=subject,
        name=requester, phone=wa_id, message=message, now=now, unit=unit,
        routing_reason=reason, parent=parent,
        detail={"routing": decision.reason[:300], "parent": parent.code if parent else None})
    record_decision(ticket, decision, now)
    notify.queue_acknowledgement(ticket, now, delay=burst_delay())
    return ticket, message


def _in_burst(ticket: Ticket) -> bool:
    """Still one request: new, untouched by staff, its acknowledgement not sent yet."""
    if ticket.channel != "whatsapp" or ticket.status != "baru" or ticket.assignee_id:
        return False
    return db.session.scalar(select(WhatsAppOutbox.id).where(
        WhatsAppOutbox.ticket_id == ticket.id, WhatsAppOutbox.kind == "acknowledgement",
        WhatsAppOutbox.status == "pending").limit(1)) is not None


def append(ticket: Ticket, text: str, now: datetime, how: str) -> tuple[Message, str]:
    """The citizen's message joins the ticket (no commit); returns it and what happened."""
    burst = _in_burst(ticket)
    message = Message(direction="in", author_name=ticket.requester_name, body_text=text,
                      channel="whatsapp", created_dt=now)
    ticket.messages.append(message)
    db.session.flush()
    audit.record(ticket, "citizen_reply", now, actor_label=audit.CITIZEN,
                 detail={"channel": "whatsapp", "via": how})
    reason = f"tindak lanjut ({how})"
    if burst:
        _rebuild(ticket, now)
        reason += "; bagian dari rangkaian pesan yang sama"
    elif ticket.status in ("menunggu_pemohon", "selesai"):
        old = ticket.status
        set_status(ticket, "diproses", now, actor_label=audit.CITIZEN,
                   reason="balasan WhatsApp pemohon")
        reason += f"; status {old} -> diproses"
    ticket.updated_dt = now
    return message, reason


def _rebuild(ticket: Ticket, now: datetime) -> None:
    """Subject, type and unit from the whole burst, as long as only the rules decided them."""
    texts = [m.body_text for m in ticket.messages if m.direction == "in"]
    subject, decision, unit, reason = _route(texts)
    ticket.subject = subject[:300]
    ticket.type = guess_request_type(subject, "\n".join(texts))
    if (ticket.routing_reason or "").lower().startswith(_RULE_REASONS) and \
            ticket.service_id is None:
        ticket.unit = unit
        ticket.routing_reason = reason
        row = db.session.scalar(select(RoutingDecision).where(
            RoutingDecision.ticket_id == ticket.id))
        if row is not None:
            row.unit_id = unit.id if unit is not None else None
            row.scores = dict(decision.score_by_unit)
            row.matched = {k: list(v) for k, v in decision.matched.items() if v}
            row.reason = decision.reason[:300]
    notify.reschedule_acknowledgement(ticket, now, burst_delay())
