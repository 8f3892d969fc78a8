"""The citizen's whole path on a phone-sized screen, in real Chromium."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import Ticket
from ticketing.services.outbox import flush

from ..factories import PDF_BYTES, say_and_set

pytestmark = pytest.mark.browser


def test_citizen_reads_standard_submits_tracks_replies_and_says_belum(
        phone_page, live_url, tmp_path, smtp_server, app):
    page = phone_page
    page.goto(live_url + "/")
    # The page fits a phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name="Informasi Sertifikasi Halal").first.click()
    assert page.get_by_role("heading", name="Jangka Waktu Pelayanan").is_visible()
    assert page.locator(".components li").count() == 14
    page.get_by_role("link", name="Ajukan permohonan untuk layanan ini").click()

    pdf = tmp_path / "nib-usaha.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.get_by_label("Nama lengkap").fill("Dewi Lestari")
    page.get_by_label("Email").fill("dewi@example.com")
    page.get_by_label("Nomor telepon/WhatsApp").fill("0813 1111 2222")
    assert page.get_by_label("Layanan").input_value() == "sertifikat-halal"
    page.get_by_label("Perihal").fill("Sertifikat halal untuk pempek")
    page.get_by_label("Pesan").fill("Usaha pempek rumahan, apakah bisa self declare gratis?")
    page.get_by_label("Lampiran (opsional)").set_input_files(str(pdf))
    page.get_by_label(re.compile("menyetujui pemrosesan data pribadi")).check()
    page.get_by_role("button", name="Kirim permohonan").click()

    page.get_by_role("heading", name="Permohonan Anda telah kami terima").wait_for()
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    assert "paling lambat" in page.content()

    # The acknowledgement arrives with the same code and deadline in words.
    flush(datetime.now(UTC))
    mails = smtp_server.to("dewi@example.com")
    assert len(mails) == 1 and f"[{code}]" in mails[0].subject
    assert "paling lambat" in mails[0].text()

    # Track from a fresh browser session with code + phone number.
    context = page.context.browser.new_context(viewport={"width": 360, "height": 740},
                                               is_mobile=True)
    other = context.new_page()
    other.goto(live_url + "/lacak")
    other.get_by_label("Kode pelacakan").fill(code.lower())
    other.get_by_label("Email atau nomor telepon").fill("+62 813-1111-2222")
    other.get_by_role("button", name="Lacak").click()
    other.get_by_role("heading", name="Sertifikat halal untuk pempek").wait_for()
    assert other.get_by_role("link", name="nib-usaha.pdf").is_visible()

    other.get_by_label("Balasan Anda").fill("Omzet saya di bawah 500 juta per tahun.")
    other.get_by_role("button", name="Kirim balasan").click()
    other.get_by_text("Balasan Anda telah terkirim.").wait_for()
    assert other.get_by_text("Omzet saya di bawah 500 juta per tahun.").is_visible()

    # Staff answer (issue 3 builds the staff screens; here the service does it).
    ticket = db.session.scalars(select(Ticket).where(Ticket.code == code)).one()
    now = datetime.now(UTC)
    say_and_set(ticket, "selesai", now, actor_label="Staf PUMK",
                body="Bisa, daftar melalui SIHALAL jalur self declare.")
    db.session.commit()

    other.reload()
    assert other.get_by_text("Bisa, daftar melalui SIHALAL jalur self declare.").is_visible()
    other.get_by_role("heading", name="Apakah jawaban ini sudah dapat dipahami?").wait_for()
    other.get_by_text("Belum", exact=True).click()
    other.get_by_label("Bagian mana yang belum jelas?").fill("Apa itu pendamping PPH?")
    other.get_by_role("button", name="Kirim, minta penjelasan ulang").click()
    other.get_by_text("Permohonan dibuka kembali").wait_for()
    assert "Sedang diproses" in other.content()
    context.close()

    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "diproses" and ticket.reopen_count == 1
    assert ticket.messages[-1].body_text == "Apa itu pendamping PPH?"
