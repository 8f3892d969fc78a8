"""A staff member's day in real Chromium: log in by keyboard, filter the queue, answer with a
canned answer; the citizen reads the answer on the tracking page and in the mail."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import Ticket
from ticketing.services.canned import seed_canned
from ticketing.services.outbox import flush
from ticketing.services.transaction import run

from ..factories import gen_ticket
from ..support.staff import staff

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-kuat-1"


def test_staff_answers_with_canned_answer_and_citizen_sees_it(
        app, live_url, desktop_page, phone_page, smtp_server):
    now = datetime.now(UTC)
    run(seed_canned, now)
    user = staff(now, password=PASSWORD, name="Sari Petugas")
    halal = gen_ticket(now - timedelta(hours=1), name="Dewi Lestari", email="dewi@example.com",
                       subject="Sertifikat halal untuk pempek")
    hki = gen_ticket(now, service="hki", subject="Daftar merek kerupuk")
    flush(now + timedelta(seconds=1))  # the acknowledgements go out first...
    smtp_server.clear()  # ...so that only the answer is caught below

    page = desktop_page
    page.goto(live_url + "/staf/antrian")
    # Not logged in: sent to the login page, which works from the keyboard alone.
    page.get_by_role("heading", name="Masuk petugas").wait_for()
    page.get_by_label("Email").focus()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_text("Selamat datang, Sari Petugas.").wait_for()
    assert page.url.endswith("/staf/antrian")
    rows = page.locator("tbody tr")
    assert rows.count() == 2

    page.get_by_text("Saringan lainnya").click()  # collapsed so a phone shows tickets first
    page.get_by_label("Layanan").select_option(label="Informasi Sertifikasi Halal")
    page.get_by_role("button", name="Terapkan").click()
    page.wait_for_url(re.compile(r"layanan=sertifikat-halal"))
    assert rows.count() == 1
    assert page.get_by_role("link", name=halal.code).is_visible()
    assert page.get_by_role("link", name=hki.code).count() == 0
    assert "sisa" in rows.first.inner_text()

    page.get_by_role("link", name="Sertifikat halal untuk pempek").click()
    page.get_by_role("heading", name="Sertifikat halal untuk pempek").wait_for()
    page.get_by_label("Jawaban siap").select_option(
        label="Sertifikat halal gratis (self declare/SEHATI)")
    page.get_by_role("button", name="Sisipkan").click()
    reply = page.get_by_label("Jawaban untuk pemohon")
    reply.wait_for()
    text = reply.input_value()
    assert text.startswith("Yth. Bapak/Ibu Dewi Lestari")
    assert "https://ptsp.halal.go.id" in text and halal.code in text
    reply.fill(text.replace("Langkahnya:", "Untuk usaha pempek Ibu, langkahnya:"))
    assert page.get_by_label("Status setelah dijawab").input_value() == "selesai"
    page.get_by_role("button", name="Kirim jawaban").click()
    page.get_by_text("Jawaban terkirim ke dewi@example.com.").wait_for()
    assert page.locator(".msg-out").count() == 1
    assert page.get_by_test_id("assignee").inner_text() == "belum diambil"

    db.session.expire_all()
    ticket = db.session.scalar(select(Ticket).where(Ticket.id == halal.id))
    assert ticket.status == "selesai"

    # The citizen tracks on a phone with code + e-mail and sees the answer.
    citizen = phone_page
    citizen.goto(live_url + "/lacak")
    citizen.get_by_label("Kode pelacakan").fill(halal.code)
    citizen.get_by_label("Email atau nomor telepon").fill("dewi@example.com")
    citizen.get_by_role("button", name="Lacak").click()
    citizen.get_by_role("heading", name="Sertifikat halal untuk pempek").wait_for()
    assert citizen.get_by_text("Untuk usaha pempek Ibu, langkahnya:").is_visible()
    assert citizen.get_by_role("heading",
                               name="Apakah jawaban ini sudah dapat dipahami?").is_visible()

    # And in the mail, once the outbox is delivered.
    assert flush(datetime.now(UTC) + timedelta(seconds=5))["sent"] == 1
    mails = smtp_server.to("dewi@example.com")
    assert len(mails) == 1
    mail = mails[0]
    assert f"[{halal.code}]" in mail.subject and "Jawaban" in mail.subject
    assert "Untuk usaha pempek Ibu, langkahnya:" in mail.text()
    assert "https://ptsp.halal.go.id" in mail.text()
    assert f"{live_url}/lacak/{halal.code}?t=" in mail.text()
    assert "Untuk usaha pempek Ibu" in mail.html()


def test_queue_and_ticket_fit_a_phone(app, live_url, phone_page):
    now = datetime.now(UTC)
    user = staff(now, password=PASSWORD)
    ticket = gen_ticket(now, subject="Pertanyaan yang cukup panjang tentang sertifikat halal")
    page = phone_page
    page.goto(live_url + "/masuk")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("link", name=ticket.code).wait_for()
    page.wait_for_load_state("load")  # measure with the stylesheet applied, not before
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name=ticket.code).click()
    page.get_by_role("button", name="Ambil tiket ini").click()
    page.get_by_text(f"Tiket {ticket.code} sekarang tugas Anda.").wait_for()
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Logging out is a form button (POST with CSRF), not a link.
    page.get_by_role("button", name="Keluar").click()
    page.get_by_text("Anda telah keluar.").wait_for()
