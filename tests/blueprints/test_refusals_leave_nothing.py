"""Every refused change (API, staff form, citizen page) leaves the database as it was:
one transaction per use case, rolled back as a whole (issue 10 item 6)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import Ticket
from ticketing.services import tickets as svc
from ticketing.services.transaction import run

from ..factories import gen_ticket
from ..support.staff import bearer, login, staff


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def snapshot(ticket: Ticket) -> tuple:
    db.session.expire_all()
    fresh = db.session.get(Ticket, ticket.id)
    return (fresh.status, fresh.version, fresh.assignee_id, fresh.unit_id, fresh.due_dt,
            fresh.first_response_dt, fresh.is_understood, row_counts())


API_REFUSALS = [
    ("messages", {"kind": "note", "body": "Catatan", "status": "bogus"}, 422),
    ("messages", {"kind": "note", "body": "Catatan", "status": ["selesai"]}, 422),
    ("messages", {"kind": "note", "body": "Catatan", "status": "baru"}, 422),
    # a bare status change is never an answer, nor a question to the citizen
    ("messages", {"kind": "note", "body": "Catatan", "status": "selesai"}, 422),
    ("messages", {"kind": "note", "body": "Catatan", "status": "menunggu_pemohon"}, 422),
    ("messages", {"kind": "reply", "body": "Jawaban", "status": "bogus"}, 422),
    ("messages", {"kind": "reply", "body": "   ", "status": "selesai"}, 422),
    ("messages", {"kind": "gossip", "body": "x"}, 422),
    ("assign", {"unit": "PUMK", "reason": "sama"}, 422),
    ("assign", {"unit": "KELEMBAGAAN"}, 422),
    ("assign", {"unit": "NOPE", "reason": "x"}, 422),
    ("assign", {"assignee": "nobody@example.go.id"}, 422),
]


@pytest.mark.parametrize("path,body,status", API_REFUSALS)
def test_a_refused_api_change_stores_nothing(client, now, path, body, status):
    ticket = gen_ticket(now)
    user = staff(now)
    run(svc.claim, ticket, user, now)
    headers = bearer(user, now)
    before = snapshot(ticket)
    response = client.post(f"/api/v1/tickets/{ticket.code}/{path}", json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    assert "errors" in response.get_json() or "error" in response.get_json()
    assert snapshot(ticket) == before


def test_a_forbidden_api_change_stores_nothing(client, now):
    ticket = gen_ticket(now)
    headers = bearer(staff(now, unit="KELEMBAGAAN"), now)
    before = snapshot(ticket)
    for body in ({"kind": "note", "body": "x"}, {"kind": "reply", "body": "x"}):
        response = client.post(f"/api/v1/tickets/{ticket.code}/messages", json=body,
                               headers=headers)
        assert response.status_code == 403
    assert snapshot(ticket) == before


def test_a_closed_ticket_refuses_a_reply_and_keeps_nothing(client, now):
    ticket = gen_ticket(now)
    user = staff(now)
    run(svc.close, ticket, user, now, reason="duplikat")
    headers = bearer(user, now)
    before = snapshot(ticket)
    response = client.post(f"/api/v1/tickets/{ticket.code}/messages",
                           json={"kind": "reply", "body": "Jawaban", "status": "selesai"},
                           headers=headers)
    assert response.status_code == 422
    assert snapshot(ticket) == before


STAFF_FORM_REFUSALS = [
    ("balas", {"reply-body": "Jawaban", "reply-status": "ditutup"}),
    ("balas", {"reply-body": "", "reply-status": "selesai"}),
    ("catatan", {"note-body": ""}),
    ("status", {"status-status": "baru"}),
    ("status", {"status-status": "selesai"}),
    ("status", {"status-status": "menunggu_pemohon"}),
    ("alihkan", {"transfer-unit": "PUMK", "transfer-reason": "sama"}),
    ("alihkan", {"transfer-unit": "KELEMBAGAAN", "transfer-reason": ""}),
    ("buka-kembali", {"act-reason": "coba"}),
]


@pytest.mark.parametrize("path,form", STAFF_FORM_REFUSALS)
def test_a_refused_staff_form_stores_nothing(client, now, path, form):
    app = client.application
    app.config["WTF_CSRF_ENABLED"] = False
    ticket = gen_ticket(now)
    user = staff(now, "ketua_tim")
    run(svc.claim, ticket, user, now)
    login(client, user)
    before = snapshot(ticket)
    response = client.post(f"/staf/tiket/{ticket.code}/{path}", data=form)
    assert response.status_code in (403, 409, 422) or (
        response.status_code in (302, 303) and path == "buka-kembali")
    assert snapshot(ticket) == before


def test_refused_citizen_actions_store_nothing(client, now):
    client.application.config["WTF_CSRF_ENABLED"] = False
    ticket = gen_ticket(now)
    with client.session_transaction() as session:
        session["tracked"] = [ticket.code]
    before = snapshot(ticket)
    # Nothing to confirm yet, and "Belum" needs a reason.
    assert client.post(f"/lacak/{ticket.code}/konfirmasi",
                       data={"understood": "ya"}).status_code == 422
    assert snapshot(ticket) == before
    run(svc.close, ticket, staff(now), now, reason="selesai di telepon")
    before = snapshot(ticket)
    assert client.post(f"/lacak/{ticket.code}/balas",
                       data={"body": "Masih ada pertanyaan"}).status_code == 422
    assert snapshot(ticket) == before


def test_refused_confirmation_and_survey_store_nothing(client, now):
    from ticketing.services import survey

    client.application.config["WTF_CSRF_ENABLED"] = False
    ticket = gen_ticket(now)
    run(svc.reply, ticket, staff(now), "Syaratnya NIB.", "selesai", now)
    with client.session_transaction() as session:
        session["tracked"] = [ticket.code]
    before = snapshot(ticket)
    # "Belum" needs to say what is unclear; the survey is not open before "Ya".
    assert client.post(f"/lacak/{ticket.code}/konfirmasi",
                       data={"understood": "belum", "comment": ""}).status_code == 422
    assert snapshot(ticket) == before
    run(svc.close, ticket, staff(now), now, reason="selesai")
    before = snapshot(ticket)
    link = f"/survei/{ticket.code}?t={survey.make_token(ticket.code)}"
    response = client.post(link, data={"comment": "tanpa nilai"})
    assert response.status_code == 422
    assert snapshot(ticket) == before
