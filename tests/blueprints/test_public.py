"""The citizen's site through the Flask test client (CSRF on where it matters)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import lxml.html
import pytest
import time_machine
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import Attachment, Message, OutboxMail, Ticket
from ticketing.services import intake

from ..factories import EXE_BYTES, PDF_BYTES, gen_ticket, say_and_set
from ..support.sql import recorded_sql

WED_10 = datetime(2026, 12, 23, 3, 0, tzinfo=UTC)


def form_data(**overrides):
    data = {
        "name": "Budi Santoso",
        "email": "budi@example.com",
        "phone": "",
        "type": "informasi",
        "service": "hki",
        "subject": "Pendaftaran merek dagang",
        "message": "Bagaimana cara mendaftarkan merek untuk usaha kerupuk saya?",
        "consent": "y",
        "submission_key": "key-1",
    }
    data.update(overrides)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_home_lists_units_services_hours_and_complaint_email(client):
    html = client.get("/").get_data(as_text=True)
    assert "Bidang Pemberdayaan Usaha Mikro Kecil" in html
    assert "Bidang Kelembagaan dan Pengawasan Koperasi" in html
    assert "Informasi Sertifikasi Halal" in html
    assert "diskopukm2020@gmail.com" in html
    assert "Senin–Kamis" in html and "07.30–16.00 WIB" in html and "07.30–16.30 WIB" in html
    assert "Gratis" in html


@pytest.mark.parametrize("slug,days,staff", [
    ("sertifikat-halal", "± 1 hari kerja", "8 orang staf"),
    ("rekomendasi-izin-koperasi", "± 2 hari kerja", "3 orang staf"),
])
def test_service_page_publishes_all_14_components(client, slug, days, staff):
    html = client.get(f"/layanan/{slug}").get_data(as_text=True)
    for title in ("Persyaratan", "Sistem, Mekanisme dan Prosedur", "Jangka Waktu Pelayanan",
                  "Biaya/Tarif", "Produk Pelayanan", "Penanganan Pengaduan, Saran dan Masukan",
                  "Dasar Hukum", "Sarana dan Prasarana", "Kompetensi Pelaksana",
                  "Pengawasan Internal", "Jumlah Pelaksana", "Jaminan Pelayanan",
                  "Jaminan Keamanan dan Keselamatan Pelayanan", "Evaluasi Kinerja Pelaksana"):
        assert title in html, title
    assert html.count('<li id="') == 14
    assert days in html and staff in html
    assert "3 (tiga) bulan sekali" in html


def test_unknown_service_is_an_indonesian_404(client):
    response = client.get("/layanan/tidak-ada")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_submit_redirects_to_confirmation_with_code_and_due_words(client):
    with time_machine.travel(WED_10, tick=False):
        response = client.post("/permohonan", data=form_data())
        assert response.status_code == 303
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.code in page
    assert "paling lambat" in page and "Senin, 28 Desember 2026 pukul 10.00 WIB" in page
    assert ticket.channel == "web" and ticket.service.slug == "hki"
    assert ticket.consent_dt is not None
    assert count(OutboxMail) == 1


def test_every_field_error_is_shown_and_input_kept(client):
    response = client.post("/permohonan", data=form_data(
        name="", email="bukan-email", type="", service="", subject="", message="pendek",
        consent=""))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in ("Nama wajib diisi.", "Alamat email tidak valid.", "Pilih jenis permohonan.",
                    "Pilih layanan yang dituju.", "Perihal wajib diisi.",
                    "Pesan 10 sampai 10.000 karakter.",
                    "Persetujuan pemrosesan data pribadi diperlukan."):
        assert message in html, message
    assert 'value="bukan-email"' in html and "pendek</textarea>" in html
    assert count(Ticket) == 0


def test_email_or_phone_required(client):
    html = client.post("/permohonan", data=form_data(email="", phone="")).get_data(as_text=True)
    assert "Isi email atau nomor telepon/WhatsApp agar kami dapat menjawab." in html
    # Shown beside the field even when other fields are wrong too.
    html = client.post("/permohonan", data=form_data(email="", phone="", name="")).get_data(
        as_text=True)
    assert 'id="email-error">Isi email atau nomor telepon/WhatsApp' in html
    assert count(Ticket) == 0
    response = client.post("/permohonan", data=form_data(email="", phone="0812 3456 7890"))
    assert response.status_code == 303
    assert db.session.scalars(select(Ticket)).one().requester_phone == "6281234567890"


def test_disguised_upload_is_refused_with_message_and_nothing_stored(client):
    data = form_data()
    data["attachments"] = [(io.BytesIO(EXE_BYTES), "surat.pdf")]
    response = client.post("/permohonan", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "bukan PDF, JPG, PNG atau DOCX yang sah" in response.get_data(as_text=True)
    assert count(Ticket) == 0 and count(Attachment) == 0


def test_upload_is_stored_and_downloadable_by_requester_only(client, app):
    data = form_data()
    data["attachments"] = [(io.BytesIO(PDF_BYTES), "ktp saya.pdf")]
    response = client.post("/permohonan", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    attachment = db.session.scalars(select(Attachment)).one()
    ticket = attachment.message.ticket
    url = f"/lacak/{ticket.code}/lampiran/{attachment.id}"
    download = client.get(url)
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    stranger = app.test_client()
    assert stranger.get(url).status_code == 302  # back to the tracking form


def test_script_in_text_is_shown_escaped(client):
    payload = "<script>alert('x')</script>"
    response = client.post("/permohonan", data=form_data(subject=payload,
                                                         message=payload + " tolong dibantu"))
    ticket = db.session.scalars(select(Ticket)).one()
    html = client.get(f"/lacak/{ticket.code}").get_data(as_text=True)
    assert response.status_code == 303
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_double_submit_creates_one_ticket(client):
    first = client.post("/permohonan", data=form_data())
    second = client.post("/permohonan", data=form_data())
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Ticket) == 1


def test_a_browsers_request_asks_nothing_before_its_insert(client):
    """Every browser sends its form's submission key: it is not looked up before the insert
    (one round trip less per request); the unique index turns a repeat away, and the
    repeat still lands on the first request's confirmation, with nothing written twice."""
    client.post("/permohonan", data=form_data(submission_key="pemanasan"))  # caches filled
    with recorded_sql() as seen:
        first = client.post("/permohonan", data=form_data(submission_key="kunci-baru"))
    assert first.status_code == 303
    statements = [statement for statement, _ in seen]
    assert not any(s.startswith("SELECT") for s in statements), statements
    with recorded_sql() as repeat:
        again = client.post("/permohonan", data=form_data(submission_key="kunci-baru"))
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert [s for s, _ in repeat if s.startswith("SELECT")]  # the first one's ticket, found
    assert count(Ticket) == 2 and count(Message) == 2 and count(OutboxMail) == 2


