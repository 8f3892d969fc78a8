"""A staff member answers a WhatsApp request in real Chromium; the citizen gets the answer and
the "sudah dipahami?" buttons on WhatsApp and confirms with a button press."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import Ticket, WhatsAppOutbox
from ticketing.services.outbox import flush

from ..support import whatsapp as wa
from ..support.staff import staff

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-kuat-1"


def test_staff_answers_a_whatsapp_ticket(app, graph, live_url, desktop_page):
    now = datetime.now(UTC)
    citizen = app.test_client()
    wa.post(citizen, wa.delivery(messages=[wa.text("Syarat sertifikat halal gratis apa?", now)]))
    ticket = db.session.scalars(select(Ticket)).one()
    user = staff(now, password=PASSWORD, name="Sari Petugas")
    flush(now + timedelta(minutes=5))                                # the acknowledgement
    graph.clear()

    page = desktop_page
    page.goto(live_url + f"/staf/tiket/{ticket.code}")  # asks to log in first
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Syarat sertifikat halal gratis apa?").wait_for()
    window = page.get_by_test_id("wa-window")
    assert "Jendela WhatsApp 24 jam terbuka" in window.inner_text()
    assert "WhatsApp" in page.locator(".ticket-head").inner_text()
    page.get_by_label("Jawaban untuk pemohon").fill(
        "Daftar lewat ptsp.halal.go.id dengan NIB; gratis untuk usaha mikro.")
    page.get_by_label("Status setelah dijawab").select_option("selesai")
    page.get_by_role("button", name="Kirim jawaban").click()
    page.get_by_text(f"Jawaban dikirim lewat WhatsApp ke +{wa.CITIZEN}.").wait_for()
    delivery = page.locator(".conversation").get_by_test_id("wa-delivery")
    assert "WhatsApp: menunggu dikirim" in delivery.inner_text()

    assert flush(datetime.now(UTC) + timedelta(seconds=5))["whatsapp"]["sent"] == 2
    answer, question = (s["payload"] for s in graph.sent)
    assert "ptsp.halal.go.id" in answer["text"]["body"]
    assert question["interactive"]["action"]["buttons"][0]["reply"]["title"] == "Ya"
    page.reload()
    assert "WhatsApp: terkirim" in delivery.inner_text()

    # The citizen presses "Ya" on WhatsApp: recorded as on the tracking page.
    db.session.expire_all()
    asked = db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "confirm_question")).one()
    press = wa.message("interactive", {"type": "button_reply", "button_reply": {
        "id": asked.buttons[0]["id"], "title": "Ya"}}, datetime.now(UTC), context=asked.wamid)
    wa.post(citizen, wa.delivery(messages=[press]))
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).is_understood is True
