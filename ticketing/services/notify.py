"""Telling the requester: the one path every change that affects them goes through.

`reach` decides how a requester is reached, from the ticket's channel and contact:
WhatsApp when they asked there (or gave only a phone number) and the channel is configured,
else e-mail unless it bounced, else nobody - the staff ticket page then says so plainly.
`tell` writes the outbox row (mail or WhatsApp) in the caller's transaction, once per
change, and records the notice in the audit log. Which change sends which notice is the
table in domain.lifecycle (notice_for_change, notice_for_message).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain import lifecycle
from ..models import Message, Ticket
from ..whatsapp import notify as whatsapp_notify
from . import audit
from .outbox import queue_mail

#: e-mail subject of each notice (the ticket code is prefixed by the outbox)
SUBJECTS = {
    lifecycle.ANSWERED: "Jawaban atas permohonan Anda: {subject}",
    lifecycle.WAITING: "Kami membutuhkan keterangan dari Anda: {subject}",
    lifecycle.MESSAGE: "Pesan dari petugas tentang permohonan Anda: {subject}",
    lifecycle.TRANSFERRED: "Permohonan Anda dialihkan ke bidang lain: {subject}",
    lifecycle.REOPENED: "Permohonan Anda dibuka kembali: {subject}",
    lifecycle.CLOSED: "Permohonan Anda ditutup: {subject}",
    lifecycle.AUTO_CLOSED: "Permohonan Anda ditutup otomatis: {subject}",
    lifecycle.SURVEY: "Bagaimana pelayanan kami? Mohon isi survei kepuasan",
}
#: notices that carry a staff message (rendered with the staff_reply templates)
WITH_MESSAGE = (lifecycle.ANSWERED, lifecycle.WAITING, lifecycle.MESSAGE)


@dataclass(frozen=True)
class Reach:
    """How the requester of a ticket is reached: channel 'whatsapp' | 'email' | None."""

    channel: str | None
    address: str | None = None
    #: for staff, when channel is None: why, and what to do instead
    why_not: str | None = None


def reach(ticket: Ticket) -> Reach:
    """The channel the requester is told on (the ticket's channel and contact decide)."""
    wa_id = whatsapp_notify.recipient(ticket)
    if wa_id:
        return Reach("whatsapp", wa_id)
    if ticket.requester_email and not ticket.is_email_undeliverable:
        return Reach("email", ticket.requester_email)
    reasons = []
    if ticket.requester_email:
        reasons.append(f"surel ke {ticket.requester_email} tidak dapat dikirim (ditolak)")
    if ticket.requester_phone:
        reasons.append(f"nomor {ticket.requester_phone} tidak dapat dihubungi lewat WhatsApp "
                       "dari sistem ini; sampaikan lewat telepon")
    if not reasons:
        reasons.append("pemohon tidak meninggalkan surel maupun nomor telepon")
    return Reach(None, None, "Pemohon tidak dapat diberi tahu otomatis: " + "; ".join(reasons)
                 + ".")


def tell(ticket: Ticket, kind: str, now: datetime, *, message: Message | None = None,
         status: str | None = None, context: dict | None = None) -> Reach:
    """Queue notice `kind` for the requester on their channel (no commit); audited.

    message: the staff message of an answer / question / interim message; status: the
    status the ticket is left in; context: extra template values (unit, due_dt, survey_url).
    """
    where = reach(ticket)
    if where.channel == "whatsapp":
        _whatsapp(ticket, kind, now, message, status, context or {})
    elif where.channel == "email":
        _email(ticket, kind, now, message, status, context or {}, where.address)
    audit.record(ticket, "notice", now, new=kind,
                 detail={"channel": where.channel, "message_id": message.id if message else None})
    return where


def _tracking_url(ticket: Ticket) -> str:
    from .intake import tracking_url

    return tracking_url(ticket)


def _email(ticket: Ticket, kind: str, now: datetime, message: Message | None,
           status: str | None, context: dict, address: str) -> None:
    subject = SUBJECTS[kind].format(subject=ticket.subject)
    values = {"tracking_url": _tracking_url(ticket), "status": status or ticket.status,
              "kind": kind, **context}
    if kind in WITH_MESSAGE:
        item = queue_mail("staff_reply", address, subject, now, ticket=ticket,
                          context={**values, "message": message},
                          automatic=False)  # written by a person: auto-responders may answer
        if message is not None:
            message.email_message_id = item.message_id
    elif kind == lifecycle.SURVEY or context.get("survey_url"):
        # Closing an answered request: the closing notice is the survey invitation.
        queue_mail("survey_invitation", address, subject, now, ticket=ticket, context=values)
    else:
        queue_mail("requester_update", address, subject, now, ticket=ticket, context=values)


def _whatsapp(ticket: Ticket, kind: str, now: datetime, message: Message | None,
              status: str | None, context: dict) -> None:
    if kind in WITH_MESSAGE and message is not None:
        if whatsapp_notify.queue_reply(ticket, message, status or ticket.status, now):
            message.channel = "whatsapp"
        return
    template = ("survey_invitation" if kind == lifecycle.SURVEY or context.get("survey_url")
                else "requester_update")
    whatsapp_notify.queue(ticket, template, now, direct=kind != lifecycle.SURVEY,
                          context={"kind": kind, "status": ticket.status, **context})
