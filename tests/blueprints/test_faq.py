"""Published answers: FAQ page, service page, suggestions API, 'this helped' counts (issue 16,
item 1), and links and previews in conversations (item 5)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ticketing.blueprints.textfilters import linkify
from ticketing.extensions import db
from ticketing.models import CannedAnswer, FaqFeedback
from ticketing.services.canned import seed_canned

from ..factories import PDF_BYTES, gen_ticket, upload
from ..support.staff import StaffClient, login, staff


@pytest.fixture
def seeded(app, now):
    seed_canned(now)
    return {c.title: c for c in db.session.scalars(select(CannedAnswer))}


def test_the_faq_page_lists_published_answers_without_greeting_or_placeholders(client, seeded):
    html = client.get("/tanya-jawab").get_data(as_text=True)
    assert "Syarat dokumen sertifikat halal" in html
    assert "{nama}" not in html and "{kode}" not in html and "Yth." not in html
    assert '<a href="https://ptsp.halal.go.id"' in html  # addresses are links


def test_an_unpublished_answer_is_never_shown_or_counted(client, seeded, now):
    hidden = seeded["Meminta kelengkapan data"]
    hidden.is_public = False
    db.session.commit()
    assert "Meminta kelengkapan data" not in client.get("/tanya-jawab").get_data(as_text=True)
    assert client.post(f"/tanya-jawab/{hidden.id}/nilai", data={"helpful": "ya"}
                       ).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(FaqFeedback)) == 0


def test_search_finds_by_words_and_says_when_nothing_matches(client, seeded):
    html = client.get("/tanya-jawab?q=daftar+merek+dagang").get_data(as_text=True)
    titles = re.findall(r"<summary>([^<]+)</summary>", html)
    assert titles[0] == "Pendaftaran merek (DJKI)"
    empty = client.get("/tanya-jawab?q=zzzqqq").get_data(as_text=True)
    assert "Tidak ada jawaban yang cocok" in empty and "Ajukan pertanyaan Anda" in empty


def test_a_service_page_shows_its_questions(client, seeded):
    html = client.get("/layanan/hki").get_data(as_text=True)
    assert "Pertanyaan yang sering diajukan" in html and "Hak cipta (e-Hak Cipta)" in html
    assert "Syarat dokumen sertifikat halal" not in html


def test_the_suggestion_api_ranks_by_shared_words_within_the_chosen_service(client, seeded):
    found = client.get("/api/v1/faq?q=syarat+dokumen+halal&service=sertifikat-halal").get_json()
    assert found[0]["title"] == "Syarat dokumen sertifikat halal"
    assert all(e["service"] in ("sertifikat-halal", None) for e in found)
    assert found[0]["vote_url"].endswith(f"/tanya-jawab/{found[0]['id']}/nilai")
    assert client.get("/api/v1/faq?q=").get_json() == []


def test_a_helpful_vote_is_counted_and_shown_to_the_ketua_tim(app, client, seeded, now):
    answer = seeded["Pendaftaran merek (DJKI)"]
    response = client.post(f"/tanya-jawab/{answer.id}/nilai",
                           data={"helpful": "ya", "context": "form"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 201
    back = client.post(f"/tanya-jawab/{answer.id}/nilai",
                       data={"helpful": "ya", "next": "//evil.example/"})
    assert back.status_code == 303 and back.headers["Location"] == "/tanya-jawab"
    assert client.post(f"/tanya-jawab/{answer.id}/nilai", data={"helpful": "maybe"},
                       headers={"Accept": "application/json"}).status_code == 422
    votes = db.session.scalars(select(FaqFeedback)).all()
    assert [(v.is_helpful, v.context) for v in votes] == [(True, "form"), (True, "faq")]
    app.test_client_class = StaffClient
    ketua = app.test_client()
    login(ketua, staff(now, "ketua_tim"))
    listing = ketua.get("/staf/jawaban-siap/").get_data(as_text=True)
    row = re.search(r"Pendaftaran merek \(DJKI\).*?</tr>", listing, re.S).group(0)
    assert "2 kali" in row and "1 saat mengisi formulir" in row


def test_the_ketua_tim_publishes_an_answer(app, client, now, seeded):
    app.test_client_class = StaffClient
    ketua = app.test_client()
    login(ketua, staff(now, "ketua_tim"))
    response = ketua.post("/staf/jawaban-siap/baru", data={
        "service": "sertifikat-halal", "title": "Biaya sertifikat halal reguler",
        "body": "Tarif reguler ditetapkan BPJPH: lihat https://bpjph.halal.go.id",
        "is_active": "y", "is_public": "y"})
    assert response.status_code == 303
    assert "Biaya sertifikat halal reguler" in client.get("/tanya-jawab").get_data(as_text=True)


def test_the_request_form_carries_the_suggestion_box(client):
    html = client.get("/permohonan").get_data(as_text=True)
    assert 'id="faq-suggest"' in html and "faq-suggest.js" in html


@pytest.mark.parametrize("text,expected", [
    ("lihat https://oss.go.id.", ('<a href="https://oss.go.id" rel="noopener noreferrer nofollow '
                                  'ugc" target="_blank">https://oss.go.id</a>.')),
    ("<b>www.halal.go.id</b>", '&lt;b&gt;<a href="https://www.halal.go.id"'),
    ("javascript:alert(1)", "javascript:alert(1)"),
    ('https://x.y/"onmouseover=alert(1)', 'href="https://x.y/" rel='),
    ("a&b https://x.y/?a=1&b=2 c", 'href="https://x.y/?a=1&amp;b=2"'),
])
def test_links_are_made_safely(text, expected):
    assert expected in str(linkify(text))
    assert "<b>" not in str(linkify(text))


def test_images_and_pdfs_preview_inline_in_a_sandbox_and_download_otherwise(client, now):
    ticket = gen_ticket(now, uploads=[upload("nib.pdf", PDF_BYTES)])
    client.post("/lacak", data={"code": ticket.code, "contact": ticket.requester_email})
    page = client.get(f"/lacak/{ticket.code}").get_data(as_text=True)
    preview = re.search(r'href="(/lacak/[^"]+lihat=1)"', page).group(1).replace("&amp;", "&")
    shown = client.get(preview)
    assert shown.status_code == 200 and shown.data == PDF_BYTES
    assert "inline" in shown.headers["Content-Disposition"]
    assert shown.headers["Content-Security-Policy"].startswith("sandbox")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    download = client.get(preview.split("?")[0])
    assert "attachment" in download.headers["Content-Disposition"]
    shown.close()
    download.close()


def test_a_citizen_message_link_is_clickable_on_the_staff_page(app, client, now):
    ticket = gen_ticket(now, message="Sudah saya cek di https://oss.go.id tapi gagal <script>")
    app.test_client_class = StaffClient
    staff_client = app.test_client()
    login(staff_client, staff(now))
    html = staff_client.get(f"/staf/tiket/{ticket.code}").get_data(as_text=True)
    assert '<a href="https://oss.go.id" rel="noopener noreferrer nofollow ugc"' in html
    assert "<script>" not in html.split("<main", 1)[1]


def test_votes_and_suggestions_are_limited_per_address(app, seeded):
    """Flask-Limiter's per-route limits, checked by their decorators (its check of every
    request is out: ratelimit.checks_in_decorators_only): 30 votes and 120 suggestions a
    minute per address, then 429 in Indonesian (JSON on the API)."""
    from ticketing.extensions import limiter

    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    limiter.init_app(app)
    client = app.test_client()
    answer = seeded["Pendaftaran merek (DJKI)"]
    votes = [client.post(f"/tanya-jawab/{answer.id}/nilai", data={"helpful": "ya"},
                         headers={"Accept": "application/json"}).status_code
             for _ in range(31)]
    assert votes == [201] * 30 + [429]
    assert db.session.scalar(select(func.count(FaqFeedback.id))) == 30
    asked = [client.get("/api/v1/faq?q=merek").status_code for _ in range(121)]
    assert asked == [200] * 120 + [429]
    assert client.get("/api/v1/faq?q=merek").get_json()["error"] == "Terlalu banyak permintaan"
