"""A form sent after its browser session was gone (CSRF fails: a phone that closed the browser
and restored the tab, a deployment with a new key) loses nothing: the page comes back with
what was typed and a fresh token, or, where the view has no page to show, the text to copy.
Another site's post is never written back into our pages."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from flask import g
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import Message, OutboxMail, SurveyResponse, Ticket

from ..factories import PDF_BYTES, gen_ticket, say_and_set
from ..support.staff import login, staff
from .test_public import form_data
from .test_survey import confirmed, mailed_link
from .test_survey import form as survey_form

SITE = {"Origin": "http://localhost"}
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
EXPIRED = "Formulir ini sudah kedaluwarsa"


@pytest.fixture
def csrf(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _stale_token(app, path: str = "/permohonan") -> str:
    """A token from a session that is gone: the page was opened by another browser session.
    (Flask-WTF keeps a request's token in `g`, which in these tests outlives the request:
    it is dropped, as a new request would.)"""
    token = TOKEN.search(app.test_client().get(path).get_data(as_text=True)).group(1)
    g.pop("csrf_token", None)
    return token


def _given_back(response, *typed: str) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert EXPIRED in html and "Isian Anda masih ada di bawah" in html
    for text in typed:
        assert text in html, text
    return html


def test_the_request_form_comes_back_as_typed_and_goes_through_on_the_next_send(csrf):
    client = csrf.test_client()  # a browser whose session cookie is gone
    typed = form_data(subject="Izin usaha kerupuk", submission_key="k1",
                      message="Bagaimana cara mengurus sertifikat halal untuk kerupuk kemplang?")
    html = _given_back(client.post("/permohonan", headers=SITE, data={
        **typed, "csrf_token": _stale_token(csrf),
        "attachments": [(io.BytesIO(PDF_BYTES), "nib.pdf")]}, content_type="multipart/form-data"),
        'value="Izin usaha kerupuk"', "sertifikat halal untuk kerupuk kemplang",
        'value="Budi Santoso"', "Lampiran yang tadi dipilih perlu dipilih lagi")
    assert _count(Ticket) == 0
    fresh = TOKEN.search(html).group(1)
    again = client.post("/permohonan", headers=SITE, data={**typed, "csrf_token": fresh})
    assert again.status_code == 303
    assert db.session.scalar(select(Ticket.subject)) == "Izin usaha kerupuk"


def test_tracking_and_code_recovery_come_back_as_typed(csrf):
    client = csrf.test_client()
    _given_back(client.post("/lacak", headers=SITE, data={
        "code": "ABCD-EFGH", "contact": "siti.rahma@example.com",
        "csrf_token": _stale_token(csrf, "/lacak")}),
        'value="ABCD-EFGH"', 'value="siti.rahma@example.com"')
    mails = _count(OutboxMail)
    _given_back(client.post("/lacak/kirim-ulang", headers=SITE, data={
        "contact": "0812 3456 7890", "csrf_token": "kedaluwarsa"}), 'value="0812 3456 7890"')
    assert _count(OutboxMail) == mails


def test_a_reply_comes_back_on_the_tracking_page_while_the_request_is_still_this_browsers(
        csrf, now):
    ticket = gen_ticket(now)
    client = csrf.test_client()
    with client.session_transaction() as session:
        session["tracked"] = [ticket.code]
    messages = _count(Message)
    html = _given_back(client.post(f"/lacak/{ticket.code}/balas", headers=SITE, data={
        "body": "Tambahan: usaha saya di <b>Ilir Timur</b>", "csrf_token": "lama"}),
        "Tambahan: usaha saya di &lt;b&gt;Ilir Timur&lt;/b&gt;")
    assert ticket.subject in html
    assert _count(Message) == messages


def test_without_a_page_to_show_the_text_comes_back_to_copy(csrf, now):
    """The session and the proof of the request with it are gone: the reply is on the
    error page, to copy; the machinery of the form (its token) is not."""
    ticket = gen_ticket(now)
    response = csrf.test_client().post(f"/lacak/{ticket.code}/balas", headers=SITE, data={
        "body": "Mohon dibantu, saya sudah menunggu seminggu.", "csrf_token": "lama-sekali"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Isian yang belum terkirim" in html
    assert re.search(r"<textarea[^>]*readonly>Mohon dibantu, saya sudah menunggu seminggu\."
                     r"</textarea>", html)
    assert "lama-sekali" not in html
    assert ticket.subject not in html  # nothing of the request itself


def test_a_survey_comes_back_with_its_answers(csrf, now):
    ticket = confirmed(now)
    path = mailed_link(ticket)
    response = csrf.test_client().post(path, headers=SITE, data={
        **survey_form(2, "Petugas ramah, tapi lambat"), "csrf_token": "lama"})
    _given_back(response, "Petugas ramah, tapi lambat")
    assert _count(SurveyResponse) == 0


def test_a_login_comes_back_with_the_email_and_never_the_password(csrf, now):
    user = staff(now)
    response = csrf.test_client().post("/masuk", headers=SITE, data={
        "email": user.email, "password": "rahasia-sekali-123", "csrf_token": "lama"})
    html = _given_back(response, f'value="{user.email}"')
    assert "rahasia-sekali-123" not in html


def test_a_staff_answer_comes_back_to_copy_never_a_password(csrf, now):
    ticket = gen_ticket(now)
    user = staff(now)
    client = csrf.test_client()
    login(client, user)
    response = client.post(f"/staf/tiket/{ticket.code}/balas", headers=SITE, data={
        "reply-body": "Untuk sertifikat halal gratis, daftar lewat SIHALAL.",
        "reply-status": "selesai", "reply-password": "tidak-boleh-tampil",
        "csrf_token": "lama"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Untuk sertifikat halal gratis, daftar lewat SIHALAL." in html
    assert "tidak-boleh-tampil" not in html and ">selesai<" not in html


@pytest.mark.parametrize("headers", [
    {"Origin": "https://situs-lain.example"},
    {"Referer": "https://situs-lain.example/jebakan.html"},
    {},
], ids=["other-origin", "other-referer", "no-origin"])
def test_another_sites_post_is_never_written_back(csrf, headers):
    response = csrf.test_client().post("/permohonan", headers=headers, data=form_data(
        subject="Hubungi 0812-0000 untuk klaim hadiah", csrf_token=_stale_token(csrf)))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Formulir kedaluwarsa. Muat ulang halaman lalu kirim kembali." in html
    assert "klaim hadiah" not in html and "Budi Santoso" not in html
    assert _count(Ticket) == 0


def test_an_answer_sent_after_the_staff_session_ended_comes_back_on_the_login_page(app, now):
    """Idle past SESSION_IDLE_MINUTES while typing: the login page at once, the answer to
    copy, and back to the ticket after logging in; nothing stored meanwhile."""
    app.config.update(SESSION_IDLE_MINUTES=120)
    ticket = gen_ticket(now)
    user = staff(now, password="kata-sandi-kuat-1")
    client = app.test_client()
    with time_machine.travel(now, tick=False) as clock:
        assert client.post("/masuk", data={"email": user.email,
                                           "password": "kata-sandi-kuat-1"}).status_code == 303
        clock.move_to(now + timedelta(minutes=121))
        messages = _count(Message)
        page = f"/staf/tiket/{ticket.code}"
        response = client.post(f"{page}/balas", headers={
            **SITE, "Referer": f"http://localhost{page}"}, data={
            "reply-body": "Untuk sertifikat halal gratis, daftar lewat SIHALAL.",
            "reply-status": "selesai"})
        html = response.get_data(as_text=True)
        assert response.status_code == 401
        assert "Sesi Anda sudah berakhir" in html
        assert re.search(r"<textarea[^>]*readonly>Untuk sertifikat halal gratis, daftar lewat "
                         r"SIHALAL\.</textarea>", html)
        assert 'action="/masuk"' in html and f'name="next" type="hidden" value="{page}"' in html
        assert _count(Message) == messages
        # a page asked for (not a form sent) still goes to the login page as before
        assert client.get(page).status_code == 302
        back = client.post("/masuk", data={"email": user.email, "password": "kata-sandi-kuat-1",
                                           "next": page})
        assert back.status_code == 303 and back.headers["Location"] == page


def test_a_belum_comment_comes_back_while_the_answer_awaits_confirmation(csrf, now):
    ticket = gen_ticket(now)
    say_and_set(ticket, "selesai", now)
    db.session.commit()
    client = csrf.test_client()
    with client.session_transaction() as session:
        session["tracked"] = [ticket.code]
    html = _given_back(client.post(f"/lacak/{ticket.code}/konfirmasi", headers=SITE, data={
        "understood": "belum", "comment": "Syarat NIB-nya belum jelas bagi saya.",
        "csrf_token": "lama"}), "Syarat NIB-nya belum jelas bagi saya.")
    assert "<details open" in html  # the "Belum" box is open with the comment in it
    db.session.refresh(ticket)
    assert ticket.status == "selesai" and ticket.is_understood is None
