"""What was typed is not lost (static/js/form-keep.js), in real Chromium: the citizen's
request and reply, and the staff answer, come back after a reload, a link followed by
mistake or a send that never left the phone; a send that reached the desk forgets them, as
does "Buang draf ini"; nothing is kept beyond the tab."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import Message, Ticket

from ..factories import gen_ticket
from ..support.staff import staff
from .test_board import PASSWORD, log_in

# The browser keeps the drafts; the desk's side of each send is covered on both databases by
# the citizen and staff path tests: one backend is enough here.
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

NOTE = "Teks yang belum terkirim dipulihkan dari tab ini."


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _fill(page, live_url: str) -> None:
    page.goto(live_url + "/permohonan?layanan=hki")
    page.get_by_label("Nama lengkap").fill("Rudi Hartono")
    page.get_by_label("Email").fill("rudi@example.com")
    page.get_by_label("Pengaduan").check()
    page.get_by_label("Perihal").fill("Merek untuk kopi bubuk")
    page.get_by_label("Pesan").fill("Bagaimana mendaftarkan merek kopi bubuk saya?\nTerima kasih.")
    page.get_by_label(re.compile("menyetujui pemrosesan data pribadi")).check()
    page.wait_for_timeout(400)  # the draft is written a moment after the typing stops


def _assert_filled(page) -> None:
    assert page.get_by_label("Nama lengkap").input_value() == "Rudi Hartono"
    assert page.get_by_label("Email").input_value() == "rudi@example.com"
    assert page.get_by_label("Pengaduan").is_checked()
    assert page.get_by_label("Perihal").input_value() == "Merek untuk kopi bubuk"
    assert page.get_by_label("Pesan").input_value() == (
        "Bagaimana mendaftarkan merek kopi bubuk saya?\nTerima kasih.")
    assert page.locator("#service").input_value() == "hki"


def test_a_reload_or_a_wrong_link_gives_the_request_back(live_url, phone_page):
    page = phone_page
    _fill(page, live_url)
    page.reload()
    page.get_by_text(NOTE).wait_for()
    _assert_filled(page)
    assert page.get_by_label(re.compile("menyetujui pemrosesan data pribadi")).is_checked()

    page.goto(live_url + "/")  # away, then to the form again in the same tab
    page.goto(live_url + "/permohonan?layanan=hki")
    page.get_by_text(NOTE).wait_for()
    _assert_filled(page)

    # discarded: the form as the page gives it, and nothing comes back after a reload
    page.get_by_role("button", name="Buang draf ini").click()
    assert page.get_by_label("Perihal").input_value() == ""
    assert not page.get_by_label("Pengaduan").is_checked()
    assert page.locator("#service").input_value() == "hki"
    assert page.get_by_text(NOTE).count() == 0
    page.reload()
    page.get_by_label("Perihal").wait_for()
    assert page.get_by_label("Perihal").input_value() == ""
    assert page.get_by_text(NOTE).count() == 0

    # never beyond the tab: another tab (or the next person) opens an empty form
    other = page.context.new_page()
    other.goto(live_url + "/permohonan")
    assert other.get_by_label("Perihal").input_value() == ""


def test_a_send_that_reached_the_desk_forgets_the_draft(live_url, phone_page):
    page = phone_page
    _fill(page, live_url)
    page.get_by_role("button", name="Kirim permohonan").click()
    page.get_by_role("heading", name="Permohonan Anda telah kami terima").wait_for()
    assert _count(Ticket) == 1
    page.goto(live_url + "/permohonan?layanan=hki")
    page.get_by_label("Perihal").wait_for()
    assert page.get_by_label("Perihal").input_value() == ""
    assert page.get_by_label("Pesan").input_value() == ""
    assert page.get_by_text(NOTE).count() == 0


def test_a_mistake_answered_by_the_desk_keeps_the_desks_copy(live_url, phone_page):
    """A send refused for a mistake comes back with what was sent (the server's copy); the
    draft does not overwrite it, nor bring back a value the citizen then changed."""
    page = phone_page
    _fill(page, live_url)
    page.get_by_label("Email").fill("bukan-email")
    page.get_by_role("button", name="Kirim permohonan").click()
    page.get_by_role("heading", name="Ada yang perlu diperbaiki").wait_for()
    assert page.get_by_label("Email").input_value() == "bukan-email"
    assert page.get_by_text(NOTE).count() == 0
    page.get_by_label("Email").fill("rudi@example.com")
    page.get_by_role("button", name="Kirim permohonan").click()
    page.get_by_role("heading", name="Permohonan Anda telah kami terima").wait_for()
    assert _count(Ticket) == 1


def test_a_send_with_no_signal_keeps_the_draft(live_url, phone_page):
    page = phone_page
    _fill(page, live_url)
    # nothing in flight when the signal goes (an aborted download would leave the test
    # server's file open: a ResourceWarning, an error under filterwarnings)
    page.wait_for_load_state("networkidle")
    page.context.set_offline(True)
    try:
        # Chromium's own error, whatever its name
        with pytest.raises(Exception), page.expect_navigation(timeout=5000):  # noqa: B017
            page.get_by_role("button", name="Kirim permohonan").click()
    finally:
        page.context.set_offline(False)
    page.goto(live_url + "/permohonan?layanan=hki")  # the form again, with signal
    page.get_by_text(NOTE).wait_for()
    _assert_filled(page)
    assert _count(Ticket) == 0
    page.get_by_role("button", name="Kirim permohonan").click()
    page.get_by_role("heading", name="Permohonan Anda telah kami terima").wait_for()
    assert _count(Ticket) == 1


def test_staff_answer_survives_a_wrong_click_and_goes_once_sent(app, desktop_page, live_url):
    now = datetime.now(UTC)
    user = staff(now - timedelta(days=3), "staf", "PUMK", password=PASSWORD)
    ticket = gen_ticket(now - timedelta(hours=2), subject="Halal keripik",
                        email="warga@example.com")
    code = ticket.code
    page = desktop_page
    log_in(page, live_url, user.email)
    page.goto(f"{live_url}/staf/tiket/{code}")
    answer = "Yth. Bapak, pendaftaran sertifikat halal gratis dibuka melalui SIHALAL."
    page.get_by_label("Jawaban untuk pemohon").fill(answer)
    page.locator("form[data-draft=catatan] textarea").fill("cek ke Kemenag")
    page.wait_for_timeout(400)
    page.get_by_role("link", name="Antrian").first.click()  # by mistake
    page.wait_for_url("**/staf/antrian**")
    # back to the ticket from the queue (a new page: Back may show the page as it was left,
    # from the browser's cache, typed text and all)
    page.locator(f"tr[data-code='{code}'] a").first.click()
    page.get_by_text(NOTE).first.wait_for()
    assert page.get_by_label("Jawaban untuk pemohon").input_value() == answer
    assert page.locator("form[data-draft=catatan] textarea").input_value() == "cek ke Kemenag"

    page.evaluate("location.hash = 'balas'")  # an address with a #fragment (never referred)
    page.get_by_role("button", name="Kirim jawaban").click()
    page.wait_for_url(re.compile(f"/staf/tiket/{code}$"))
    page.get_by_text(answer).first.wait_for()  # in the conversation now
    assert page.locator("form[data-draft=jawaban] textarea").input_value() == ""
    db.session.expire_all()
    sent = db.session.scalars(select(Message).where(Message.ticket_id == ticket.id,
                                                    Message.direction == "out")).all()
    assert [m.body_text for m in sent] == [answer]
    page.reload()
    assert page.locator("form[data-draft=jawaban] textarea").input_value() == ""


def test_an_answer_sent_after_the_staff_session_ended_is_back_after_logging_in(
        app, desktop_page, live_url):
    now = datetime.now(UTC)
    user = staff(now - timedelta(days=3), "staf", "PUMK", password=PASSWORD)
    ticket = gen_ticket(now - timedelta(hours=2), subject="Merek kopi", email="w@example.com")
    page = desktop_page
    log_in(page, live_url, user.email)
    page.goto(f"{live_url}/staf/tiket/{ticket.code}")
    answer = "Pendaftaran merek dilakukan daring melalui merek.dgip.go.id."
    page.get_by_label("Jawaban untuk pemohon").fill(answer)
    page.context.clear_cookies()  # the session ended while the answer was typed
    page.get_by_role("button", name="Kirim jawaban").click()
    page.get_by_text("Sesi Anda sudah berakhir").wait_for()
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(f"/staf/tiket/{ticket.code}"))
    page.get_by_text(NOTE).wait_for()
    assert page.get_by_label("Jawaban untuk pemohon").input_value() == answer
    assert _count(Message) == 1  # only the citizen's question: nothing was sent yet


def test_a_kept_choice_the_page_no_longer_offers_is_left_as_the_page_gives_it(live_url,
                                                                               phone_page):
    """A draft's service that was switched off since: the list keeps the page's own choice
    (never an empty, invalid one); the rest of the draft comes back."""
    page = phone_page
    page.goto(live_url + "/permohonan")
    page.evaluate("""() => sessionStorage.setItem("draft:/permohonan|", JSON.stringify({values: {
        "|service": {v: "layanan-yang-dihapus", b: ""},
        "|subject": {v: "Merek kopi", b: ""}}}))""")
    page.reload()
    page.get_by_text(NOTE).wait_for()
    assert page.get_by_label("Perihal").input_value() == "Merek kopi"
    assert page.locator("#service").input_value() == ""
    assert page.locator("#service").evaluate("el => el.selectedIndex") == 0
