"""The JSON shapes of INTERFACE.md."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from ..models import Message, Ticket


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 with the office's offset (+07:00)."""
    if dt is None:
        return None
    return dt.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).isoformat()


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    """Late while the clock runs and the deadline has passed."""
    return ticket.is_overdue_at(now)


def escalation_level(ticket: Ticket, now: datetime) -> int:
    """The level sent in this SLA window, raised to what the clock calls for at `now`, so it
    agrees with `overdue` even in the minute before the next `sla check`."""
    stored = ticket.escalation_level or 0
    if stored >= 2 or not is_overdue(ticket, now):
        return stored
    from .calendar import request_calendar
    from .sla import escalation_level as clock_level

    return clock_level(ticket, now, request_calendar())


def message_json(message: Message, *, full_text: bool = True) -> dict:
    """A message; full_text (staff only) adds the whole original of a mail, quotes included,
    when the body shows only its new part."""
    data = {
        "direction": message.direction,
        "author": message.author_name,
        "body_text": message.body_text,
        "created_at": iso(message.created_dt),
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size,
             "sha256": a.sha256}
            for a in message.attachments
        ],
    }
    if full_text:
        data["full_text"] = message.full_text or message.body_text
    return data


def ticket_json(ticket: Ticket, now: datetime, *, messages: bool = True,
                public_only: bool = False) -> dict:
    data = {
        "code": ticket.code,
        "type": ticket.type,
        "channel": ticket.channel,
        "unit": ticket.unit.code if ticket.unit else None,
        "service": ticket.service.slug if ticket.service else None,
        "status": ticket.status,
        "subject": ticket.subject,
        "requester": {
            "name": ticket.requester_name,
            "email": ticket.requester_email,
            "phone": ticket.requester_phone,
        },
        "assignee": ticket.assignee.email if ticket.assignee else None,
        "created_at": iso(ticket.created_dt),
        "due_at": iso(ticket.due_dt),
        "first_response_at": iso(ticket.first_response_dt),
        "resolved_at": iso(ticket.resolved_dt),
        "overdue": is_overdue(ticket, now),
        "escalation_level": escalation_level(ticket, now),
    }
    if messages:
        data["messages"] = [
            message_json(m, full_text=not public_only)
            for m in ticket.messages if not public_only or m.is_public
        ]
    return data
