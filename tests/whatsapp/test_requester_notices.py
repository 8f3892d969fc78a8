"""The requester-notification path is channel-aware (issue 10): a citizen who gave only a
phone number, with the WhatsApp channel configured, is told of every change on WhatsApp,
once, through the WhatsApp outbox; without the channel the staff page says they cannot be
reached."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import OutboxMail, Unit, WhatsAppOutbox
from ticketing.services import notify
from ticketing.services import tickets as svc
from ticketing.services.transaction import run

from ..factories import gen_ticket
from ..support.staff import login, staff


def wa_rows(ticket) -> list[WhatsAppOutbox]:
    db.session.expire_all()
    return list(db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.ticket_id == ticket.id).order_by(WhatsAppOutbox.id)))


def test_a_phone_only_citizen_is_told_every_change_on_whatsapp(app, graph, now):
    ticket = gen_ticket(now, email=None, phone="0812 3333 4444")
    assert notify.reach(ticket).channel == "whatsapp"
    before = len(wa_rows(ticket))  # the acknowledgement
    worker, lead = staff(now), staff(now, "ketua_tim")
    run(svc.reply, ticket, worker, "Mohon kirim foto NIB.", "menunggu_pemohon", now)
    assert [r.kind for r in wa_rows(ticket)[before:]] == ["staff_reply"]
    before = len(wa_rows(ticket))
    kel = db.session.scalar(select(Unit).where(Unit.code == "KELEMBAGAAN"))
    run(svc.transfer, ticket, lead, kel, "soal koperasi", now + timedelta(hours=1))
    (moved,) = wa_rows(ticket)[before:]
    assert moved.kind == "requester_update" and kel.name in moved.body_text
    before = len(wa_rows(ticket))
    run(svc.close, ticket, staff(now, "ketua_tim", "KELEMBAGAAN"), now + timedelta(hours=2),
        reason="sudah dijawab lewat telepon")
    (closed,) = wa_rows(ticket)[before:]
    assert "ditutup" in closed.body_text
    assert db.session.scalar(select(OutboxMail.id).where(
        OutboxMail.ticket_id == ticket.id)) is None  # nothing by mail: no address


def test_without_the_channel_staff_see_the_requester_cannot_be_reached(app, client, now):
    ticket = gen_ticket(now, email=None, phone="0812 3333 4444")
    user = staff(now)
    login(client, user)
    page = client.get(f"/staf/tiket/{ticket.code}").get_data(as_text=True)
    assert 'data-testid="unreachable"' in page and "6281233334444" in page
    emailed = gen_ticket(now)
    page = client.get(f"/staf/tiket/{emailed.code}").get_data(as_text=True)
    assert 'data-testid="unreachable"' not in page
