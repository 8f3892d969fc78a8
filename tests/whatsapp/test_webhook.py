"""The webhook: handshake, signatures, raw-first storage, once per wamid, text into tickets."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import (
    Message,
    Ticket,
    WhatsAppContact,
    WhatsAppDelivery,
    WhatsAppMessage,
    WhatsAppOutbox,
)
from ticketing.services.outbox import flush

from ..support import whatsapp as wa


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_handshake_answers_the_challenge_only_to_the_right_token(client, graph):
    ok = client.get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token="
                    f"{wa.VERIFY_TOKEN}&hub.challenge=1158201444")
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "1158201444"
    wrong = client.get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope"
                       "&hub.challenge=1158201444")
    assert wrong.status_code == 403 and "1158201444" not in wrong.get_data(as_text=True)
    assert client.get("/webhooks/whatsapp?hub.challenge=1").status_code == 403


def test_bad_or_missing_signature_is_refused_and_nothing_stored(client, graph, now, caplog):
    body = wa.delivery(messages=[wa.text("syarat halal apa?", now)])
    assert wa.post(client, body, secret="someone-else").status_code == 403
    assert wa.post(client, body, signature="").status_code == 403
    assert wa.post(client, body, signature="sha256=00").status_code == 403
    assert _count(WhatsAppDelivery) == 0 and _count(WhatsAppMessage) == 0
    assert _count(Ticket) == 0
    assert "X-Hub-Signature-256" in caplog.text


def test_channel_off_without_configuration(client, app, now):
    body = wa.delivery(messages=[wa.text("halo", now)])
    assert wa.post(client, body).status_code == 403
    assert client.get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=x"
                      "&hub.challenge=1").status_code == 403
    assert _count(WhatsAppDelivery) == 0
    assert flush(now)["whatsapp"] == {"sent": 0, "retry": 0, "failed": 0, "pending": 0,
                                      "disabled": True}


def test_text_message_becomes_a_routed_ticket_with_one_acknowledgement(client, graph, now):
    import json

    body = wa.delivery(messages=[wa.text("Bagaimana syarat sertifikat halal gratis?", now)])
    with time_machine.travel(now, tick=False):
        response = wa.post(client, body)
    assert response.status_code == 200
    stored = db.session.scalars(select(WhatsAppDelivery)).one()
    assert stored.state == "done" and stored.raw == json.dumps(body).encode()
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.channel == "whatsapp"
    assert ticket.requester_phone == wa.CITIZEN and ticket.requester_name == "Budi Santoso"
    assert ticket.requester_email is None
    assert ticket.unit is not None and ticket.unit.code == "PUMK"
    assert ticket.subject == "Bagaimana syarat sertifikat halal gratis?"
    assert [m.channel for m in ticket.messages] == ["whatsapp"]
    contact = db.session.scalars(select(WhatsAppContact)).one()
    assert contact.last_inbound_dt == now.replace(microsecond=0)
    # The acknowledgement waits for the end of a possible burst, then goes as free text.
    assert flush(now)["whatsapp"]["sent"] == 0
    later = now + timedelta(minutes=3)
    assert flush(later)["whatsapp"]["sent"] == 1
    sent = graph.sent[0]["payload"]
    assert sent["to"] == wa.CITIZEN and sent["type"] == "text"
    assert ticket.code in sent["text"]["body"] and "/lacak/" in sent["text"]["body"]


def test_same_message_delivered_twice_is_processed_once(client, graph, now, runner):
    msg = wa.text("Syarat rekomendasi izin koperasi apa saja?", now)
    with time_machine.travel(now, tick=False):
        wa.post(client, wa.delivery(messages=[msg]))
        wa.post(client, wa.delivery(messages=[msg]))                 # same bytes (a retry)
        wa.post(client, wa.delivery(messages=[msg], name="Budi S"))  # same wamid, new bytes
    assert _count(Ticket) == 1 and _count(Message) == 1
    assert _count(WhatsAppMessage) == 1
    # the first delivery (by id) was seen twice; an UPDATE moves its row on PostgreSQL
    first = db.session.scalars(select(WhatsAppDelivery).order_by(WhatsAppDelivery.id)).first()
    assert first.times_seen == 2
    result = runner.invoke(args=["whatsapp", "process"])
    assert result.exit_code == 0
    assert _count(Message) == 1


def test_a_burst_is_one_request_with_one_acknowledgement(client, graph, now):
    texts = ["halo", "mau tanya", "syarat sertifikat halal apa?"]
    with time_machine.travel(now, tick=False):
        for i, body in enumerate(texts):
            wa.post(client, wa.delivery(messages=[wa.text(body, now + timedelta(seconds=20 * i))]))
    ticket = db.session.scalars(select(Ticket)).one()
    assert [m.body_text for m in ticket.messages] == texts
    assert ticket.subject == "syarat sertifikat halal apa?"
    assert ticket.unit is not None and ticket.unit.code == "PUMK"
    acks = db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "acknowledgement")).all()
    assert len(acks) == 1 and "syarat sertifikat halal apa?" in acks[0].body_text
    flush(now + timedelta(hours=1))
    assert len(graph.sent) == 1


def test_stored_delivery_not_processed_is_caught_up_by_the_cli(client, graph, now, runner):
    import json

    from ticketing.whatsapp import inbound

    raw = json.dumps(wa.delivery(messages=[wa.text("Cara daftar HKI merek?", now)])).encode()
    _row, is_new = inbound.store(raw, now)  # as if the process died after the 200
    assert is_new and _count(Ticket) == 0
    result = runner.invoke(args=["whatsapp", "process"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.output.strip().splitlines()[0])
    assert line["action"] == "created" and line["ticket"]
    assert set(line) == {"message_id", "action", "ticket", "reason"}
    assert _count(Ticket) == 1


def test_catch_up_after_a_crash_keeps_the_time_the_citizen_wrote(graph, now, runner):
    import json

    from ticketing.whatsapp import inbound

    raw = json.dumps(wa.delivery(messages=[wa.text("Syarat izin koperasi?", now)])).encode()
    inbound.store(raw, now)
    with time_machine.travel(now + timedelta(hours=5), tick=False):
        assert runner.invoke(args=["whatsapp", "process"]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalars(select(Ticket)).one().created_dt == now
