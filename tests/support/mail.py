"""Helpers for the mail-intake tests: the app set up like the hand-written corpus expects,
and raw messages built in code."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import InboundMail, OutboxMail, Ticket
from ticketing.services.outbox import render_pending
from ticketing.services.transaction import run

DATA = Path(__file__).resolve().parents[1] / "data" / "mail"
#: The hand-written corpus signs our Message-IDs with this secret and domain.
CORPUS_SECRET = "test-secret"
CORPUS_DOMAIN = "helpdesk.diskopukm.palembangkota.go.id"
OUR_ADDRESS = "layanan@diskopukm.palembangkota.go.id"

_seq = itertools.count(1)


@pytest.fixture
def mail_app(app):
    """The app with the corpus's secret, Message-ID domain and mailbox address, and the
    routing rules seeded as `flask seed` does."""
    from ticketing.services.routing_rules import seed_rules

    app.config.update(SECRET_KEY=CORPUS_SECRET, MAIL_MESSAGE_ID_DOMAIN=CORPUS_DOMAIN,
                      MAIL_OWN_ADDRESSES=OUR_ADDRESS)
    run(seed_rules, datetime(2026, 12, 1, tzinfo=UTC))
    return app


def eml(name: str) -> bytes:
    return (DATA / name).read_bytes()


def build_mail(*, sender: str = "Warga <warga@example.com>", subject: str = "Pertanyaan",
               body: str = "Mohon informasinya.", to: str = OUR_ADDRESS, cc: str | None = None,
               message_id: str | None = None, in_reply_to: str | None = None,
               references: str | None = None, headers: dict[str, str] | None = None,
               attachments: list[tuple[str, str, bytes]] = (),
               date: datetime | None = None) -> bytes:
    """A raw message as a mail client would send it."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 12, 2, 10, 0).astimezone())
    msg["Message-ID"] = message_id or f"<test-{next(_seq)}@client.example.com>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, ctype, data in attachments:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def ticket(code: str) -> Ticket:
    db.session.expire_all()
    return db.session.scalar(select(Ticket).where(Ticket.code == code))


def set_code(code: str, new_code: str) -> Ticket:
    """Give a ticket the code the hand-written corpus refers to."""
    row = ticket(code)
    row.code = new_code
    db.session.commit()
    return row


def outbox_to(address: str) -> list[OutboxMail]:
    """The mail queued to `address`, rendered as `mail flush` renders it (mail intake queues
    its notices unrendered)."""
    items = db.session.scalars(select(OutboxMail).where(OutboxMail.recipient == address)
                               .order_by(OutboxMail.id)).all()
    for item in items:
        render_pending(item)
    return items


def inbound(message_id: str) -> list[InboundMail]:
    return db.session.scalars(select(InboundMail).where(InboundMail.message_id == message_id)
                              .order_by(InboundMail.id)).all()


def count(model) -> int:
    return db.session.scalar(select(db.func.count()).select_from(model))
