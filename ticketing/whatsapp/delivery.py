"""Delivering the WhatsApp outbox (called by `mail flush`) and applying Meta's status
callbacks. Same retry rules as mail (services.outbox.backoff with its cap, OUTBOX_RETRY_HOURS).

Inside the 24-hour customer-service window the text (or the reply buttons) is sent; outside
it, or when Meta answers "re-engagement required", the approved template with the ticket code
and the tracking link. Rate limits pause the recipient and retry later; an undeliverable
number is marked, staff are told on the ticket, and email is used when the requester has one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import Message, Ticket, WhatsAppOutbox
from ..services.outbox import backoff, queue_mail
from . import errors, is_configured, notify
from .client import GraphClient, GraphError

log = logging.getLogger(__name__)

SYSTEM_AUTHOR = "Sistem WhatsApp"
#: messages that only make sense as free-form inside the 24-hour window
_WINDOW_ONLY = ("confirm_question",)
#: a status never goes back (a late "delivered" after "read" changes nothing)
_RANK = {"pending": 0, "sent": 1, "delivered": 2, "read": 3}


def _client() -> GraphClient:
    return GraphClient.from_config(current_app.config)


def retry_after(attempts: int) -> timedelta:
    """The mail outbox's backoff, with its cap (OUTBOX_BACKOFF_CAP_MINUTES)."""
    return backoff(attempts, int(current_app.config.get("OUTBOX_BACKOFF_CAP_MINUTES", 60)))


def retry_window_over(since: datetime | None, now: datetime) -> bool:
    """Mail's rule: temporary failures are retried for OUTBOX_RETRY_HOURS, then given up."""
    hours = float(current_app.config.get("OUTBOX_RETRY_HOURS", 72))
    return since is not None and now - since >= timedelta(hours=hours)


def deliver(now: datetime, limit: int | None = None) -> dict:
    """Send due WhatsApp messages; one commit per message. Off without configuration."""
    summary = {"sent": 0, "retry": 0, "failed": 0, "pending": 0}
    if not is_configured(current_app.config):
        summary["disabled"] = True
        return summary
    limit = limit or current_app.config["OUTBOX_BATCH"]
    client = _client()
    for _ in range(limit):
        item = db.session.scalars(
            select(WhatsAppOutbox)
            .where(WhatsAppOutbox.status == "pending", WhatsAppOutbox.next_attempt_dt <= now)
            .order_by(WhatsAppOutbox.next_attempt_dt, WhatsAppOutbox.id)
            .limit(1).with_for_update(skip_locked=True)).first()
        if item is None:
            break
        outcome = _deliver_one(client, item, now)
        db.session.commit()
        summary[outcome] = summary.get(outcome, 0) + 1
        if outcome == "stop":
            break  # the API is unreachable or throttling us: the rest would fail the same way
    summary["pending"] = db.session.scalar(
        select(func.count()).select_from(WhatsAppOutbox)
        .where(WhatsAppOutbox.status == "pending"))
    return summary


def _deliver_one(client: GraphClient, item: WhatsAppOutbox, now: datetime) -> str:
    contact = notify.contact_for(item.recipient)
    if contact is not None and contact.opted_out_dt and not item.is_direct_answer:
        item.status, item.last_error, item.status_dt = "cancelled", "pemohon mengirim BERHENTI", now
        return "cancelled"
    if contact is not None and contact.paused_until_dt and contact.paused_until_dt > now:
        item.next_attempt_dt = contact.paused_until_dt  # the per-recipient pace
        return "retry"
    if not item.use_template and not notify.window_open(contact, now):
        if item.kind in _WINDOW_ONLY:
            # Reply buttons need the window; the template already points to the tracking
            # page, where the same question is asked.
            item.status, item.status_dt = "cancelled", now
            item.last_error = "jendela 24 jam tertutup: pertanyaan ada di halaman pelacakan"
            return "cancelled"
        item.use_template = True
    try:
        payload, sent_as = _payload(item)
    except _NoTemplate as exc:
        _give_up(item, now, str(exc), code=None, undeliverable=False)
        return "failed"
    item.attempts += 1
    try:
        wamid = client.send(payload)
    except GraphError as exc:
        return _on_error(item, now, exc)
    item.status, item.wamid, item.sent_as = "sent", wamid, sent_as
    item.sent_dt = item.status_dt = now
    item.last_error = item.error_code = None
    return "sent"


class _NoTemplate(Exception):
    pass


def _payload(item: WhatsAppOutbox) -> tuple[dict, str]:
    base = {"recipient_type": "individual", "to": item.recipient}
    if item.use_template:
        name = notify.template_name(item.kind)
        if not name or item.ticket is None:
            raise _NoTemplate("jendela 24 jam tertutup dan templat WhatsApp belum diatur "
                              "(WHATSAPP_TEMPLATE_UPDATE)")
        from ..services.intake import tracking_url

        params = [{"type": "text", "text": item.ticket.code},
                  {"type": "text", "text": tracking_url(item.ticket)}]
        language = current_app.config.get("WHATSAPP_TEMPLATE_LANGUAGE", "id")
        return {**base, "type": "template", "template": {
            "name": name, "language": {"code": language},
            "components": [{"type": "body", "parameters": params}]}}, f"template:{name}"
    if item.buttons:
        return {**base, "type": "interactive", "interactive": {
            "type": "button", "body": {"text": item.body_text[:1024]},
            "action": {"buttons": [{"type": "reply", "reply": {
                "id": b["id"][:256], "title": b["title"][:20]}} for b in item.buttons[:3]]},
        }}, "interactive"
    return {**base, "type": "text",
            "text": {"preview_url": True, "body": item.body_text[:4096]}}, "text"


