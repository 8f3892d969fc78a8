"""A citizen who asked with a phone number gets lost codes again on WhatsApp (issue 16,
item 4), through the same outbox and window rules as every WhatsApp message."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import WhatsAppOutbox
from ticketing.services.outbox import flush

from ..factories import gen_ticket
from ..support import whatsapp as wa


def test_codes_go_to_the_number_on_whatsapp(client, graph, now):
    ticket = gen_ticket(now, email=None, phone="0812-3456-7890")
    response = client.post("/lacak/kirim-ulang", data={"contact": "0812 3456 7890"})
    assert response.status_code == 303
    item = db.session.scalar(select(WhatsAppOutbox).where(WhatsAppOutbox.kind ==
                                                          "code_recovery"))
    assert item.recipient == wa.CITIZEN and ticket.code in item.body_text
    client.post("/lacak/kirim-ulang", data={"contact": "+62 812 3456 7890"})
    assert len(db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "code_recovery")).all()) == 1  # once an hour
    flush(now + timedelta(minutes=1))
    assert any(s.get("wamid") for s in graph.sent)


def test_an_unknown_number_gets_the_same_answer_and_nothing_is_sent(client, graph, now):
    gen_ticket(now, email=None, phone="0812-3456-7890")
    known = client.post("/lacak/kirim-ulang", data={"contact": "0812 3456 7890"},
                        follow_redirects=True).get_data(as_text=True)
    other = client.post("/lacak/kirim-ulang", data={"contact": "0813 0000 1111"},
                        follow_redirects=True).get_data(as_text=True)
    assert ("daftar kode" in known) and ("daftar kode" in other)
    assert len(db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "code_recovery")).all()) == 1