def test_tracking_same_answer_for_unknown_code_and_wrong_email(client, now):
    ticket = gen_ticket(now)
    wrong_email = client.post("/lacak", data={"code": ticket.code, "contact": "x@example.com"})
    unknown = client.post("/lacak", data={"code": "ZZZZ-ZZZZ", "contact": "siti@example.com"})
    assert wrong_email.status_code == unknown.status_code == 422
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(wrong_email) == strip(unknown)
    ok = client.post("/lacak", data={"code": ticket.code.lower(), "contact": "SITI@example.com"})
    assert ok.status_code == 303 and ok.headers["Location"].endswith(f"/lacak/{ticket.code}")


def test_tracking_code_field_types_capitals_on_a_phone(client):
    """A phone's keyboard starts the code in capitals and does not 'correct' it (the code
    is accepted in any case: above)."""
    page = lxml.html.fromstring(client.get("/lacak").data)
    code = page.get_element_by_id("code")
    assert code.get("autocapitalize") == "characters"
    assert code.get("spellcheck") == "false"
    assert code.get("autocomplete") == "off"


def test_ticket_page_needs_proof(client, now):
    ticket = gen_ticket(now)
    response = client.get(f"/lacak/{ticket.code}")
    assert response.status_code == 302 and "/lacak?kode=" in response.headers["Location"]


def test_signed_link_from_mail_opens_ticket(client, now, app):
    ticket = gen_ticket(now)
    link = intake.tracking_url(ticket)
    path = link.split("localhost", 1)[1]
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == f"/lacak/{ticket.code}"
    assert ticket.subject in client.get(f"/lacak/{ticket.code}").get_data(as_text=True)
    forged = app.test_client().get(f"/lacak/{ticket.code}?t=forged")
    assert forged.status_code == 302 and "kode=" in forged.headers["Location"]


def _open(client, ticket):
    client.post("/lacak", data={"code": ticket.code, "contact": ticket.requester_email})


