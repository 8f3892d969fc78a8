"""What staff see on a ticket: actions first, no preselected assignee, history in sentences,
their own menu on an error page (issue 16, items 6, 9 and 10)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from ticketing.extensions import db
from ticketing.services import tickets as svc
from ticketing.services.lifecycle import set_status
from ticketing.services.transaction import run

from ..factories import gen_ticket, say_and_set
from ..support.staff import StaffClient, login, staff


@pytest.fixture(autouse=True)
def _fresh_user_per_request(app):
    app.test_client_class = StaffClient


def page(client, code: str) -> str:
    return client.get(f"/staf/tiket/{code}").get_data(as_text=True)


def test_actions_come_before_the_conversation(client, now):
    ticket = gen_ticket(now)
    login(client, staff(now, "ketua_tim"))
    html = page(client, ticket.code)
    assert html.index("Ambil tiket ini") < html.index('id="conv-title"')
    assert html.index("Tugaskan") < html.index('id="conv-title"')
    assert 'href="#reply-title"' in html  # a jump to the answer box


def test_the_assignee_list_has_no_default_and_shows_each_persons_open_load(client, now):
    ketua = staff(now, "ketua_tim", name="Ketua Satu")
    busy = staff(now, name="Budi Sibuk")
    staff(now, name="Ani Lowong")
    for _ in range(2):
        run(svc.claim, gen_ticket(now), busy, now)
    closed = gen_ticket(now)
    run(svc.claim, closed, busy, now)
    set_status(closed, "ditutup", now, actor=busy, reason="selesai")
    db.session.commit()
    ticket = gen_ticket(now)
    login(client, ketua)
    html = page(client, ticket.code)
    select = re.search(r'<select[^>]*name="assign-assignee".*?</select>', html, re.S).group(0)
    first = re.search(r"<option[^>]*>([^<]*)</option>", select)
    assert "Pilih petugas" in first.group(1) and 'selected' in first.group(0)
    assert "Budi Sibuk (2 terbuka)" in select and "Ani Lowong (0 terbuka)" in select


def test_assigning_without_choosing_a_person_is_refused_with_a_message(client, now):
    ticket = gen_ticket(now)
    login(client, staff(now, "ketua_tim"))
    html = page(client, ticket.code)
    token = re.search(r'name="assign-csrf_token"[^>]*value="([^"]*)"', html)
    response = client.post(f"/staf/tiket/{ticket.code}/tugaskan", data={
        "assign-csrf_token": token.group(1) if token else "",
        "assign-version": str(ticket.version), "assign-assignee": ""})
    assert response.status_code == 422
    assert "Pilih petugas." in response.get_data(as_text=True)
    assert db.session.get(type(ticket), ticket.id).assignee_id is None


def test_history_reads_as_sentences_not_raw_values(client, now):
    ticket = gen_ticket(now)
    user = staff(now, name="Rina")
    run(svc.claim, ticket, user, now)
    say_and_set(ticket, "menunggu_pemohon", now + timedelta(hours=1), actor=user,
               reason="Mohon kirim NIB")
    db.session.commit()
    login(client, user)
    history = re.search(r'<ol class="history">.*?</ol>', page(client, ticket.code), re.S).group(0)
    history = re.sub(r"<[^>]+>", "", history)  # what a person reads, not the attributes
    assert "menunggu_pemohon" not in history and "+00:00" not in history
    assert "«Sedang diproses» menjadi «Menunggu pemohon»" in history \
        or "«Baru» menjadi «Menunggu pemohon»" in history
    assert "dijeda" in history
    assert "Desember 2026" in history


def test_a_closed_ticket_has_one_status_chip(client, now):
    ticket = gen_ticket(now)
    user = staff(now)
    run(svc.claim, ticket, user, now)
    set_status(ticket, "ditutup", now, actor=user, reason="duplikat")
    db.session.commit()
    login(client, user)
    head = re.search(r'<header class="ticket-head">.*?</header>', page(client, ticket.code),
                     re.S).group(0)
    assert "Ditutup" in head and "selesai" not in head.lower().replace("selesai dijawab", "")


def test_a_403_keeps_the_staff_menu_for_signed_in_staff(client, now):
    login(client, staff(now, "staf"))
    response = client.get("/admin/akun")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Antrian" in html and "Keluar" in html
    assert "Ajukan permohonan" not in html


def test_a_403_for_a_citizen_shows_the_citizen_menu(client):
    html = client.get("/staf/antrian", follow_redirects=False).get_data(as_text=True)
    assert "Keluar" not in html
