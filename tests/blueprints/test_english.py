"""English mode is complete where the interface speaks, and admins give the service texts
in English (issue 16, item 7)."""

from __future__ import annotations

import re

from flask_babel import refresh

from ticketing.extensions import db
from ticketing.models import Service


def english(client, path: str) -> str:
    refresh()  # the test's app context outlives requests: drop Flask-Babel's cached locale
    html = client.get(path).get_data(as_text=True)
    refresh()
    return html


def test_day_names_and_component_titles_follow_the_language(client):
    client.get("/?lang=en")
    home = english(client, "/")
    assert "Monday–Thursday" in home and "Senin" not in home
    page = english(client, "/layanan/hki")
    assert "Requirements" in page and "<h3>Persyaratan</h3>" not in page
    refresh()
    assert "<h3>Persyaratan</h3>" in client.get("/layanan/hki?lang=id").get_data(as_text=True)


def test_periods_are_worded_in_english(client):
    html = english(client, "/kinerja?periode=2026-Q4&lang=en")
    assert "Quarter IV 2026" in html and "December 2026" in html
    assert "Triwulan IV 2026" not in html


def test_the_language_switch_keeps_the_address_and_its_query(client):
    html = english(client, "/tanya-jawab?q=merek&layanan=hki")
    link = re.search(r'<a href="([^"]+)" lang="en"', html).group(1).replace("&amp;", "&")
    assert link.startswith("/tanya-jawab?") and "q=merek" in link and "layanan=hki" in link
    assert link.endswith("lang=en")


def test_an_admin_enters_english_service_texts_shown_only_in_english(admin_client):
    from ticketing.services.catalogue import COMPONENT_KEYS

    service = db.session.scalar(select_service("hki"))
    form = {"name": service.name, "summary": service.summary, "is_active": "y",
            **{f"c_{c['key']}": c["body"] for c in service.components},
            "en_name": "Intellectual Property (IPR) Information", "en_fee": "Free",
            "en_c_persyaratan": "An ID card and a description of the business."}
    response = admin_client.post("/admin/layanan/hki", data=form)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select_service("hki")).translations["en"]["fee"] == "Free"
    english(admin_client, "/?lang=en")
    page = english(admin_client, "/layanan/hki")
    assert "Intellectual Property (IPR) Information" in page
    assert "An ID card and a description of the business." in page
    home = english(admin_client, "/")
    assert "· Free" in home
    refresh()
    official = admin_client.get("/layanan/hki?lang=id").get_data(as_text=True)
    assert "Informasi Hak Kekayaan Intelektual" in official and "An ID card" not in official
    assert len(COMPONENT_KEYS) == 14


def select_service(slug: str):
    from sqlalchemy import select

    return select(Service).where(Service.slug == slug)


def test_template_translations_follow_a_locale_change_within_a_request(app):
    """The templates' gettext keeps the request's translations on `g` (one lookup per
    request, not per string), keyed by the locale: a forced locale still switches."""
    from flask import render_template_string
    from flask_babel import force_locale

    source = "{{ _('Keluar') }}"
    with app.test_request_context("/?lang=id"):
        assert render_template_string(source) == "Keluar"
        with force_locale("en"):
            assert render_template_string(source) == "Sign out"
        assert render_template_string(source) == "Keluar"
