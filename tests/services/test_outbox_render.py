"""Mail rendered when the outbox is flushed, not in the citizen's request (issue 13): the
acknowledgement row keeps the ticket and a small JSON context, `mail flush` renders it into
the same text and HTML as before, and a mail that cannot be rendered fails alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import template_rendered
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import OutboxMail
from ticketing.services import outbox
from ticketing.services.intake import tracking_url
from ticketing.services.transaction import run

from ..factories import gen_ticket

#: Wednesday 23 Dec 2026, 10.00 WIB
NOW = datetime(2026, 12, 23, 3, 0, tzinfo=UTC)


def _mails() -> list[OutboxMail]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()


def test_intake_renders_no_template_and_the_flush_renders_the_acknowledgement(app,
                                                                              smtp_server):
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(record, app)
    try:
        ticket = gen_ticket(NOW, email="rina@example.com")
    finally:
        template_rendered.disconnect(record, app)
    assert rendered == []
    [mail] = _mails()
    assert mail.body_text == "" and mail.body_html is None
    # the link's signature carries the second it was made: compare with the one kept
    url = mail.render_context["tracking_url"]
    assert list(mail.render_context) == ["tracking_url"]
    assert url.startswith(tracking_url(ticket).split("?t=")[0] + "?t=")

    assert outbox.flush(NOW)["sent"] == 1

    [mail] = _mails()
    assert mail.status == "sent" and mail.render_context is None
    [sent] = smtp_server.to("rina@example.com")
    assert sent.text().replace("\r\n", "\n").strip() == mail.body_text.strip()
    assert f"kode pelacakan {ticket.code}" in mail.body_text
    assert url in mail.body_text and url in mail.body_html
    assert "Senin, 28 Desember 2026 pukul 10.00 WIB" in mail.body_text


def test_rendered_at_flush_is_what_rendering_at_once_gives(app):
    ticket = gen_ticket(NOW)
    context = {"tracking_url": tracking_url(ticket)}

    def both():
        later = outbox.queue_mail("acknowledgement", "a@example.com", "Diterima", NOW,
                                  ticket=ticket, context=context, render_later=True)
        at_once = outbox.queue_mail("acknowledgement", "b@example.com", "Diterima", NOW,
                                    ticket=ticket, context=context)
        db.session.flush()
        return later.id, at_once.id

    later_id, at_once_id = run(both)
    later = db.session.get(OutboxMail, later_id)
    outbox.render_pending(later)
    at_once = db.session.get(OutboxMail, at_once_id)
    assert later.body_text == at_once.body_text and later.body_html == at_once.body_html
    assert later.subject == at_once.subject == f"[{ticket.code}] Diterima"


def test_a_mail_that_cannot_be_rendered_fails_alone(app, smtp_server):
    first = gen_ticket(NOW, email="warga0@example.com")
    gen_ticket(NOW, email="warga1@example.com")
    run(outbox.queue_mail, "no_such_template", "warga9@example.com", "Hilang", NOW,
        ticket=first, render_later=True)
    broken = _mails()[-1]
    broken.next_attempt_dt = NOW.replace(hour=2)  # first in line
    db.session.commit()

    summary = outbox.flush(NOW)

    assert summary["sent"] == 2 and summary["failed"] == 1 and summary["pending"] == 0
    gone = next(m for m in _mails() if m.recipient == "warga9@example.com")
    assert gone.status == "failed" and gone.failed_dt
    assert gone.last_error.startswith("pesan tidak dapat disusun") \
        and "no_such_template" in gone.last_error
    assert gone.render_context == {}  # kept: requeued after a fix, it is rendered again
    assert {m.recipients[0] for m in smtp_server.messages} == {"warga0@example.com",
                                                              "warga1@example.com"}


def test_a_mail_whose_ticket_is_gone_is_not_rendered(app):
    item = OutboxMail(kind="acknowledgement", recipient="x@example.com", subject="x",
                      body_text="", render_context={}, ticket_id=2**31 - 1,
                      message_id="<gone@example.com>")
    with pytest.raises(LookupError, match="tidak ada lagi"):
        outbox.render_pending(item)
    assert item.body_text == "" and item.render_context == {}


def test_a_mail_rendered_when_queued_is_sent_as_stored(app, smtp_server):
    """Rows written before this change (bodies already there) keep working."""
    ticket = gen_ticket(NOW, email="lama@example.com")
    [mail] = _mails()
    mail.body_text, mail.body_html = "Isi lama yang sudah jadi.", "<p>Isi lama</p>"
    mail.render_context = None
    db.session.commit()
    assert outbox.flush(NOW)["sent"] == 1
    [sent] = smtp_server.to("lama@example.com")
    assert sent.text().strip() == "Isi lama yang sudah jadi."
    assert ticket.code in sent.message["Subject"]
