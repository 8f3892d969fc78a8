"""The whole loop in real Chromium (issue 10): a citizen asks; staff ask back (waiting with a
question); the citizen answers on the tracking page; staff answer; the citizen says "Belum";
a second answer asks again; "Ya"; the survey. Each step the citizen must know reaches them
once by mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ticketing.domain.ikm import ELEMENT_KEYS
from ticketing.extensions import db
from ticketing.models import OutboxMail, SurveyResponse, Ticket
from ticketing.services.outbox import flush

from ..factories import gen_ticket
from ..support.staff import staff

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-kuat-1"


def mails_to_citizen(ticket_id: int) -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).where(
        OutboxMail.ticket_id == ticket_id, OutboxMail.recipient == "dewi@example.com")
        .order_by(OutboxMail.id)))


def current(ticket_id: int) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def staff_answers(page, live_url, code: str, text: str, status: str) -> None:
    page.goto(f"{live_url}/staf/tiket/{code}")
    page.get_by_label("Jawaban untuk pemohon").fill(text)
    page.get_by_label("Status setelah dijawab").select_option(status)
    page.get_by_role("button", name="Kirim jawaban").click()
    page.get_by_text("Jawaban terkirim ke dewi@example.com.").wait_for()


def test_question_waiting_reply_answer_belum_second_answer_ya_survey(
        app, live_url, desktop_page, phone_page, smtp_server):
    now = datetime.now(UTC)
    officer = staff(now, password=PASSWORD, name="Sari Petugas")
    ticket = gen_ticket(now - timedelta(minutes=5), name="Dewi Lestari", email="dewi@example.com",
                        subject="Sertifikat halal untuk pempek")
    code, ticket_id = ticket.code, ticket.id
    sent = len(mails_to_citizen(ticket_id))  # the acknowledgement

    staff_page = desktop_page
    staff_page.goto(live_url + "/masuk")
    staff_page.get_by_label("Email").fill(officer.email)
    staff_page.get_by_label("Kata sandi").fill(PASSWORD)
    staff_page.get_by_role("button", name="Masuk").click()
    staff_page.get_by_text("Selamat datang, Sari Petugas.").wait_for()

    # A bare "Selesai" is not offered: an answer is given by writing it.
    staff_page.goto(f"{live_url}/staf/tiket/{code}")
    options = staff_page.locator("#status-status option").all_inner_texts()
    assert "Selesai dijawab" not in options and "Menunggu pemohon" not in options

    # 1. Staff ask back: waiting, with the question, mailed once; the clock pauses.
    staff_answers(staff_page, live_url, code, "Mohon kirim nomor NIB usaha Ibu.",
                  "menunggu_pemohon")
    assert current(ticket_id).status == "menunggu_pemohon"
    assert current(ticket_id).due_dt is None
    new = mails_to_citizen(ticket_id)[sent:]
    assert len(new) == 1 and "Mohon kirim nomor NIB usaha Ibu." in new[0].body_text
    sent += 1

    # 2. The citizen sees the question prominently and answers on the page.
    citizen = phone_page
    citizen.goto(live_url + "/lacak")
    citizen.get_by_label("Kode pelacakan").fill(code)
    citizen.get_by_label("Email atau nomor telepon").fill("dewi@example.com")
    citizen.get_by_role("button", name="Lacak").click()
    waiting = citizen.get_by_test_id("waiting-question")
    waiting.wait_for()
    assert "Mohon kirim nomor NIB usaha Ibu." in waiting.inner_text()
    citizen.get_by_role("link", name="Kirim tanggapan").click()
    citizen.get_by_label("Balasan Anda").fill("NIB saya 1234567890123.")
    citizen.get_by_role("button", name="Kirim balasan").click()
    citizen.get_by_text("Balasan Anda telah terkirim.").wait_for()
    assert citizen.get_by_test_id("waiting-question").count() == 0
    assert current(ticket_id).status == "diproses"
    assert current(ticket_id).due_dt is not None  # the clock runs again
    assert len(mails_to_citizen(ticket_id)) == sent  # their own reply is not echoed

    # 3. Staff answer; the citizen is asked "sudah dipahami?" and says "Belum".
    staff_answers(staff_page, live_url, code, "Silakan daftar di SIHALAL jalur self declare.",
                  "selesai")
    assert current(ticket_id).first_response_dt is not None
    assert len(mails_to_citizen(ticket_id)) == sent + 1
    sent += 1
    citizen.reload()
    citizen.get_by_role("heading", name="Apakah jawaban ini sudah dapat dipahami?").wait_for()
    assert citizen.get_by_role("link", name="Isi survei kepuasan").count() == 0
    citizen.locator("summary", has_text="Belum").click()
    citizen.get_by_label("Bagian mana yang belum jelas?").fill("Apa itu self declare?")
    citizen.get_by_role("button", name="Kirim, minta penjelasan ulang").click()
    citizen.get_by_text("Permohonan dibuka kembali").wait_for()
    assert current(ticket_id).status == "diproses"
    assert citizen.get_by_role("link", name="Isi survei kepuasan").count() == 0

    # 4. A second answer asks the question again; this time "Ya".
    staff_answers(staff_page, live_url, code,
                  "Self declare: Ibu menyatakan sendiri kehalalan produk, didampingi PPH.",
                  "selesai")
    assert current(ticket_id).is_understood is None
    sent += 1
    citizen.reload()
    citizen.get_by_role("heading", name="Apakah jawaban ini sudah dapat dipahami?").wait_for()
    assert citizen.get_by_role("link", name="Isi survei kepuasan").count() == 0
    citizen.get_by_role("button", name="Ya, sudah dipahami").click()
    citizen.get_by_text("Terima kasih. Konfirmasi Anda telah kami catat.").wait_for()
    assert current(ticket_id).is_understood is True

    # 5. Now, and only now, the survey: on the page and once by mail.
    kinds = [m.kind for m in mails_to_citizen(ticket_id)[sent:]]
    assert kinds == ["survey_invitation"]
    citizen.get_by_role("link", name="Isi survei kepuasan").click()
    # the survey page first (locator.all() does not wait: on a slow run it read the tracking
    # page, checked nothing, and the post came back 422)
    items = citizen.locator("fieldset.survey-item")
    items.first.wait_for()
    assert items.count() == len(ELEMENT_KEYS)
    for fieldset in items.all():
        fieldset.locator("input[type=radio]").last.check()
    citizen.get_by_role("button", name="Kirim penilaian").click()
    citizen.get_by_text("Terima kasih").first.wait_for()
    assert db.session.scalar(select(SurveyResponse).where(
        SurveyResponse.ticket_id == ticket_id)) is not None

    # Every message reached the citizen's mailbox, once each.
    assert flush(datetime.now(UTC) + timedelta(seconds=5))["failed"] == 0
    subjects = [m.subject for m in smtp_server.to("dewi@example.com")]
    assert sum("Kami membutuhkan keterangan" in s for s in subjects) == 1
    assert sum("Jawaban atas permohonan" in s for s in subjects) == 2
    assert sum("survei" in s.lower() for s in subjects) == 1