def test_citizen_reply_with_attachment(client, now):
    ticket = gen_ticket(now)
    _open(client, ticket)
    response = client.post(f"/lacak/{ticket.code}/balas", data={
        "body": "Tambahan: usaha saya di Kecamatan Ilir Timur",
        "attachments": [(io.BytesIO(PDF_BYTES), "nib.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(f"/lacak/{ticket.code}").get_data(as_text=True)
    assert "Balasan Anda telah terkirim." in page
    assert "Ilir Timur" in page and "nib.pdf" in page


def test_the_reply_form_says_its_file_limits_to_the_browser(client, app, now):
    """static/js/file-limits.js reads them (exercised in Chromium on the request form)."""
    ticket = gen_ticket(now)
    _open(client, ticket)
    html = client.get(f"/lacak/{ticket.code}").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="attachments"[^>]*>', html).group(0)
    assert f'data-max-bytes="{app.config["MAX_ATTACHMENT_BYTES"]}"' in field
    assert 'data-max-files="5"' in field and "lebih besar dari 10 MB" in field
    assert "js/file-limits.js" in html


def test_answer_question_and_belum_reopens(client, now):
    ticket = gen_ticket(now)
    say_and_set(ticket, "selesai", now, actor_label="test")
    db.session.commit()
    _open(client, ticket)
    page = client.get(f"/lacak/{ticket.code}").get_data(as_text=True)
    assert "Apakah jawaban ini sudah dapat dipahami?" in page
    empty = client.post(f"/lacak/{ticket.code}/konfirmasi", data={"understood": "belum",
                                                                   "comment": ""})
    assert empty.status_code == 422
    assert "Tuliskan bagian mana yang belum dipahami." in empty.get_data(as_text=True)
    response = client.post(f"/lacak/{ticket.code}/konfirmasi",
                           data={"understood": "belum", "comment": "Syarat NIB belum jelas"})
    assert response.status_code == 303
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "diproses" and ticket.reopen_count == 1
    assert ticket.messages[-1].body_text == "Syarat NIB belum jelas"


def test_internal_notes_are_not_shown_to_citizen(client, now):
    from ticketing.models import Message

    ticket = gen_ticket(now)
    ticket.messages.append(Message(direction="note", author_name="Staf",
                                   body_text="RAHASIA internal", created_dt=now))
    db.session.commit()
    _open(client, ticket)
    assert "RAHASIA" not in client.get(f"/lacak/{ticket.code}").get_data(as_text=True)


def test_english_switch(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Bahasa Indonesia" in html  # the way back


def test_csrf_is_enforced_when_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/permohonan", data=form_data())
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in response.get_data(as_text=True)
    assert count(Ticket) == 0
    page = client.get("/permohonan").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/permohonan", data=form_data(csrf_token=token))
    assert response.status_code == 303


def test_intake_is_rate_limited(app):
    app.config["RATELIMIT_ENABLED"] = True
    from ticketing.extensions import limiter

    limiter.init_app(app)  # pick up the changed setting
    client = app.test_client()
    responses = [client.post("/permohonan", data=form_data(submission_key=f"k{i}"))
                 for i in range(5)]
    statuses = [response.status_code for response in responses]
    assert statuses[:3] == [303, 303, 303]
    assert statuses[3] == 429
    assert count(Ticket) == 3
    refused, accepted = responses[3], responses[0]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60  # the minute's limit was reached
    assert (refused.headers["X-RateLimit-Limit"], refused.headers["X-RateLimit-Remaining"]) \
        == ("3", "0")
    assert "Retry-After" not in accepted.headers and "X-RateLimit-Limit" not in accepted.headers


def test_citizen_cannot_download_notes_refused_or_other_tickets_files(client, now, app):
    from ticketing.models import Message
    from ticketing.services.intake import attach_files

    from ..factories import upload

    mine, other = gen_ticket(now), gen_ticket(now, email="lain@example.com")
    note = Message(direction="note", author_name="Staf", body_text="internal", created_dt=now)
    mine.messages.append(note)
    db.session.flush()
    attach_files(note, [upload("catatan.pdf", PDF_BYTES)], now)
    attach_files(mine.messages[0], [upload("virus.pdf", EXE_BYTES)], now, keep_refused=True)
    attach_files(other.messages[0], [upload("milik-lain.pdf", PDF_BYTES)], now)
    db.session.commit()
    by_name = {a.filename: a.id for a in db.session.scalars(select(Attachment))}
    _open(client, mine)
    for name in ("catatan.pdf", "virus.pdf", "milik-lain.pdf"):
        response = client.get(f"/lacak/{mine.code}/lampiran/{by_name[name]}")
        assert response.status_code == 404, name
