"""Issue 16 in real Chromium: the FAQ suggestion while typing, the honeypot and the minimum fill
time, code recovery and the timeline, and a phone-width staff ticket with its actions first."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import FaqFeedback, OutboxMail, Ticket
from ticketing.services.canned import seed_canned

from ..factories import gen_ticket
from ..support.staff import staff

pytestmark = pytest.mark.browser
PASSWORD = "kata-sandi-kuat-1"


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_typing_a_question_suggests_an_answer_that_can_be_marked_helpful(app, live_url,
                                                                         phone_page):
    seed_canned(datetime.now(UTC))
    db.session.commit()  # the live server reads through its own connection
    page = phone_page
    page.goto(live_url + "/permohonan?layanan=sertifikat-halal")
    page.get_by_label("Perihal").fill("Apa syarat dokumen sertifikat halal?")
    box = page.locator("#faq-suggest")
    box.get_by_role("heading", name="Mungkin ini jawabannya").wait_for()
    box.get_by_text("Syarat dokumen sertifikat halal").first.click()  # opens the answer
    assert box.get_by_text("SIHALAL").first.is_visible()
    box.get_by_role("button", name="Ya, membantu").first.click()
    box.get_by_text("Senang bisa membantu").wait_for()
    assert _count(FaqFeedback) == 1
    assert db.session.scalar(select(FaqFeedback.context)) == "form"
    assert _count(Ticket) == 0  # nothing was sent: the question was answered
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_question_written_over_several_lines_still_finds_its_answer(app, live_url,
                                                                      phone_page):
    """The lookup is one line: a message's line breaks are spaces in its query (a query
    parameter refuses them, and every multi-line message used to find nothing)."""
    seed_canned(datetime.now(UTC))
    db.session.commit()
    page = phone_page
    page.goto(live_url + "/permohonan?layanan=sertifikat-halal")
    page.get_by_label("Perihal").fill("Tanya")
    with page.expect_response(lambda r: "/api/v1/faq" in r.url and "syarat" in r.url) as found:
        page.get_by_label("Pesan").fill("Selamat pagi.\n\nApa syarat dokumen sertifikat halal?")
    assert found.value.status == 200
    page.locator("#faq-suggest").get_by_role("heading", name="Mungkin ini jawabannya").wait_for()


def test_a_bot_fast_form_is_held_and_a_person_sends_it_again(app, live_url, phone_page):
    app.config["FORM_MIN_FILL_SECONDS"] = 2
    page = phone_page
    # a bot: no time passes between the page and its post (the live server's clock, in this
    # process, stands still), however long a loaded machine takes to fill the fields
    opened = datetime.now(UTC)
    with time_machine.travel(opened, tick=False):
        page.goto(live_url + "/permohonan?layanan=hki")
        trap = page.locator("#website").bounding_box()
        assert trap is None or trap["x"] + trap["width"] <= 0  # people never see the honeypot
        page.get_by_label("Nama lengkap").fill("Rudi Hartono")
        page.get_by_label("Email").fill("rudi@example.com")
        page.get_by_label("Perihal").fill("Merek untuk kopi bubuk")
        page.get_by_label("Pesan").fill("Bagaimana mendaftarkan merek kopi bubuk saya?")
        page.get_by_label(re.compile("menyetujui pemrosesan data pribadi")).check()
        page.get_by_role("button", name="Kirim permohonan").click()
        summary = page.locator("#error-summary")
        summary.wait_for()
    assert "terlalu cepat" in summary.inner_text()
    from playwright.sync_api import expect

    expect(summary).to_be_focused()  # autofocus lands at a rendering update: wait for it
    assert page.get_by_label("Perihal").input_value() == "Merek untuk kopi bubuk"
    assert _count(Ticket) == 0
    # a person takes a while: the clock moves on 2.2 s from the page's opening instead of
    # the test waiting for it
    with time_machine.travel(opened + timedelta(seconds=2.2), tick=True):
        page.get_by_label(re.compile("menyetujui pemrosesan data pribadi")).check()
        page.get_by_role("button", name="Kirim permohonan").click()
        page.get_by_role("heading", name="Permohonan Anda telah kami terima").wait_for()
    assert _count(Ticket) == 1


def test_a_mistake_is_summarised_at_the_top_with_links_to_the_fields(live_url, phone_page):
    page = phone_page
    page.goto(live_url + "/permohonan")
    page.get_by_role("button", name="Kirim permohonan").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    from playwright.sync_api import expect

    expect(summary).to_be_focused()  # autofocus lands at a rendering update: wait for it
    summary.get_by_role("link", name=re.compile("^Perihal")).click()
    assert page.evaluate("location.hash") == "#subject"


def test_a_citizen_who_lost_the_code_gets_it_by_mail_and_reads_the_timeline(app, live_url,
                                                                          phone_page):
    ticket = gen_ticket(datetime.now(UTC), email="dewi@example.com")
    page = phone_page
    page.goto(live_url + "/lacak")
    page.get_by_role("link", name=re.compile("Lupa kode pelacakan")).click()
    page.get_by_label("Email atau nomor WhatsApp yang Anda pakai saat mengajukan").fill(
        "dewi@example.com")
    page.get_by_role("button", name="Kirim ulang kode saya").click()
    page.get_by_text("daftar kode").wait_for()
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "code_recovery"))
    link = re.search(r"http\S+/lacak/\S+", mail.body_text).group(0)
    assert ticket.code in link
    page.goto(link.replace(app.config["PUBLIC_BASE_URL"], live_url))
    timeline = page.locator("ol.timeline")
    assert "Permohonan diterima" in timeline.inner_text()
    assert "Batas waktu jawaban" in timeline.inner_text()


def test_on_a_phone_the_ticket_actions_are_on_the_first_screen(app, live_url, phone_page):
    now = datetime.now(UTC)
    user = staff(now, password=PASSWORD, name="Sari Petugas")
    ticket = gen_ticket(now, message="Panjang. " * 400)
    page = phone_page
    page.goto(live_url + "/masuk")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.goto(live_url + f"/staf/tiket/{ticket.code}")
    claim = page.get_by_role("button", name="Ambil tiket ini").bounding_box()
    assert claim is not None and claim["y"] + claim["height"] <= 740
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_switching_language_keeps_the_address_and_what_was_typed(live_url, phone_page):
    page = phone_page
    page.goto(live_url + "/permohonan?layanan=hki")
    page.get_by_label("Nama lengkap").fill("Sari Dewi")
    page.get_by_label("Perihal").fill("Merek kopi")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"layanan=hki.*lang=en"))
    assert page.get_by_label("Full name").input_value() == "Sari Dewi"
    assert page.get_by_label("Subject").input_value() == "Merek kopi"
    assert page.locator("#service").input_value() == "hki"


def test_a_chosen_file_survives_a_mistake(app, live_url, phone_page, tmp_path):
    from ticketing.models import Attachment

    from ..factories import PDF_BYTES

    pdf = tmp_path / "nib-usaha.pdf"
    pdf.write_bytes(PDF_BYTES)
    page = phone_page
    page.goto(live_url + "/permohonan?layanan=sertifikat-halal")
    page.get_by_label("Nama lengkap").fill("Dewi Lestari")
    page.get_by_label("Email").fill("dewi@example.com")
    page.get_by_label("Pesan").fill("Apakah keripik pisang bisa self declare?")
    page.get_by_label("Lampiran (opsional)").set_input_files(str(pdf))
    page.get_by_label(re.compile("menyetujui pemrosesan data pribadi")).check()
    page.get_by_role("button", name="Kirim permohonan").click()
    page.locator("#error-summary").wait_for()
    assert page.get_by_text("nib-usaha.pdf").is_visible()
    page.get_by_label("Perihal").fill("Halal keripik pisang")
    page.get_by_label(re.compile("menyetujui pemrosesan data pribadi")).check()
    page.get_by_role("button", name="Kirim permohonan").click()
    page.get_by_role("heading", name="Permohonan Anda telah kami terima").wait_for()
    db.session.expire_all()
    assert [a.filename for a in db.session.scalars(select(Attachment))] == ["nib-usaha.pdf"]


def _staff_login(page, live_url, user):
    page.goto(live_url + "/masuk")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/staf/**")


def test_staff_set_notification_preference_and_see_unread_news(app, live_url, desktop_page):
    from ticketing.services import staff_notify

    now = datetime.now(UTC)
    user = staff(now, password=PASSWORD, name="Sari Petugas")
    ticket = gen_ticket(now)
    staff_notify.run(now)
    page = desktop_page
    _staff_login(page, live_url, user)
    page.goto(live_url + "/staf/antrian")
    assert page.get_by_test_id("unread").count() == 1
    page.get_by_role("link", name=re.compile("^Pemberitahuan")).click()
    page.get_by_label("Ringkasan harian, pukul 07.30 WIB pada hari kerja").check()
    page.get_by_role("button", name="Simpan").click()
    page.get_by_text("Pengaturan pemberitahuan disimpan.").wait_for()
    db.session.expire_all()
    assert db.session.get(type(user), user.id).notify_pref == "ringkasan"
    page.get_by_role("link", name=re.compile(ticket.code)).click()
    page.goto(live_url + "/staf/antrian")
    assert page.get_by_test_id("unread").count() == 0


def test_a_ketua_tim_merges_a_duplicate(app, live_url, desktop_page):
    now = datetime.now(UTC)
    ketua = staff(now, "ketua_tim", password=PASSWORD, name="Ketua PUMK")
    keep = gen_ticket(now, subject="Syarat halal keripik")
    dup = gen_ticket(now, channel="email", subject="Tanya halal lagi")
    page = desktop_page
    _staff_login(page, live_url, ketua)
    page.goto(live_url + f"/staf/tiket/{dup.code}")
    page.get_by_text("Gabungkan (duplikat)…").click()
    page.get_by_label("Gabungkan ke tiket dengan kode").fill(keep.code)
    page.get_by_role("button", name="Gabungkan", exact=True).click()
    page.get_by_text(f"digabung ke {keep.code}").first.wait_for()
    assert page.url.endswith(f"/staf/tiket/{keep.code}")
    db.session.expire_all()
    assert db.session.get(Ticket, dup.id).status == "ditutup"


def _fill_request(page, live_url: str) -> None:
    """The request form opened and filled in, not sent."""
    page.goto(live_url + "/permohonan?layanan=hki")
    page.get_by_label("Nama lengkap").fill("Rudi Hartono")
    page.get_by_label("Email").fill("rudi@example.com")
    page.get_by_label("Perihal").fill("Merek untuk kopi bubuk")
    page.get_by_label("Pesan").fill("Bagaimana mendaftarkan merek kopi bubuk saya?")
    page.get_by_label(re.compile("menyetujui pemrosesan data pribadi")).check()


def test_a_form_sent_after_the_phone_lost_its_session_comes_back_and_goes_through(
        app, live_url, phone_page):
    """The browser was closed while the citizen typed (the session cookie, and the CSRF
    token's other half, are gone): the form comes back as typed, and sending it again works."""
    app.config["WTF_CSRF_ENABLED"] = True
    page = phone_page
    _fill_request(page, live_url)
    page.context.clear_cookies()
    page.get_by_role("button", name="Kirim permohonan").click()
    page.get_by_text("Formulir ini sudah kedaluwarsa").wait_for()
    assert page.get_by_label("Perihal").input_value() == "Merek untuk kopi bubuk"
    assert page.get_by_label("Pesan").input_value() == (
        "Bagaimana mendaftarkan merek kopi bubuk saya?")
    assert _count(Ticket) == 0
    page.get_by_role("button", name="Kirim permohonan").click()
    page.get_by_role("heading", name="Permohonan Anda telah kami terima").wait_for()
    assert _count(Ticket) == 1


def test_a_file_the_desk_would_refuse_is_caught_when_chosen(app, live_url, phone_page):
    """Too large a file, or too much together (a post over MAX_CONTENT_LENGTH is refused
    before its fields can be read): said beside the field, nothing sent, the text stays;
    smaller files then go through."""
    app.config.update(MAX_ATTACHMENT_BYTES=1024 * 1024, MAX_CONTENT_LENGTH=1024 * 1024 + 300_000)
    pdf = b"%PDF-1.4\n" + b"0" * 1000 + b"\n%%EOF\n"
    page = phone_page
    _fill_request(page, live_url)
    files = page.get_by_label("Lampiran (opsional)")
    files.set_input_files([{"name": "video.pdf", "mimeType": "application/pdf",
                            "buffer": pdf + b"0" * (1024 * 1024)}])
    note = page.locator("#attachments-limits")
    assert "video.pdf lebih besar dari 1 MB" in note.inner_text()
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST"
            and request.url.endswith("/permohonan") else None)
    page.get_by_role("button", name="Kirim permohonan").click()
    assert page.evaluate("document.activeElement.id") == "attachments"
    assert posts == [] and _count(Ticket) == 0  # nothing was sent
    assert page.get_by_label("Perihal").input_value() == "Merek untuk kopi bubuk"
    half = pdf + b"0" * (600 * 1024)
    files.set_input_files([{"name": f"scan{i}.pdf", "mimeType": "application/pdf",
                            "buffer": half} for i in range(2)])
    assert "terlalu besar untuk dikirim sekaligus" in note.inner_text()
    files.set_input_files([{"name": "nib.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    assert not note.is_visible()
    page.get_by_role("button", name="Kirim permohonan").click()
    page.get_by_role("heading", name="Permohonan Anda telah kami terima").wait_for()
    assert _count(Ticket) == 1
