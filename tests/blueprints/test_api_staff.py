"""The staff JSON API of INTERFACE.md, with bearer tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import AuditEntry, OutboxMail, Ticket
from ticketing.services import tickets as svc
from ticketing.services.transaction import run

from ..factories import gen_ticket
from ..support.staff import bearer, staff


def fresh(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def test_401_without_or_with_a_bad_token(client, now):
    ticket = gen_ticket(now)
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"}):
        response = client.get("/api/v1/tickets", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "error" in response.get_json()
    assert client.get(f"/api/v1/tickets/{ticket.code}").status_code == 401


def test_session_cookie_is_not_accepted(client, now):
    """The API is exempt from CSRF, so a logged-in browser must not be able to use it."""
    from ..support.staff import login

    login(client, staff(now))
    assert client.get("/api/v1/tickets").status_code == 401


def test_queue_is_the_callers_with_filters_and_pagination(client, now):
    user = staff(now)
    headers = bearer(user, now)
    made = [gen_ticket(now + timedelta(minutes=i), subject=f"Halal {i}").code for i in range(3)]
    hki = gen_ticket(now + timedelta(hours=1), service="hki", subject="Merek")
    gen_ticket(now, service="rekomendasi-izin-koperasi")
    response = client.get("/api/v1/tickets?per_page=2", headers=headers)
    assert response.status_code == 200
    assert [t["code"] for t in response.get_json()] == made[:2]
    assert response.headers["X-Total-Count"] == "4"
    assert 'rel="next"' in response.headers["Link"] and "page=2" in response.headers["Link"]
    first = response.get_json()[0]
    assert first["unit"] == "PUMK" and first["service"] == "sertifikat-halal"
    assert first["created_at"].endswith("+07:00") and first["overdue"] is False
    assert "messages" not in first
    rows = client.get("/api/v1/tickets?service=hki", headers=headers).get_json()
    assert [t["code"] for t in rows] == [hki.code]
    rows = client.get("/api/v1/tickets?q=merek", headers=headers).get_json()
    assert [t["code"] for t in rows] == [hki.code]
    assert client.get("/api/v1/tickets?unit=KELEMBAGAAN", headers=headers).status_code == 403
    assert client.get("/api/v1/tickets?status=hilang", headers=headers).status_code == 422


def test_ticket_json_includes_notes_for_staff(client, now):
    user = staff(now)
    ticket = gen_ticket(now)
    run(svc.add_note, ticket, user, "Catatan internal", now)
    data = client.get(f"/api/v1/tickets/{ticket.code.lower()}", headers=bearer(user, now))
    data = data.get_json()
    assert data["code"] == ticket.code
    assert [m["direction"] for m in data["messages"]] == ["in", "note"]
    assert client.get("/api/v1/tickets/ZZZZ-ZZZZ", headers=bearer(user, now)).status_code == 404


def test_reply_and_note_through_the_api(client, now):
    user = staff(now)
    headers = bearer(user, now)
    ticket = gen_ticket(now)
    url = f"/api/v1/tickets/{ticket.code}/messages"
    response = client.post(url, json={"kind": "reply", "body": "Daftar di SIHALAL.",
                                      "status": "menunggu_pemohon"}, headers=headers)
    assert response.status_code == 201
    data = response.get_json()
    assert data["status"] == "menunggu_pemohon" and data["message"]["direction"] == "out"
    assert db.session.scalar(select(OutboxMail.kind).where(
        OutboxMail.kind == "staff_reply")) == "staff_reply"
    response = client.post(url, json={"kind": "note", "body": "Menunggu NIB"}, headers=headers)
    assert response.status_code == 201 and response.get_json()["message"]["direction"] == "note"
    assert client.post(url, json={"kind": "reply", "body": ""}, headers=headers).status_code == 422
    assert client.post(url, json={"kind": "pesan", "body": "x"}, headers=headers).status_code == 422
    assert client.post(url, data="bukan json", headers=headers).status_code == 422
    bad = client.post(url, json={"kind": "reply", "body": "x", "status": "ditutup"},
                      headers=headers)
    assert bad.status_code == 422 and "status" in bad.get_json()["errors"]
    assert fresh(ticket).status == "menunggu_pemohon"


def test_assign_claim_transfer_through_the_api(client, now):
    lead, member, me = staff(now, "ketua_tim"), staff(now), staff(now)
    ticket = gen_ticket(now)
    url = f"/api/v1/tickets/{ticket.code}/assign"
    # A staf may not assign someone else, but assigning to oneself is claiming.
    assert client.post(url, json={"assignee": member.email},
                       headers=bearer(me, now)).status_code == 403
    response = client.post(url, json={"assignee": me.email}, headers=bearer(me, now))
    assert response.status_code == 200 and response.get_json()["assignee"] == me.email
    # Another staf claiming the taken ticket loses: 409 with the holder's name.
    response = client.post(url, json={"assignee": member.email}, headers=bearer(member, now))
    assert response.status_code == 409 and me.name in response.get_json()["error"]
    response = client.post(url, json={"assignee": lead.email}, headers=bearer(lead, now))
    assert response.status_code == 200 and response.get_json()["assignee"] == lead.email
    stale = client.post(url, json={"assignee": member.email, "version": 1},
                        headers=bearer(lead, now))
    assert stale.status_code == 409
    assert client.post(url, json={"assignee": "nobody@example.go.id"},
                       headers=bearer(lead, now)).status_code == 422
    assert client.post(url, json={"unit": "KELEMBAGAAN"},
                       headers=bearer(lead, now)).status_code == 422  # no reason
    response = client.post(url, json={"unit": "KELEMBAGAAN", "reason": "Soal koperasi"},
                           headers=bearer(lead, now))
    assert response.status_code == 200
    assert response.get_json() == {"code": ticket.code, "unit": "KELEMBAGAAN"}
    assert fresh(ticket).unit.code == "KELEMBAGAAN"
    assert client.get(f"/api/v1/tickets/{ticket.code}",
                      headers=bearer(lead, now)).status_code == 403
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.ticket_id == ticket.id)).all()
    assert actions.count("assignee") >= 3 and "unit" in actions


def test_claim_race_loser_gets_409(client, now):
    ticket = gen_ticket(now)
    first, second = staff(now), staff(now, name="Dodi")
    run(svc.claim, ticket, first, now)
    response = client.post(f"/api/v1/tickets/{ticket.code}/assign",
                           json={"assignee": second.email}, headers=bearer(second, now))
    assert response.status_code == 409 and "sudah diambil" in response.get_json()["error"]


def test_queue_pages_by_cursor_with_a_bounded_total(client, now, monkeypatch):
    from urllib.parse import parse_qs, urlsplit

    from ticketing.services import queue

    headers = bearer(staff(now), now)
    made = [gen_ticket(now + timedelta(minutes=i)).code for i in range(5)]
    response = client.get("/api/v1/tickets?per_page=2", headers=headers)
    assert response.headers["X-Total-Count"] == "5"
    assert response.headers["X-Total-Count-Exact"] == "true"
    monkeypatch.setattr(queue, "COUNT_LIMIT", 3)
    seen, url = [], "/api/v1/tickets?per_page=2"
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        assert response.headers["X-Total-Count"] == "3"
        assert response.headers["X-Total-Count-Exact"] == "false"
        seen += [t["code"] for t in response.get_json()]
        link = response.headers.get("Link", "")
        nexts = [part for part in link.split(", ") if part.endswith('rel="next"')]
        url = None
        if nexts:
            parts = urlsplit(nexts[0].split(">")[0].lstrip("<"))
            assert "after" in parse_qs(parts.query)
            url = f"{parts.path}?{parts.query}"
    assert seen == made
    assert 'rel="prev"' in response.headers["Link"]
    bad = client.get("/api/v1/tickets?after=rusak", headers=headers)
    assert bad.status_code == 422 and "after" in bad.get_json()["errors"]
