"""Answering on WhatsApp: staff answers, "sudah dipahami?" buttons, the 24-hour window,
Meta's error codes, status callbacks, BERHENTI, and a web request with only a phone."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import OutboxMail, Ticket, WhatsAppContact, WhatsAppOutbox
from ticketing.services import tickets as ticket_actions
from ticketing.services.outbox import flush

from ..factories import gen_ticket
from ..support import whatsapp as wa
from ..support.staff import staff


def _ask(client, now, body="Bagaimana syarat sertifikat halal gratis?", **kw) -> Ticket:
    with time_machine.travel(now, tick=False):
        wa.post(client, wa.delivery(messages=[wa.text(body, now, **kw)]))
    return db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()


def _answer(ticket, now, status="selesai",
            body="Syaratnya NIB dan KTP; daftar di ptsp.halal.go.id"):
    clerk = staff(now, "staf", ticket.unit.code if ticket.unit else "PUMK")
    ticket.unit = clerk.unit
    db.session.commit()
    return ticket_actions.reply(ticket, clerk, body, status, now)


def _sent(graph, kind=None):
    return [s["payload"] for s in graph.sent if s.get("wamid")
            and (kind is None or s["payload"]["type"] == kind)]


def test_staff_answer_and_the_confirm_buttons_go_on_whatsapp(client, graph, now):
    ticket = _ask(client, now)
    flush(now + timedelta(minutes=3))                                    # acknowledgement
    graph.clear()
    _answer(ticket, now + timedelta(hours=1))
    assert flush(now + timedelta(hours=1))["whatsapp"]["sent"] == 2
    text, buttons = _sent(graph)
    assert text["type"] == "text" and "ptsp.halal.go.id" in text["text"]["body"]
    assert buttons["type"] == "interactive"
    titles = [b["reply"]["title"] for b in buttons["interactive"]["action"]["buttons"]]
    assert titles == ["Ya", "Belum"]
    assert db.session.scalar(select(OutboxMail.id)) is None  # no mail for a WhatsApp ticket
    reply = next(m for m in ticket.messages if m.direction == "out")
    assert reply.channel == "whatsapp"


def test_pressing_ya_records_the_confirmation_like_the_tracking_page(client, graph, now):
    ticket = _ask(client, now)
    _answer(ticket, now + timedelta(hours=1))
    flush(now + timedelta(hours=1))
    question = db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "confirm_question")).one()
    press = wa.message("interactive", {"type": "button_reply", "button_reply": {
        "id": f"confirm:{ticket.code}:ya", "title": "Ya"}}, now + timedelta(hours=2),
        context=question.wamid)
    with time_machine.travel(now + timedelta(hours=2), tick=False):
        wa.post(client, wa.delivery(messages=[press]))
    db.session.refresh(ticket)
    assert ticket.is_understood is True and ticket.status == "selesai"
    invitation = db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "survey_invitation")).one()
    from ticketing.services.survey import survey_url

    assert survey_url(ticket).split("?")[0] + "?t=" in invitation.body_text
    assert db.session.scalar(select(OutboxMail.id)) is None


def test_pressing_belum_reopens_and_asks_what_is_unclear(client, graph, now):
    ticket = _ask(client, now)
    _answer(ticket, now + timedelta(hours=1))
    press = wa.message("interactive", {"type": "button_reply", "button_reply": {
        "id": f"confirm:{ticket.code}:belum", "title": "Belum"}}, now + timedelta(hours=2))
    with time_machine.travel(now + timedelta(hours=2), tick=False):
        wa.post(client, wa.delivery(messages=[press]))
    db.session.refresh(ticket)
    assert ticket.is_understood is False and ticket.status == "diproses"
    assert ticket.reopen_count == 1
    kinds = db.session.scalars(select(WhatsAppOutbox.kind)).all()
    assert "confirm_belum" in kinds


def test_outside_the_24_hour_window_the_template_goes_with_code_and_link(client, graph, now):
    ticket = _ask(client, now)
    flush(now + timedelta(minutes=3))
    graph.clear()
    later = now + timedelta(hours=30)
    _answer(ticket, later, status="selesai", body="Syaratnya NIB; daftar di ptsp.halal.go.id")
    flush(later)
    sent = _sent(graph)
    # One template; the "sudah dipahami?" buttons need the window (the link asks it instead).
    assert len(sent) == 1 and sent[0]["type"] == "template"
    question = db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "confirm_question")).one()
    assert question.status == "cancelled"
    template = sent[0]["template"]
    assert template["name"] == "pembaruan_permohonan" and template["language"]["code"] == "id"
    params = [p["text"] for p in template["components"][0]["parameters"]]
    assert params[0] == ticket.code and "/lacak/" + ticket.code in params[1]


def test_re_engagement_error_sends_the_template_instead(client, graph, now):
    _ask(client, now)
    graph.fail_next(131047)
    assert flush(now + timedelta(minutes=3))["whatsapp"]["sent"] == 1
    assert [s["payload"]["type"] for s in graph.sent] == ["text", "template"]
    row = db.session.scalars(select(WhatsAppOutbox)).one()
    assert row.status == "sent" and row.sent_as == "template:pembaruan_permohonan"


def test_failed_status_callback_falls_back_to_email(client, graph, now, smtp_server):
    # e.g. recorded from the office phone, then answered through the API
    ticket = gen_ticket(now, email="budi@example.com", phone="081234567890", channel="whatsapp")
    _answer(ticket, now, status="menunggu_pemohon", body="Mohon lengkapi NIB.")
    db.session.add(WhatsAppContact(wa_id=wa.CITIZEN, last_inbound_dt=now))
    db.session.commit()
    flush(now)
    row = db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "staff_reply")).one()
    assert row.status == "sent"
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        wa.post(client, wa.delivery(statuses=[wa.status(row.wamid, "failed", now, code=131026)]))
    db.session.refresh(row)
    assert row.status == "failed" and row.error_code == 131026
    assert db.session.scalars(select(WhatsAppContact)).one().is_undeliverable
    fallback = db.session.scalars(select(OutboxMail).where(
        OutboxMail.kind == "whatsapp_fallback")).one()
    assert fallback.recipient == "budi@example.com" and "Mohon lengkapi NIB." in fallback.body_text
    notes = [m.body_text for m in ticket.messages if m.direction == "note"]
    assert any("tidak terkirim" in n and "budi@example.com" in n for n in notes)
    # The same failure reported again (another delivery) changes nothing.
    with time_machine.travel(now + timedelta(minutes=2), tick=False):
        wa.post(client, wa.delivery(statuses=[wa.status(row.wamid, "failed",
                                                        now + timedelta(seconds=1),
                                                        code=131026)]))
    assert len(db.session.scalars(select(OutboxMail).where(
        OutboxMail.kind == "whatsapp_fallback")).all()) == 1


def test_status_callbacks_update_delivery_state_forward_only(client, graph, now):
    _ask(client, now)
    flush(now + timedelta(minutes=3))
    row = db.session.scalars(select(WhatsAppOutbox)).one()
    for state in ("delivered", "read", "delivered"):
        with time_machine.travel(now + timedelta(minutes=4), tick=False):
            wa.post(client, wa.delivery(statuses=[wa.status(row.wamid, state, now)]))
    db.session.refresh(row)
    assert row.status == "read"


def test_rate_limit_retries_later_and_undeliverable_is_marked(client, graph, now):
    _ask(client, now)
    graph.fail_next(131056)
    summary = flush(now + timedelta(minutes=3))["whatsapp"]
    assert summary["sent"] == 0 and summary["retry"] == 1
    row = db.session.scalars(select(WhatsAppOutbox)).one()
    contact = db.session.scalars(select(WhatsAppContact)).one()
    assert row.status == "pending" and contact.paused_until_dt > now + timedelta(minutes=3)
    assert flush(now + timedelta(minutes=3, seconds=30))["whatsapp"]["sent"] == 0
    assert flush(now + timedelta(minutes=10))["whatsapp"]["sent"] == 1
    graph.fail_for(wa.CITIZEN, 131026)
    ticket = db.session.scalars(select(Ticket)).one()
    _answer(ticket, now + timedelta(minutes=20))
    flush(now + timedelta(minutes=20))
    db.session.refresh(contact)
    assert contact.is_undeliverable
    notes = [m.body_text for m in ticket.messages if m.direction == "note"]
    assert any("tidak terkirim" in n and "telepon" in n for n in notes)


def test_berhenti_stops_all_but_direct_answers(client, graph, now):
    ticket = _ask(client, now)
    with time_machine.travel(now + timedelta(seconds=30), tick=False):
        wa.post(client, wa.delivery(messages=[wa.text("BERHENTI", now + timedelta(seconds=30))]))
    ack = db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "acknowledgement")).one()
    assert ack.status == "cancelled"
    _answer(ticket, now + timedelta(hours=1))
    flush(now + timedelta(hours=1))
    kinds = [r.kind for r in db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.status == "sent"))]
    assert sorted(kinds) == ["confirm_question", "opted_out", "staff_reply"]
    db.session.refresh(ticket)
    assert [m.body_text for m in ticket.messages if m.direction == "in"] == [
        "Bagaimana syarat sertifikat halal gratis?"]


def test_web_request_with_only_a_phone_is_acknowledged_by_template(graph, now):
    ticket = gen_ticket(now, email=None, phone="0812-3456-7890")
    row = db.session.scalars(select(WhatsAppOutbox)).one()
    assert row.kind == "acknowledgement" and row.recipient == wa.CITIZEN
    flush(now)
    sent = _sent(graph)
    assert len(sent) == 1 and sent[0]["type"] == "template"
    assert sent[0]["template"]["components"][0]["parameters"][0]["text"] == ticket.code


def test_web_request_with_email_and_phone_stays_on_email(graph, now):
    gen_ticket(now, email="siti@example.com", phone="0812-3456-7890")
    assert db.session.scalar(select(WhatsAppOutbox.id)) is None
    assert db.session.scalar(select(OutboxMail.id)) is not None