def _on_error(item: WhatsAppOutbox, now: datetime, exc: GraphError) -> str:
    item.error_code = exc.code
    item.last_error = str(exc)[:2000]
    kind = errors.classify(exc.code)
    log.warning("whatsapp outbox %s: %s (%s)", item.id, exc, kind)
    if kind == errors.TEMPLATE and not item.use_template:
        item.use_template, item.next_attempt_dt = True, now
        item.attempts -= 1  # not a failed try: the same message goes again as a template
        return "retry"
    if kind == errors.RATE_LIMIT and not retry_window_over(item.created_dt, now):
        pause = retry_after(item.attempts)
        item.next_attempt_dt = now + pause
        contact = notify.contact_for(item.recipient)
        if contact is not None and exc.code in (131056, 131048, 131049):
            contact.paused_until_dt = now + pause  # this recipient only
            return "retry"
        return "stop"  # the whole number is throttled
    if kind == errors.UNDELIVERABLE:
        _give_up(item, now, str(exc), code=exc.code, undeliverable=True)
        return "failed"
    if kind in (errors.PERMANENT, errors.RATE_LIMIT) or retry_window_over(item.created_dt, now):
        _give_up(item, now, str(exc), code=exc.code, undeliverable=False)
        return "failed"
    item.next_attempt_dt = now + retry_after(item.attempts)
    return "stop" if exc.code is None else "retry"


def _give_up(item: WhatsAppOutbox, now: datetime, why: str, *, code: int | None,
             undeliverable: bool) -> None:
    """Failed for good: staff are told on the ticket; email takes over when possible."""
    item.status, item.status_dt = "failed", now
    item.last_error, item.error_code = why[:2000], code
    ticket = item.ticket
    if undeliverable:
        contact = notify.contact_for(item.recipient)
        if contact is not None:
            contact.is_undeliverable = True
    if ticket is None:
        return
    mailed = _email_fallback(ticket, item, now)
    text = f"Pesan WhatsApp ({item.kind}) kepada +{item.recipient} tidak terkirim: {why}."
    if undeliverable:
        text += " Nomor ini ditandai tidak dapat dikirimi WhatsApp."
    text += (f" Isinya dikirim lewat surel ke {ticket.requester_email}." if mailed
             else " Hubungi pemohon dengan cara lain (telepon).")
    ticket.messages.append(Message(direction="note", author_name=SYSTEM_AUTHOR,
                                   channel="whatsapp", body_text=text, created_dt=now))
    from ..services import audit

    audit.record(ticket, "whatsapp_failed", now, new=str(code or "-"),
                 detail={"outbox": item.id, "kind": item.kind, "mailed": mailed})


def _email_fallback(ticket: Ticket, item: WhatsAppOutbox, now: datetime) -> bool:
    if not ticket.requester_email or ticket.is_email_undeliverable:
        return False
    if item.kind in ("opted_out", "opted_in", "track_status", "track_unknown"):
        return False
    from ..services.intake import tracking_url

    queue_mail("whatsapp_fallback", ticket.requester_email,
               f"Pesan untuk permohonan Anda: {ticket.subject}", now, ticket=ticket,
               context={"body": item.body_text, "tracking_url": tracking_url(ticket)},
               automatic=item.kind != "staff_reply")
    return True


def apply_status(status: dict, now: datetime):
    """A status callback (sent, delivered, read, failed with errors[]) for our message."""
    from .inbound import Result

    wamid = str(status.get("id") or "")
    state = str(status.get("status") or "")
    item = db.session.scalar(select(WhatsAppOutbox).where(WhatsAppOutbox.wamid == wamid)) \
        if wamid else None
    if item is None:
        return Result(wamid or "?", "ignored", None,
                      f"status {state} untuk pesan yang tidak dikenal")
    code = item.ticket.code if item.ticket else None
    if item.status in ("failed", "cancelled"):
        return Result(wamid, "duplicate", code, f"status {state}: sudah {item.status}")
    if state == "failed":
        error = (status.get("errors") or [{}])[0] if status.get("errors") else {}
        error = error if isinstance(error, dict) else {}
        exc = GraphError(str(error.get("title") or error.get("message") or "gagal"),
                         code=error.get("code") if isinstance(error.get("code"), int) else None,
                         details=(error.get("error_data") or {}).get("details"))
        _failed_later(item, now, exc)
        return Result(wamid, "appended", code, f"status failed ({exc.code}): {item.status}")
    if state in _RANK and _RANK[state] > _RANK.get(item.status, 0):
        item.status, item.status_dt = state, now
    return Result(wamid, "appended", code, f"status pesan keluar: {state}")


def _failed_later(item: WhatsAppOutbox, now: datetime, exc: GraphError) -> None:
    """Meta accepted the message and reported later that it failed."""
    item.error_code, item.last_error, item.status_dt = exc.code, str(exc)[:2000], now
    kind = errors.classify(exc.code)
    if kind == errors.TEMPLATE and not item.use_template:
        item.status, item.use_template, item.wamid, item.next_attempt_dt = (
            "pending", True, None, now)
    elif kind in (errors.RATE_LIMIT, errors.TRANSIENT) and \
            not retry_window_over(item.created_dt, now):
        item.status, item.wamid = "pending", None
        item.next_attempt_dt = now + retry_after(item.attempts)
    else:
        _give_up(item, now, str(exc), code=exc.code,
                 undeliverable=kind == errors.UNDELIVERABLE)
