"""The survey pages: the signed link works once and only for its ticket; the kiosk needs
a logged-in staff member of the ticket's unit."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from ticketing.domain.ikm import ELEMENT_KEYS
from ticketing.extensions import db
from ticketing.models import OutboxMail, SurveyResponse, Ticket
from ticketing.services import intake, survey
from ticketing.services.transaction import run

from ..factories import gen_ticket, say_and_set
from ..support.staff import login, staff


def confirmed(now, **kw) -> Ticket:
    ticket = gen_ticket(now, **kw)
    say_and_set(ticket, "selesai", now + timedelta(hours=1))
    db.session.commit()
    run(intake.confirm_understanding, ticket, True, "", now + timedelta(hours=2))
    return ticket


def mailed_link(ticket: Ticket) -> str:
    body = db.session.scalar(select(OutboxMail.body_text).where(
        OutboxMail.ticket_id == ticket.id, OutboxMail.kind == "survey_invitation"))
    return re.search(r"http://localhost(/survei/\S+)", body).group(1)


def form(score: int = 4, comment: str = "", **override) -> dict:
    data = {key: str(score) for key in ELEMENT_KEYS} | override
    data["comment"] = comment
    return data


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyResponse))


def test_the_mailed_link_opens_the_form_and_works_once(client, app, now):
    ticket = confirmed(now)
    link = mailed_link(ticket)
    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # nine unsur, and the optional respondent profile
    assert html.count('type="radio"') == 36 and html.count("<fieldset") == 10
    assert "kesesuaian persyaratan pelayanan" in html and ticket.code in html
    assert "Siti" not in html  # no personal data on the page
    token = link.split("?t=")[1]
    sent = client.post(f"/survei/{ticket.code}", data=form(3, "Mantap") | {"t": token})
    assert sent.status_code == 303 and sent.location.endswith("/terima-kasih")
    assert count() == 1
    saved = db.session.scalar(select(SurveyResponse))
    assert saved.scores == (3,) * 9 and saved.comment == "Mantap" and saved.channel == "tautan"

    again = client.post(f"/survei/{ticket.code}", data=form(1) | {"t": token})
    assert again.status_code == 409
    assert "sudah diisi" in again.get_data(as_text=True)
    assert "hanya dapat dinilai satu kali" in again.get_data(as_text=True)
    assert count() == 1 and db.session.scalar(select(SurveyResponse.persyaratan)) == 3
    reopened = client.get(link)
    assert reopened.status_code == 200 and "sudah diisi" in reopened.get_data(as_text=True)
    assert 'type="radio"' not in reopened.get_data(as_text=True)


def test_a_link_works_only_for_its_ticket(client, app, now):
    mine = confirmed(now)
    other = confirmed(now, email="lain@example.com")
    token = mailed_link(mine).split("?t=")[1]
    for url in (f"/survei/{other.code}?t={token}", f"/survei/{mine.code}?t={token[:-2]}xx",
                f"/survei/{mine.code}", "/survei/ZZZZ-ZZZZ?t=" + token):
        page = client.get(url)
        assert page.status_code == 404, url
        assert "tidak valid" in page.get_data(as_text=True)
    posted = client.post(f"/survei/{other.code}", data=form() | {"t": token})
    assert posted.status_code == 404 and count() == 0


def test_an_old_link_has_expired(client, app, now):
    ticket = confirmed(now)
    link = mailed_link(ticket)
    with time_machine.travel(now + timedelta(days=survey.LINK_MAX_AGE_DAYS + 1), tick=False):
        page = client.get(link)
    assert page.status_code == 410 and "kedaluwarsa" in page.get_data(as_text=True)


def test_missing_answers_are_shown_in_indonesian(client, app, now):
    ticket = confirmed(now)
    token = mailed_link(ticket).split("?t=")[1]
    data = form(4) | {"t": token}
    del data["waktu"]
    data["biaya"] = "9"
    page = client.post(f"/survei/{ticket.code}", data=data)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Pilih salah satu nilai" in html and "unsur biaya/tarif" in html
    assert count() == 0


def test_tracking_page_invites_and_then_thanks(client, app, now):
    ticket = gen_ticket(now)
    with client.session_transaction() as session:
        session["tracked"] = [ticket.code]
    assert "Isi survei kepuasan" not in client.get(f"/lacak/{ticket.code}").get_data(as_text=True)
    say_and_set(ticket, "selesai", now + timedelta(hours=1))
    db.session.commit()
    confirm = client.post(f"/lacak/{ticket.code}/konfirmasi", data={"understood": "ya"})
    assert confirm.status_code == 303
    html = client.get(f"/lacak/{ticket.code}").get_data(as_text=True)
    assert "Isi survei kepuasan" in html
    href = re.search(r'href="(/survei/[^"]+)"', html).group(1).replace("&amp;", "&")
    assert client.get(href).status_code == 200
    token = href.split("t=")[1]
    assert client.post(f"/survei/{ticket.code}", data=form() | {"t": token}).status_code == 303
    html = client.get(f"/lacak/{ticket.code}").get_data(as_text=True)
    assert "sudah mengisi survei" in html and "Isi survei kepuasan" not in html


def test_kiosk_for_a_walk_in_on_a_staff_tablet(client, app, now):
    ticket = gen_ticket(now, channel="lisan", email=None, phone="0812 1234 5678")
    page = client.get(f"/staf/survei/{ticket.code}")
    assert page.status_code == 302 and "/masuk" in page.location  # staff only
    user = staff(now, "staf", "PUMK")
    login(client, user)
    waiting = client.get(f"/staf/survei/{ticket.code}")
    assert waiting.status_code == 409 and "setelah permohonan" in waiting.get_data(as_text=True)
    say_and_set(ticket, "selesai", now + timedelta(minutes=10), actor=user)
    db.session.commit()
    page = client.get(f"/staf/survei/{ticket.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "survey-kiosk" in html
    assert "Antrian" not in html  # the citizen holding the tablet sees no staff menu
    done = client.post(f"/staf/survei/{ticket.code}", data=form(2))
    assert done.status_code == 303
    saved = db.session.scalar(select(SurveyResponse))
    assert saved.channel == "kios" and saved.kiosk_user_id == user.id
    assert client.post(f"/staf/survei/{ticket.code}", data=form(4)).status_code == 409
    assert count() == 1


def test_kiosk_is_refused_to_another_units_staff(client, app, now):
    ticket = gen_ticket(now)
    say_and_set(ticket, "selesai", now + timedelta(hours=1))
    db.session.commit()
    login(client, staff(now, "staf", "KELEMBAGAAN"))
    assert client.get(f"/staf/survei/{ticket.code}").status_code == 403
    assert client.post(f"/staf/survei/{ticket.code}", data=form()).status_code == 403
    assert count() == 0


def test_kiosk_starts_from_the_ticket_code(client, app, now):
    ticket = gen_ticket(now)
    login(client, staff(now, "staf", "PUMK"))
    start = client.get("/staf/survei")
    assert start.status_code == 200 and 'name="kode"' in start.get_data(as_text=True)
    typed = ticket.code.lower().replace("-", " ")
    jump = client.get(f"/staf/survei?kode={typed}")
    assert jump.status_code == 302 and jump.location.endswith(f"/staf/survei/{ticket.code}")
    wrong = client.get("/staf/survei?kode=123")
    assert wrong.status_code == 422 and "tidak dikenal" in wrong.get_data(as_text=True)
    assert 'href="/staf/survei"' in client.get("/staf/antrian").get_data(as_text=True)
