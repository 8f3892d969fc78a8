"""The admin's outbox page: failed and waiting mail, paginated, "kirim ulang" (CSRF, admin
only, audited)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import AuditEntry, OutboxMail

from ..factories import gen_ticket
from ..support.staff import login, staff

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def _outbox(n: int, status: str = "failed") -> list[OutboxMail]:
    for i in range(n):
        gen_ticket(NOW, email=f"warga{i}@example.com")
    rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    for row in rows:
        row.status = status
        row.last_error = "ConnectionRefusedError: [Errno 111] Connection refused"
    db.session.commit()
    return rows


def test_lists_failed_mail_and_resends_one_audited(client, now):
    admin = staff(NOW, "admin", None)
    login(client, admin)
    rows = _outbox(2)
    html = client.get("/admin/kotak-keluar/").get_data(as_text=True)
    assert "warga0@example.com" in html and "Connection refused" in html
    assert "Gagal: 2" in html and html.count(">Kirim ulang<") == 2
    response = client.post(f"/admin/kotak-keluar/{rows[0].id}/kirim-ulang")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(OutboxMail, rows[0].id).status == "pending"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox_requeue"))
    assert entry.actor_id == admin.id and entry.detail["outbox_id"] == rows[0].id
    page = client.get("/admin/kotak-keluar/?status=gagal").get_data(as_text=True)
    assert "warga1@example.com" in page and "warga0@example.com" not in page
    client.post("/admin/kotak-keluar/kirim-ulang-semua")
    db.session.expire_all()
    assert {r.status for r in db.session.scalars(select(OutboxMail))} == {"pending"}
    assert client.post("/admin/kotak-keluar/999999/kirim-ulang").status_code == 404
    assert client.post("/admin/kotak-keluar/99999999999999999999/kirim-ulang").status_code == 404


def test_paginated(client):
    login(client, staff(NOW, "admin", None))
    _outbox(52, "pending")
    first = client.get("/admin/kotak-keluar/").get_data(as_text=True)
    assert "Halaman 1 dari 2" in first and first.count(">Kirim sekarang<") == 50
    second = client.get("/admin/kotak-keluar/?hal=2").get_data(as_text=True)
    assert second.count(">Kirim sekarang<") == 2
    # a page number past any database integer is no page at all (issue 9, item 8)
    assert client.get("/admin/kotak-keluar/?hal=99999999999999999999").status_code == 404


def test_only_admins_and_csrf(app, client):
    rows = _outbox(1)
    assert client.get("/admin/kotak-keluar/").status_code in (302, 401)
    for role, unit in (("staf", "PUMK"), ("kabid", "PUMK"), ("kepala_dinas", None)):
        login(client, staff(NOW, role, unit))
        assert client.get("/admin/kotak-keluar/").status_code == 403
        assert client.post(f"/admin/kotak-keluar/{rows[0].id}/kirim-ulang").status_code == 403
    login(client, staff(NOW, "admin", None))
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/admin/kotak-keluar/{rows[0].id}/kirim-ulang").status_code == 400
    db.session.expire_all()
    assert db.session.get(OutboxMail, rows[0].id).status == "failed"
