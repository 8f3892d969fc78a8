"""Automatic mail to a sender (acknowledgements, notices) under RFC 3834's rules: never to
ourselves or to machine addresses (the one list in ticketing.mail.senders: daemons, list
managers, no-reply), and only a few per sender per hour."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.utils import getaddresses
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..mail.senders import automated_sender
from ..models import MailAutoReply, Ticket
from .outbox import mail_values, queue_mail


def own_addresses() -> frozenset[str]:
    """Our addresses: the sender of our mail, the published complaint address, the polled
    mailbox, and MAIL_OWN_ADDRESSES."""
    cfg = current_app.config
    sender = cfg.get("MAIL_DEFAULT_SENDER")
    if isinstance(sender, (tuple, list)):
        sender = sender[-1]
    return _addresses(tuple(str(value) for value in (
        sender, cfg.get("COMPLAINT_EMAIL"), cfg.get("IMAP_USER"), cfg.get("MAIL_USERNAME"),
        *(cfg.get("MAIL_OWN_ADDRESSES") or "").split(",")) if value))


@lru_cache(maxsize=8)
def _addresses(values: tuple[str, ...]) -> frozenset[str]:
    """The addresses in these header values, parsed once per configuration (three times per
    inbound mail otherwise)."""
    return frozenset(addr.strip().lower() for _name, addr in getaddresses(list(values))
                     if "@" in addr)


def auto_reply_refusal(address: str | None, now: datetime) -> str | None:
    """Why no automatic mail may go to this address now (None: it may)."""
    address = (address or "").strip().lower()
    if not address or "@" not in address:
        return "tidak ada alamat pengirim"
    if address in own_addresses():
        return "alamat kami sendiri"
    machine = automated_sender(address)
    if machine:
        return machine[1]
    limit = current_app.config.get("MAIL_AUTO_REPLY_PER_HOUR", 3)
    ahead = db.session.info.get(_AHEAD)
    if ahead is not None and address in ahead:
        recent = ahead[address]
    else:
        since = now - timedelta(hours=1)
        # Without an autoflush (the caller's new ticket is written once, at its own flush);
        # the bookings not flushed yet are counted from the session.
        with db.session.no_autoflush:
            recent = db.session.scalar(
                select(func.count(MailAutoReply.id)).where(MailAutoReply.recipient == address,
                                                           MailAutoReply.created_dt > since))
        recent += sum(1 for obj in db.session.new if isinstance(obj, MailAutoReply)
                      and obj.recipient == address and obj.created_dt > since)
    if recent >= limit:
        return f"batas {limit} surel otomatis per jam untuk pengirim ini"
    return None


def send_auto_reply(kind: str, address: str, subject: str, now: datetime, *,
                    ticket: Ticket | None, inbound_mail_id: int | None,
                    context: dict) -> str | None:
    """Queue templates/email/<kind> through the outbox (Auto-Submitted: auto-replied) and
    book it, unless the rules above forbid it; returns why not, or None when queued.
    No commit: it belongs to the caller's transaction. `context` is stored as JSON and the
    mail rendered by `mail flush` (mail intake renders no template)."""
    why_not = auto_reply_refusal(address, now)
    if why_not:
        return why_not
    address = address.strip().lower()
    queue_mail(kind, address, subject, now, ticket=ticket, context=context, render_later=True)
    db.session.add(MailAutoReply(**_booking(kind, address, now, inbound_mail_id,
                                            ticket.id if ticket is not None else None)))
    return None


def auto_reply_rows(kind: str, address: str, subject: str, now: datetime, *, ticket_code: str,
                    inbound_mail_id: int | None, context: dict,
                    in_reply_to: str | None) -> tuple[str | None, dict[str, dict]]:
    """send_auto_reply for a new ticket written without the ORM (services.request_rows):
    (why not, None when allowed; the rows "outbox" and "auto_reply", their ticket_id left
    to the caller). in_reply_to: the Message-ID the mail answers (the ticket's first
    message's, as queue_mail takes the last inbound one)."""
    why_not = auto_reply_refusal(address, now)
    if why_not:
        return why_not, {}
    address = address.strip().lower()
    outbox = mail_values(kind, address, subject, now, ticket_code=ticket_code, context=context,
                         render_later=True)
    outbox["in_reply_to"] = in_reply_to
    return None, {"outbox": outbox,
                  "auto_reply": _booking(kind, address, now, inbound_mail_id, None)}


#: session.info key of the counts made by counted_ahead: address -> automatic mails
_AHEAD = "auto_reply_ahead"


@contextmanager
def counted_ahead(addresses: Iterable[str], now: datetime) -> Iterator[None]:
    """Within the block, auto_reply_refusal knows the automatic mails to these addresses
    in the hour before `now` from one query made here (a chunk of mail: one instead of one
    per message), plus those booked since. A booking that leaves the hour while the block
    runs (minutes at most) still counts: in doubt, no automatic mail."""
    addresses = {a.strip().lower() for a in addresses if a and "@" in a}
    counts: dict[str, int] = {}
    if addresses:
        with db.session.no_autoflush:
            counts = dict(db.session.execute(
                select(MailAutoReply.recipient, func.count(MailAutoReply.id))
                .where(MailAutoReply.recipient.in_(addresses),
                       MailAutoReply.created_dt > now - timedelta(hours=1))
                .group_by(MailAutoReply.recipient)).all())
        counts.update((obj.recipient, counts.get(obj.recipient, 0) + 1)
                      for obj in db.session.new if isinstance(obj, MailAutoReply)
                      and obj.recipient in addresses)
    db.session.info[_AHEAD] = {a: counts.get(a, 0) for a in addresses}
    try:
        yield
    finally:
        db.session.info.pop(_AHEAD, None)


def _booking(kind: str, address: str, now: datetime, inbound_mail_id: int | None,
             ticket_id: int | None) -> dict:
    """The columns of the record of one automatic mail (counted by auto_reply_refusal)."""
    ahead = db.session.info.get(_AHEAD)
    if ahead is not None and address in ahead:
        ahead[address] += 1
    return {"recipient": address, "kind": kind, "ticket_id": ticket_id,
            "inbound_mail_id": inbound_mail_id, "created_dt": now}
