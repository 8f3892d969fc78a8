"""The public JSON API of INTERFACE.md."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import OutboxMail, Ticket

WED_10 = datetime(2026, 12, 23, 3, 0, tzinfo=UTC)

BODY = {"name": "Rina", "email": "rina@example.com", "type": "informasi",
        "service": "rekomendasi-izin-koperasi", "subject": "Rekomendasi izin KSP",
        "message": "Apa saja syarat rekomendasi izin usaha simpan pinjam?"}


def test_services_shape(client):
    rows = client.get("/api/v1/services").get_json()
    by_slug = {r["slug"]: r for r in rows}
    assert set(by_slug) >= {"sertifikat-halal", "hki", "rekomendasi-izin-koperasi",
                            "pengaduan-umum"}
    assert by_slug["hki"] == {"slug": "hki", "name": "Informasi Hak Kekayaan Intelektual (HKI)",
                              "unit": "PUMK", "target_days": 1.0,
                              "fee": "Gratis", "product": "Pelayanan Informasi"}
    assert by_slug["rekomendasi-izin-koperasi"]["unit"] == "KELEMBAGAAN"
    assert by_slug["rekomendasi-izin-koperasi"]["target_days"] == 2.0
    assert by_slug["pengaduan-umum"]["unit"] is None


def test_create_request(client):
    with time_machine.travel(WED_10, tick=False):
        response = client.post("/api/v1/requests", json=BODY)
    assert response.status_code == 201
    data = response.get_json()
    assert set(data) == {"code", "status", "due_at", "tracking_url"}
    assert data["status"] == "baru"
    assert data["due_at"] == "2026-12-29T10:00:00+07:00"
    assert data["tracking_url"].startswith("http://localhost/lacak/" + data["code"])
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.channel == "api" and ticket.unit.code == "KELEMBAGAAN"
    # the signed link is the acknowledgement's, and it opens the request
    mail = db.session.scalars(select(OutboxMail)).one()
    assert mail.render_context["tracking_url"] == data["tracking_url"]
    with time_machine.travel(WED_10, tick=False):
        page = client.get(data["tracking_url"].removeprefix("http://localhost"),
                          follow_redirects=True)
    assert page.status_code == 200 and data["code"] in page.get_data(as_text=True)


def test_bad_input_gives_field_errors(client):
    response = client.post("/api/v1/requests", json={**BODY, "email": "x", "type": "lain",
                                                     "service": "nope", "message": ""})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) >= {"email", "type", "service", "message"}
    assert all(isinstance(v, str) and v for v in errors.values())
    no_contact = client.post("/api/v1/requests", json={**BODY, "email": ""})
    assert "email" in no_contact.get_json()["errors"]
    not_json = client.post("/api/v1/requests", data="name=x")
    assert not_json.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_idempotency_key_prevents_duplicates(client):
    headers = {"Idempotency-Key": "retry-42"}
    a = client.post("/api/v1/requests", json=BODY, headers=headers).get_json()
    b = client.post("/api/v1/requests", json=BODY, headers=headers).get_json()
    assert a["code"] == b["code"]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_status_for_requester_only_and_same_404(client):
    code = client.post("/api/v1/requests", json=BODY).get_json()["code"]
    ok = client.get(f"/api/v1/requests/{code}?email=rina@example.com")
    assert ok.status_code == 200
    data = ok.get_json()
    assert data["code"] == code and data["status"] == "baru"
    assert [m["direction"] for m in data["messages"]] == ["in"]
    assert "assignee" not in data
    wrong = client.get(f"/api/v1/requests/{code}?email=other@example.com")
    unknown = client.get("/api/v1/requests/ZZZZ-ZZZZ?email=rina@example.com")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json() == unknown.get_json()
