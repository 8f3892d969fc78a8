"""The request's field rules (forms.request_fields): the posted form and the API are checked
by them without building a form, and the page's form validates and draws with the same rules."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from ticketing.forms import request_fields
from ticketing.forms.public import RequestForm
from ticketing.services import catalogue

GOOD = {"name": "Siti Aminah", "email": "siti@example.com", "phone": "", "type": "pengaduan",
        "service": "hki", "subject": "Merek dagang", "consent": "y",
        "message": "Bagaimana cara mendaftarkan merek untuk usaha kecil?"}

#: one case per way a field can be refused, and the edges that are accepted
CASES = [
    {},
    {"name": ""}, {"name": "   "}, {"name": "x" * 200}, {"name": "x" * 201},
    {"name": "Siti\nAminah"}, {"name": "Siti\x07"},
    {"email": "bukan-email"}, {"email": "a@b"}, {"email": " siti@example.com "},
    {"email": "user@[127.0.0.1]"}, {"email": "ü@exämple.com"}, {"email": "x" * 250 + "@a.id"},
    {"email": "", "phone": ""}, {"email": "  ", "phone": " "}, {"email": "", "phone": "0812"},
    {"email": "", "phone": "0812 3456 7890"}, {"phone": "+62 (812) 3456-7890"},
    {"phone": "0812-abc-7890"}, {"phone": "1" * 21},
    {"type": ""}, {"type": "lain"}, {"type": "saran"}, {"type": None},
    {"service": ""}, {"service": "tidak-ada"}, {"service": None},
    {"subject": "ab"}, {"subject": " ab "}, {"subject": "abc"}, {"subject": "x" * 201},
    {"message": "pendek"}, {"message": "  sepuluh huruf  "}, {"message": "x" * 10001},
    {"message": "baris satu\r\nbaris dua\rtiga"}, {"message": "tab\tdi dalam pesan"},
    {"message": "ada\x00NUL di dalam"}, {"consent": ""}, {"consent": None},
    {"consent": "false"}, {"consent": "ya"},
    {"name": "", "email": "x", "type": "", "service": "", "subject": "", "message": "pendek",
     "consent": ""},
]


def _posted(change: dict) -> MultiDict:
    values = {**GOOD, **change}
    return MultiDict({k: v for k, v in values.items() if v is not None})


@pytest.mark.parametrize("change", CASES)
def test_check_gives_what_the_page_form_gives(app, change):
    """The fast check and the page's WTForms form are one rule set: same verdict, same first
    message per field, same cleaned values."""
    posted = _posted(change)
    with app.test_request_context("/permohonan", method="POST", data=posted):
        values, errors = request_fields.check(posted, catalogue.active_slugs(), consent=True)
        form = RequestForm()
        form.service.choices = [(s.slug, s.name) for s in catalogue.active_services()]
        ok = form.validate()
        form_errors = {name: str(messages[0]) for name, messages in form.errors.items()
                       if messages}
        assert ok == (not errors)
        assert form_errors == errors
        for name in request_fields.RULES:
            assert values[name] == form[name].data, name
        assert values["consent"] is form.consent.data


def test_check_refuses_each_class_of_mistake(app):
    with app.test_request_context("/"):
        slugs = catalogue.active_slugs()
        _, errors = request_fields.check(_posted({}), slugs, consent=True)
        assert errors == {}
        _, errors = request_fields.check(_posted(CASES[-1]), slugs, consent=True)
        assert errors == {
            "name": "Nama wajib diisi.", "email": "Alamat email tidak valid.",
            "type": "Pilih jenis permohonan.", "service": "Pilih layanan yang dituju.",
            "subject": "Perihal wajib diisi.", "message": "Pesan 10 sampai 10.000 karakter.",
            "consent": "Persetujuan pemrosesan data pribadi diperlukan."}
        _, errors = request_fields.check(_posted({"email": "", "phone": ""}), slugs)
        assert errors == {
            "email": "Isi email atau nomor telepon/WhatsApp agar kami dapat menjawab."}
        values, errors = request_fields.check(_posted({"message": " a\r\nb\rc  d e f g "}),
                                              slugs)
        assert errors == {} and values["message"] == "a\nb\nc  d e f g"
        # the API's values: no consent field, and a missing type is not the form's default
        _, errors = request_fields.check({**GOOD, "type": ""}, slugs)
        assert errors == {"type": "Pilih jenis permohonan."}


def test_messages_follow_the_page_language(app):
    from flask_babel import refresh

    with app.test_request_context("/?lang=en"):
        refresh()
        _, errors = request_fields.check(_posted({"subject": "ab"}), catalogue.active_slugs())
    assert errors == {"subject": "Subject must be 3 to 200 characters."}


def test_the_page_draws_its_marks_from_the_rules(client):
    html = client.get("/permohonan").get_data(as_text=True)
    # required fields carry the * and `required`; lengths become maxlength/minlength
    assert 'maxlength="200" minlength="3" name="subject" required' in html
    assert 'maxlength="10000" minlength="10" name="message" required' in html
    assert 'id="email" inputmode="email" maxlength="254" name="email" type="email"' in html
    assert 'name="phone" type="tel"' in html and 'name="phone" required' not in html
