"""The English catalogue is complete and the committed .mo matches the .po."""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parents[1] / "ticketing" / "translations" / "en" / "LC_MESSAGES"


def test_every_message_is_translated_and_compiled():
    with open(CATALOG / "messages.po", "rb") as handle:
        po = read_po(handle)
    missing = [m.id for m in po if m.id and not m.string]
    assert missing == []
    with open(CATALOG / "messages.mo", "rb") as handle:
        mo = gettext.GNUTranslations(handle)
    stale = [m.id for m in po if m.id and mo.gettext(m.id) != m.string]
    assert stale == [], "run `make translations` and commit messages.mo"


def test_english_pages_are_in_english(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Submit a request" in html or "Submit request" in html
    assert "Ajukan permohonan" not in html
    from flask_babel import refresh

    # The choice sticks for the session; ?lang=id switches back. (The test's app context
    # outlives requests here, so Flask-Babel's per-context cache is cleared between them.)
    refresh()
    assert '<html lang="en">' in client.get("/lacak").get_data(as_text=True)
    refresh()
    assert "Ajukan permohonan" in client.get("/?lang=id").get_data(as_text=True)


def test_form_messages_are_indonesian_and_read_once_per_process(app):
    """WTForms' own messages (a choice that is not offered): Indonesian by default, English
    on request, its catalogue read once per locale, not searched for on disk per request."""
    from flask_babel import refresh

    from ticketing.forms.staff import OralRequestForm
    from ticketing.i18n import _wtforms_catalogue

    expected = {"id": "Pilihan tidak valid.", "en": "Not a valid choice."}
    for lang in ("id", "en", "id", "en"):
        with app.test_request_context(f"/?lang={lang}", method="POST"):
            refresh()  # the test's app context outlives each request's locale
            form = OralRequestForm(formdata=None)
            form.process(data={"channel": "tidak-ada"})
            assert not form.validate()
            assert form.channel.errors == [expected[lang]]
    assert _wtforms_catalogue.cache_info().currsize == 1
    assert _wtforms_catalogue.cache_info().hits >= 1
