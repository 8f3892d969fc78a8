"""Meta's documented error codes on sending and in status callbacks; a message that cannot
be handled is kept, never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import Ticket, WhatsAppDelivery, WhatsAppMessage, WhatsAppOutbox
from ticketing.services.outbox import flush
from ticketing.whatsapp import errors

from ..support import whatsapp as wa


def _ask(client, now):
    with time_machine.travel(now, tick=False):
        wa.post(client, wa.delivery(messages=[wa.text("Syarat HKI merek apa?", now)]))
    return db.session.scalars(select(Ticket)).one()


@pytest.mark.parametrize(("code", "kind"), [
    (131047, errors.TEMPLATE), (130429, errors.RATE_LIMIT), (131056, errors.RATE_LIMIT),
    (131026, errors.UNDELIVERABLE), (132001, errors.PERMANENT), (100, errors.PERMANENT),
    (131000, errors.TRANSIENT), (None, errors.TRANSIENT),
])
def test_error_codes_are_classified(code, kind):
    assert errors.classify(code) == kind


def test_template_error_fails_and_tells_staff(client, graph, now):
    ticket = _ask(client, now)
    graph.fail_next(132001)
    assert flush(now + timedelta(minutes=3))["whatsapp"]["failed"] == 1
    row = db.session.scalars(select(WhatsAppOutbox)).one()
    assert row.status == "failed" and row.error_code == 132001
    db.session.refresh(ticket)
    assert any("tidak terkirim" in m.body_text for m in ticket.messages if m.direction == "note")


def test_temporary_error_is_retried_with_backoff(client, graph, now):
    _ask(client, now)
    graph.fail_next(131000)
    summary = flush(now + timedelta(minutes=3))["whatsapp"]
    assert summary["retry"] == 1 and summary["sent"] == 0
    row = db.session.scalars(select(WhatsAppOutbox)).one()
    assert row.status == "pending" and row.next_attempt_dt > now + timedelta(minutes=3)
    assert flush(row.next_attempt_dt)["whatsapp"]["sent"] == 1


def test_throughput_limit_stops_the_run(client, graph, now):
    _ask(client, now)
    with time_machine.travel(now, tick=False):
        wa.post(client, wa.delivery(messages=[wa.text("Izin koperasi?", now)],
                                    wa_id="6281311112222"))
    graph.fail_next(130429)
    summary = flush(now + timedelta(hours=2))["whatsapp"]
    assert summary["sent"] == 0 and len(graph.sent) == 1  # the second was not tried


def test_unreachable_api_keeps_messages_pending(client, graph, now, app):
    _ask(client, now)
    app.config["WHATSAPP_GRAPH_URL"] = "http://127.0.0.1:9"  # nothing listens there
    summary = flush(now + timedelta(minutes=3))["whatsapp"]
    assert summary["sent"] == 0
    row = db.session.scalars(select(WhatsAppOutbox)).one()
    assert row.status == "pending" and "tidak dapat dihubungi" in row.last_error


def test_re_engagement_in_a_status_callback_resends_as_template(client, graph, now):
    _ask(client, now)
    flush(now + timedelta(minutes=3))
    row = db.session.scalars(select(WhatsAppOutbox)).one()
    with time_machine.travel(now + timedelta(minutes=4), tick=False):
        wa.post(client, wa.delivery(statuses=[wa.status(row.wamid, "failed", now,
                                                        code=131047)]))
    db.session.refresh(row)
    assert row.status == "pending" and row.use_template
    flush(now + timedelta(minutes=5))
    assert graph.sent[-1]["payload"]["type"] == "template"


def test_a_message_that_cannot_be_handled_is_kept_and_processed_again(client, graph, now,
                                                                      runner):
    broken = wa.text("Syarat halal?", now)
    del broken["from"]
    with time_machine.travel(now, tick=False):
        response = wa.post(client, wa.delivery(messages=[broken]))
    assert response.status_code == 200
    row = db.session.scalars(select(WhatsAppMessage)).one()
    assert row.action == "failed" and row.payload["text"]["body"] == "Syarat halal?"
    assert db.session.scalars(select(WhatsAppDelivery)).one().state == "failed"
    result = runner.invoke(args=["whatsapp", "process"])
    assert '"action": "failed"' in result.output and result.exit_code == 0
    assert db.session.scalar(select(Ticket.id)) is None


def test_not_json_is_stored_and_failed(client, graph, now):
    response = wa.post(client, b"not json at all")
    assert response.status_code == 200
    stored = db.session.scalars(select(WhatsAppDelivery)).one()
    assert stored.state == "failed" and stored.raw == b"not json at all"


@pytest.mark.parametrize("body", [
    {"entry": "x"}, {"entry": [{"changes": {"a": 1}}]},
    {"entry": [{"changes": [{"field": "messages", "value": {"messages": 5, "statuses": "x",
                                                            "contacts": [{"wa_id": 1,
                                                                          "profile": "x"}]}}]}]},
    {"entry": [{"changes": [{"field": "messages", "value": {"messages": [
        {"from": "62811", "id": "wamid.X1", "type": "text", "text": "not an object"},
        {"from": ["62811"], "id": {"a": 1}, "type": 5, "timestamp": "soon"}]}}]}]},
    [1, 2, 3], "a string", None,
])
def test_hostile_payloads_are_stored_and_never_crash(client, graph, now, body):
    response = wa.post(client, body)
    assert response.status_code == 200
    stored = db.session.scalars(select(WhatsAppDelivery)).one()
    assert stored.state in ("done", "failed")


def test_deeply_nested_json_is_kept_as_failed(client, graph):
    raw = b"[" * 100000 + b"]" * 100000
    assert wa.post(client, raw).status_code == 200
    assert db.session.scalars(select(WhatsAppDelivery)).one().state == "failed"
