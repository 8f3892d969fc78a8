"""Spam protection on the public form: honeypot, minimum fill time, a limit that only counts
accepted requests, and a 429 that keeps what the citizen typed (issue 16, item 2)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine

from ticketing.models import Ticket

from .test_public import count, form_data

T0 = datetime(2026, 12, 23, 3, 0, tzinfo=UTC)


def _started(html: str) -> str:
    return re.search(r'name="started" type="hidden" value="([^"]*)"', html).group(1)


def _enable_rate_limit(app):
    from ticketing.extensions import limiter

    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)


def test_the_honeypot_holds_the_request_back_and_keeps_the_input(client):
    response = client.post("/permohonan", data=form_data(website="http://spam.example"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert count(Ticket) == 0
    assert "terlalu cepat" in html
    assert 'value="Budi Santoso"' in html and "merek untuk usaha kerupuk" in html
    assert "spam.example" not in html  # the trap is emptied for a person who sends again


def test_a_held_back_request_also_shows_its_mistakes_beside_the_fields(client):
    response = client.post("/permohonan", data=form_data(website="http://spam.example",
                                                         email="bukan-email", subject="ab"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and count(Ticket) == 0
    assert "terlalu cepat" in html
    assert 'id="email-error">Alamat email tidak valid.' in html
    assert 'id="subject-error">Perihal 3 sampai 200 karakter.' in html


def test_the_honeypot_is_hidden_from_people_and_assistive_technology(client):
    html = client.get("/permohonan").get_data(as_text=True)
    trap = re.search(r'<div class="hp" aria-hidden="true">.*?</div>', html, re.S).group(0)
    assert 'tabindex="-1"' in trap and 'autocomplete="off"' in trap


def test_a_form_sent_faster_than_a_person_types_comes_back_then_goes_through(app, client):
    app.config["FORM_MIN_FILL_SECONDS"] = 3
    with time_machine.travel(T0, tick=False):
        started = _started(client.get("/permohonan").get_data(as_text=True))
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        response = client.post("/permohonan", data=form_data(started=started))
    assert response.status_code == 422 and count(Ticket) == 0
    html = response.get_data(as_text=True)
    assert "terlalu cepat" in html and 'value="Budi Santoso"' in html
    assert _started(html) == started  # the clock keeps running from when the form was shown
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        response = client.post("/permohonan", data=form_data(started=_started(html)))
    assert response.status_code == 303 and count(Ticket) == 1


def test_a_missing_or_forged_start_stamp_counts_as_automated(app, client):
    app.config["FORM_MIN_FILL_SECONDS"] = 3
    assert client.post("/permohonan", data=form_data()).status_code == 422
    assert client.post("/permohonan", data=form_data(started="MTIz.forged")).status_code == 422
    assert count(Ticket) == 0


def test_mistyped_submissions_do_not_use_up_the_intake_limit(app):
    _enable_rate_limit(app)
    client = app.test_client()
    for i in range(5):  # the limit is 3 per minute; mistakes are not counted
        assert client.post("/permohonan", data=form_data(subject="", submission_key=f"bad{i}")
                           ).status_code == 422
    assert client.post("/permohonan", data=form_data(submission_key="good")).status_code == 303
    assert count(Ticket) == 1


def test_over_the_limit_the_form_comes_back_in_indonesian_with_the_input(app):
    _enable_rate_limit(app)
    client = app.test_client()
    for i in range(3):
        assert client.post("/permohonan", data=form_data(submission_key=f"k{i}")
                           ).status_code == 303
    response = client.post("/permohonan", data=form_data(
        submission_key="k4", subject="Pertanyaan keempat saya"))
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and count(Ticket) == 3
    assert "tunggu sekitar 1 menit" in html
    assert 'value="Pertanyaan keempat saya"' in html
    assert "per 1 minute" not in html


def test_the_429_page_is_never_flask_limiters_english(app):
    _enable_rate_limit(app)
    client = app.test_client()
    for _ in range(4):
        response = client.post("/lacak", data={"code": "ABCD-EFGH", "contact": "x@example.com"})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Terlalu banyak permintaan" in html and "per 1 minute" not in html


def test_the_error_summary_links_every_field_and_takes_focus(client):
    response = client.post("/permohonan", data=form_data(name="", subject="", consent=""))
    html = response.get_data(as_text=True)
    summary = re.search(r'<div class="alert alert-error error-summary".*?</div>', html,
                        re.S).group(0)
    assert "autofocus" in summary and 'tabindex="-1"' in summary
    for anchor in ("#name", "#subject", "#consent"):
        assert f'href="{anchor}"' in summary
