"""Queue bulk actions (all or nothing) and merging a duplicate request (issue 16, item 12)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import AuditEntry, OutboxMail, Ticket

from ..factories import gen_ticket
from ..support.staff import StaffClient, login, staff


@pytest.fixture(autouse=True)
def _fresh_user_per_request(app):
    app.test_client_class = StaffClient


def fresh(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_the_bulk_bar_offers_what_the_permission_table_allows(client, now):
    ticket = gen_ticket(now)
    login(client, staff(now, "ketua_tim"))
    html = client.get("/staf/antrian").get_data(as_text=True)
    assert f'name="kode" value="{ticket.code}"' in html and "Jalankan untuk tiket terpilih" in html
    assert 'id="bulk-assignee"' in html
    worker = client.application.test_client()
    login(worker, staff(now, "staf"))
    html = worker.get("/staf/antrian").get_data(as_text=True)
    assert 'id="bulk-assignee"' not in html  # a staf closes, but does not assign
    head = client.application.test_client()
    login(head, staff(now, "kepala_dinas"))
    html = head.get("/staf/antrian?bidang=PUMK").get_data(as_text=True)
    assert 'name="kode"' not in html  # reads every queue, changes none


def test_bulk_assign_and_close(client, now):
    ketua = staff(now, "ketua_tim")
    worker = staff(now, name="Budi")
    a, b = gen_ticket(now), gen_ticket(now)
    login(client, ketua)
    response = client.post("/staf/antrian/massal", data={
        "action": "assign", "assignee": worker.email, "kode": [a.code, b.code]})
    assert response.status_code == 303
    assert fresh(a).assignee_id == fresh(b).assignee_id == worker.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 tiket ditugaskan." in page
    client.post("/staf/antrian/massal", data={
        "action": "close", "reason": "duplikat", "kode": [a.code, b.code]})
    assert fresh(a).status == fresh(b).status == "ditutup"


def test_one_refused_ticket_changes_nothing(client, now):
    ketua = staff(now, "ketua_tim")
    mine = gen_ticket(now)
    foreign = gen_ticket(now, service="rekomendasi-izin-koperasi")  # another unit
    login(client, ketua)
    before = audit_count()
    response = client.post("/staf/antrian/massal", data={
        "action": "close", "reason": "duplikat", "kode": [mine.code, foreign.code]})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tidak ada yang diubah" in page and foreign.code in page
    assert fresh(mine).status == "baru" and audit_count() == before


def test_a_bulk_close_needs_a_reason_and_a_choice(client, now):
    ticket = gen_ticket(now)
    login(client, staff(now, "ketua_tim"))
    response = client.post("/staf/antrian/massal", data={"action": "close", "kode": [ticket.code]})
    assert "alasan" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post("/staf/antrian/massal", data={"action": "", "kode": [ticket.code]})
    assert "Pilih tindakan." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert fresh(ticket).status == "baru"


def test_merging_a_duplicate_keeps_both_conversations_and_tells_the_requester(client, now):
    keep = gen_ticket(now, channel="web", subject="Syarat halal keripik")
    dup = gen_ticket(now, channel="email", subject="Tanya syarat halal",
                     message="Apa saja syarat halal untuk keripik pisang?")
    login(client, staff(now, "ketua_tim"))
    response = client.post(f"/staf/tiket/{dup.code}/gabung", data={
        "merge-target": keep.code.lower(), "merge-reason": "pertanyaan sama"})
    assert response.status_code == 303 and response.headers["Location"].endswith(keep.code)
    dup, keep = fresh(dup), fresh(keep)
    assert dup.status == "ditutup" and dup.parent_id == keep.id
    assert any("keripik pisang" in m.body_text and m.direction == "note" for m in keep.messages)
    assert any(keep.code in m.body_text and m.direction == "out" for m in dup.messages)
    notice = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "merged_notice"))
    assert notice.recipient == "siti@example.com" and keep.code in notice.body_text


def test_requests_of_two_different_people_are_not_merged(client, now):
    first = gen_ticket(now)
    second = gen_ticket(now, email="orang.lain@example.com")
    login(client, staff(now, "ketua_tim"))
    before = audit_count()
    response = client.post(f"/staf/tiket/{second.code}/gabung", data={"merge-target": first.code})
    assert response.status_code == 422
    assert "Pemohon kedua tiket berbeda" in response.get_data(as_text=True)
    assert fresh(second).status == "baru" and audit_count() == before


@pytest.mark.parametrize("target", ["", "ZZZZ-ZZZZ"])
def test_a_merge_into_nothing_is_explained(client, now, target):
    ticket = gen_ticket(now)
    login(client, staff(now, "ketua_tim"))
    response = client.post(f"/staf/tiket/{ticket.code}/gabung", data={"merge-target": target})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r"Tuliskan kode tiket tujuan|tidak ditemukan", html)
    assert fresh(ticket).status == "baru"


def test_bulk_transfer_moves_every_ticket_with_the_reason(client, now):
    a, b = gen_ticket(now), gen_ticket(now)
    login(client, staff(now, "ketua_tim"))
    response = client.post("/staf/antrian/massal", data={
        "action": "transfer", "unit": "KELEMBAGAAN", "reason": "soal izin koperasi",
        "kode": [a.code, b.code]})
    assert "2 tiket dialihkan." in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert fresh(a).unit.code == fresh(b).unit.code == "KELEMBAGAAN"
    assert "soal izin koperasi" in fresh(a).routing_reason
