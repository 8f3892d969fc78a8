"""A mail that says nothing in its subject (empty, a bare "Fwd:", "(no subject)", a greeting)
becomes a request staff can triage from the queue: its subject is the one its text gives (a letter's
"Perihal:", else its first line past the salutation), else its files' names; the
acknowledgement repeats it. On both ways a new mail request is written (through the ORM,
and the rows straight through the connection)."""

from __future__ import annotations

from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from ticketing.services import mail_actions
from ticketing.services.mail_ingest import ingest_raw

from ..factories import PDF_BYTES
from ..support.mail import OUR_ADDRESS, build_mail, mail_app, outbox_to, ticket  # noqa: F401

pytestmark = pytest.mark.usefixtures("mail_app")

LETTER = """Kepada Yth.
Kepala Dinas Koperasi dan UKM Kota Palembang
di Tempat

Dengan hormat,
Kami pengurus Koperasi Maju Bersama ingin menanyakan syarat rekomendasi izin koperasi.

Terima kasih.
Sent from my iPhone"""


@pytest.fixture(params=["rows", "orm"])
def path(request, monkeypatch):
    monkeypatch.setattr(mail_actions, "_without_orm", lambda _parsed: request.param == "rows")
    return request.param


def _request(raw: bytes, now, address: str):
    result = ingest_raw(raw, now, source="imap")
    assert result.action == "created", result.reason
    t = ticket(result.ticket)
    [ack] = outbox_to(address)
    return t, ack


@pytest.mark.parametrize("subject", ["", "Fwd:", "(no subject)", "Re: ", "Selamat pagi"])
def test_a_letter_without_a_subject_is_named_by_its_first_words(now, path, subject):
    raw = build_mail(sender="Siti <siti.aminah@yahoo.co.id>", subject=subject, body=LETTER)
    t, ack = _request(raw, now, "siti.aminah@yahoo.co.id")
    assert t.subject == ("Kami pengurus Koperasi Maju Bersama ingin menanyakan syarat "
                         "rekomendasi izin koperasi.")
    assert t.unit.code == "KELEMBAGAAN"  # routed by the same words
    assert t.messages[0].body_text.startswith("Kepada Yth.")  # the text itself is untouched
    assert ack.subject.endswith(f"Permohonan Anda telah kami terima: {t.subject}")


def test_a_letters_perihal_line_is_its_subject(now, path):
    raw = build_mail(sender="Budi <budi@example.com>", subject="",
                     body="Nomor : 03/KUB/XII/2026\nLampiran : -\nPerihal : Pendaftaran merek "
                          "kopi bubuk\n\n" + LETTER)
    t, _ack = _request(raw, now, "budi@example.com")
    assert t.subject == "Pendaftaran merek kopi bubuk"


def test_only_a_file_is_named_by_the_file(now, path):
    raw = build_mail(sender="Rina <rina@example.com>", subject="", body="Sent from my iPhone",
                     attachments=[("surat permohonan.pdf", "application/pdf", PDF_BYTES)])
    t, ack = _request(raw, now, "rina@example.com")
    assert t.subject == "Lampiran: surat permohonan.pdf"
    assert [a.filename for a in t.messages[0].attachments] == ["surat permohonan.pdf"]
    assert "Lampiran: surat permohonan.pdf" in ack.subject


def test_a_forward_with_no_words_takes_the_forwarded_subject(now, path):
    original = MIMEText("Bagaimana cara mendaftar sertifikat halal gratis?", "plain", "utf-8")
    original["From"], original["Subject"] = "Pak Rudi <rudi@example.com>", "Sertifikat halal"
    forward = MIMEMultipart("mixed", _subparts=[MIMEText("", "plain", "utf-8"),
                                                MIMEMessage(original)])
    forward["From"], forward["To"] = "Sinta <sinta@example.com>", OUR_ADDRESS
    forward["Subject"], forward["Message-ID"] = "Fwd:", "<fw-empty@example.com>"
    t, _ack = _request(forward.as_bytes(), now, "sinta@example.com")
    assert t.subject == "Sertifikat halal"


def test_a_greeting_alone_stays_when_the_text_says_no_more(now, path):
    raw = build_mail(sender="Tono <tono@example.com>", subject="Halo min", body="Dengan hormat,")
    t, _ack = _request(raw, now, "tono@example.com")
    assert t.subject == "Halo min"


def test_nothing_at_all_is_still_a_request(now, path):
    raw = build_mail(sender="Anon <anon@example.com>", subject="", body="\n")
    t, ack = _request(raw, now, "anon@example.com")
    assert t.subject == "(tanpa subjek)"
    assert ack.subject.endswith("Permohonan Anda telah kami terima: (tanpa subjek)")


def test_a_subject_that_says_something_is_kept(now, path):
    raw = build_mail(sender="Dewi <dewi@example.com>", subject="Re: halal",
                     body="Kepada Yth.\nBapak/Ibu\nSaya mau tanya sertifikat halal.")
    t, _ack = _request(raw, now, "dewi@example.com")
    assert t.subject == "Re: halal"


def test_a_file_the_sender_did_not_choose_does_not_name_the_request(now, path):
    """A signature part is not the sender's file: with nothing else, no subject."""
    signature = MIMEApplication(b"0\x82", "pkcs7-signature")
    signature.add_header("Content-Disposition", "attachment", filename="smime.p7s")
    mail = MIMEMultipart("signed", _subparts=[MIMEText("", "plain", "utf-8"), signature])
    mail["From"], mail["To"] = "Eko <eko@example.com>", OUR_ADDRESS
    mail["Subject"], mail["Message-ID"] = "", "<signed-empty@example.com>"
    t, _ack = _request(mail.as_bytes(), now, "eko@example.com")
    assert t.subject == "(tanpa subjek)"
