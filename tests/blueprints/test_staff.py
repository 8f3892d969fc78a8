"""The staff workspace through the Flask test client: login, queue, ticket page, actions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import AuditEntry, CannedAnswer, Message, OutboxMail, Ticket, User
from ticketing.services import tickets as svc
from ticketing.services.canned import seed_canned
from ticketing.services.transaction import run

from ..factories import PDF_BYTES, gen_ticket, upload
from ..support.sql import recorded_sql
from ..support.staff import StaffClient, login, staff

PASSWORD = "kata-sandi-kuat-1"


@pytest.fixture(autouse=True)
def _fresh_user_per_request(app):
    app.test_client_class = StaffClient


def text(response) -> str:
    return response.get_data(as_text=True)


def fresh(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def token_of(html: str, name: str = "csrf_token") -> str:
    return re.search(rf'name="[\w-]*{name}"[^>]*value="([^"]+)"', html).group(1)


# ------------------------------------------------------------------ login

def test_staff_pages_need_login(client):
    response = client.get("/staf/antrian")
    assert response.status_code == 302
    assert "/masuk?next=%2Fstaf%2Fantrian" in response.headers["Location"]
    assert client.get("/staf/tiket/AAAA-BBBB").status_code == 302


def test_login_logout_flow(client, now):
    user = staff(now, password=PASSWORD, name="Ani")
    response = client.post("/masuk", data={"email": user.email, "password": "salah"})
    assert response.status_code == 401
    assert "Email atau kata sandi salah." in text(response)
    response = client.post("/masuk", data={"email": user.email, "password": PASSWORD,
                                           "next": "/staf/lisan"})
    assert response.status_code == 303 and response.headers["Location"] == "/staf/lisan"
    page = client.get("/staf/antrian")
    assert page.status_code == 200 and "Selamat datang, Ani." in text(page)
    assert client.post("/keluar").status_code == 303
    assert client.get("/staf/antrian").status_code == 302


def test_login_never_redirects_off_site(client, now):
    user = staff(now, password=PASSWORD)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/masuk", data={"email": user.email, "password": PASSWORD,
                                               "next": target})
        assert response.headers["Location"] == "/staf/antrian", target
        client.post("/keluar")


def test_lockout_message_after_repeated_failures(client, app, now):
    app.config["LOGIN_MAX_FAILURES"] = 2
    user = staff(now, password=PASSWORD)
    client.post("/masuk", data={"email": user.email, "password": "x1"})
    response = client.post("/masuk", data={"email": user.email, "password": "x2"})
    assert "Terlalu banyak percobaan masuk" in text(response)
    response = client.post("/masuk", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_login_post_is_rate_limited_per_address(app, now):
    app.config["RATELIMIT_ENABLED"] = True
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    from ticketing.extensions import limiter

    limiter.init_app(app)
    client = app.test_client()
    responses = [client.post("/masuk", data={"email": f"x{i}@example.go.id",
                                             "password": f"rahasia-{i}"})
                 for i in range(4)]
    assert [r.status_code for r in responses] == [401, 401, 401, 429]
    # the form again: the email typed, never the password, and the wait in words
    html = responses[3].get_data(as_text=True)
    assert 'value="x3@example.go.id"' in html and "rahasia-3" not in html
    assert "tunggu sekitar 1 menit" in html
    assert client.get("/masuk").status_code == 200  # only the POST is limited


def test_password_reset_and_deactivation_end_open_sessions(client, now):
    user = staff(now)
    login(client, user)
    assert client.get("/staf/antrian").status_code == 200
    user.session_epoch += 1  # what a password reset does
    db.session.commit()
    assert client.get("/staf/antrian").status_code == 302
    login(client, db.session.get(User, user.id))
    user.is_active_account = False
    db.session.commit()
    assert client.get("/staf/antrian").status_code == 302


def test_change_own_password_keeps_this_session(client, now):
    user = staff(now, password=PASSWORD)
    login(client, user)
    response = client.post("/akun/sandi", data={"current": PASSWORD, "new": "sandi-baru-123",
                                                "confirm": "sandi-baru-123"})
    assert response.status_code == 303
    page = client.get("/akun")
    assert "Kata sandi diubah" in text(page)
    response = client.post("/akun/sandi", data={"current": "sandi-baru-123", "new": "a",
                                                "confirm": "b"})
    assert response.status_code == 422 and "tidak sama" in text(response)


def test_test_accounts_hold_no_bare_number_a_password_could_contain(app, now):
    """The test above once failed when the account counter reached 123: "Staf PUMK 123"
    made "sandi-baru-123" a password holding the person's name (password_problem looks
    for every piece of three or more characters). The accounts tests make carry no bare
    number, at any count."""
    user = staff(now)
    for piece in (*re.split(r"[^a-z0-9]+", user.email.split("@")[0]), *user.name.split()):
        assert not piece.isdigit(), (user.email, user.name)


def test_token_created_shown_once_and_revoked_from_account_page(client, now):
    user = staff(now)
    login(client, user)
    page = text(client.post("/akun/token"))
    token = re.search(r'data-testid="new-token">([^<]+)<', page).group(1)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200
    assert token not in text(client.get("/akun"))  # never shown again
    token_id = db.session.scalar(select(func.max(User.id)))  # noqa: F841 - just a query
    from ticketing.models import ApiToken

    record = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert client.post(f"/akun/token/{record.id}/cabut").status_code == 303
    assert client.get("/api/v1/tickets", headers=headers).status_code == 401


# ------------------------------------------------------------------ queue

def test_queue_lists_unit_tickets_with_time_left_and_filters(client, now):
    user = staff(now)
    late = gen_ticket(now - timedelta(days=5), subject="Sudah lama menunggu")
    fresh_ = gen_ticket(now, subject="Pertanyaan <b>HKI</b>", service="hki")
    other = gen_ticket(now, service="rekomendasi-izin-koperasi", subject="Koperasi lain")
    login(client, user)
    html = text(client.get("/staf/antrian"))
    assert late.code in html and fresh_.code in html and other.code not in html
    assert html.index(late.code) < html.index(fresh_.code)  # most urgent first
    assert 'class="tl tl-late"' in html and "terlambat" in html
    assert "Pertanyaan &lt;b&gt;HKI&lt;/b&gt;" in html  # escaped
    html = text(client.get("/staf/antrian?layanan=hki"))
    assert fresh_.code in html and late.code not in html
    html = text(client.get("/staf/antrian?terlambat=y"))
    assert late.code in html and fresh_.code not in html
    html = text(client.get("/staf/antrian?q=tidak-ada-yang-cocok"))
    assert "Tidak ada tiket yang cocok." in html


def test_the_queue_reads_its_units_staff_once_without_counting_their_tickets(client, now):
    """The filter's and the bulk bar's lists of staff need names only: one read of the unit's
    staff, no count of each one's open tickets (a scan per person at a million requests)."""
    lead = staff(now, "ketua_tim", name="Ketua Tim Pumk")
    colleague = staff(now, name="Staf Pumk Dua")
    gen_ticket(now, subject="Satu permohonan")
    login(client, lead)
    client.get("/staf/antrian")  # the catalogue and calendar read once
    with recorded_sql() as seen:
        html = text(client.get("/staf/antrian"))
    staff_reads = [s for s, _ in seen if s.startswith("SELECT users.") and "unit_id" in s]
    assert len(staff_reads) == 1, staff_reads
    assert not any("count(tickets.id)" in s for s in staff_reads), staff_reads
    # both lists still name everyone who can hold a ticket
    assert html.count(f'value="{colleague.email}"') == 2
    assert html.count(f'value="{lead.email}"') == 2


def test_queue_pages_forward_by_cursor_and_bounds_a_large_count(client, now, monkeypatch):
    from ticketing.blueprints import staff as staff_bp
    from ticketing.services import queue

    monkeypatch.setattr(staff_bp, "PER_PAGE", 2)
    monkeypatch.setattr(queue, "COUNT_LIMIT", 3)
    made = [gen_ticket(now + timedelta(minutes=i)).code for i in range(5)]
    login(client, staff(now))
    html = text(client.get("/staf/antrian"))
    assert "3+ tiket" in html and made[0] in html and made[2] not in html
    seen, link = [], re.search(r'rel="next" href="([^"]+)"', html)
    while link:
        url = link.group(1).replace("&amp;", "&")
        assert "setelah=" in url
        html = text(client.get(url))
        seen += [c for c in made if c in html]
        link = re.search(r'rel="next" href="([^"]+)"', html)
    assert seen == made[2:]
    assert "Halaman 3" in html and 'rel="prev"' in html
    html = text(client.get("/staf/antrian?setelah=rusak"))  # a damaged link: first page
    assert made[0] in html


def test_queue_of_other_unit_is_forbidden_and_triage_for_leads(client, now):
    triage = gen_ticket(now, service="pengaduan-umum", type="pengaduan")
    login(client, staff(now))
    assert client.get("/staf/antrian?bidang=KELEMBAGAAN").status_code == 403
    assert client.get("/staf/antrian?bidang=triase").status_code == 403
    login(client, staff(now, "ketua_tim", "KELEMBAGAAN"))
    html = text(client.get("/staf/triase", follow_redirects=True))
    assert triage.code in html and "Triase" in html


def test_queue_paginates(client, now):
    login(client, staff(now))
    for i in range(27):
        gen_ticket(now + timedelta(minutes=i))
    html = text(client.get("/staf/antrian"))
    assert "Halaman 1 dari 2" in html and 'rel="next"' in html
    assert html.count('<tr data-code=') == 25
    html = text(client.get("/staf/antrian?hal=2"))
    assert html.count('<tr data-code=') == 2


# ------------------------------------------------------------------ ticket page

def test_ticket_page_shows_conversation_notes_history_and_masks_nik(client, now):
    ticket = gen_ticket(now, message="NIK saya 1671012345670001, mohon dibantu.",
                        uploads=[upload("ktp.pdf", PDF_BYTES)])
    user = staff(now)
    run(svc.add_note, ticket, user, "Sudah ditelepon.", now)
    login(client, user)
    html = text(client.get(f"/staf/tiket/{ticket.code}"))
    assert "167101******0001" in html and "1671012345670001" not in html
    assert "Sudah ditelepon." in html and "tidak terlihat pemohon" in html
    assert "Permohonan diterima" in html  # history from the audit log
    assert "siti@example.com" in html
    attachment = re.search(r'href="(/staf/tiket/[^"]+/lampiran/\d+)"', html).group(1)
    download = client.get(attachment)
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()


def test_refused_files_are_opaque_and_other_tickets_files_are_not_found(client, now):
    from ticketing.services.intake import attach_files

    from ..factories import EXE_BYTES

    ticket = gen_ticket(now)
    other = gen_ticket(now, uploads=[upload("lain.pdf", PDF_BYTES)])
    attach_files(ticket.messages[0], [upload("surat.pdf", EXE_BYTES)], now, keep_refused=True)
    db.session.commit()
    refused = ticket.messages[0].attachments[0]
    login(client, staff(now))
    download = client.get(f"/staf/tiket/{ticket.code}/lampiran/{refused.id}")
    assert download.status_code == 200 and download.data == EXE_BYTES
    assert download.headers["Content-Type"] == "application/octet-stream"
    download.close()
    foreign = other.messages[0].attachments[0].id
    assert client.get(f"/staf/tiket/{ticket.code}/lampiran/{foreign}").status_code == 404


def test_other_units_ticket_and_its_files_are_forbidden(client, now):
    ticket = gen_ticket(now, service="rekomendasi-izin-koperasi",
                        uploads=[upload("akta.pdf", PDF_BYTES)])
    attachment_id = ticket.messages[0].attachments[0].id
    login(client, staff(now, unit="PUMK"))
    assert client.get(f"/staf/tiket/{ticket.code}").status_code == 403
    assert client.get(f"/staf/tiket/{ticket.code}/lampiran/{attachment_id}").status_code == 403
    assert client.get("/staf/tiket/ZZZZ-ZZZZ").status_code == 404


def test_claim_assign_and_the_race_loser_is_told(client, now):
    ticket = gen_ticket(now)
    winner, loser = staff(now, name="Rina"), staff(now, name="Dodi")
    login(client, loser)
    page = text(client.get(f"/staf/tiket/{ticket.code}"))
    assert "Ambil tiket ini" in page
    run(svc.claim, ticket, winner, now)  # Rina was faster
    response = client.post(f"/staf/tiket/{ticket.code}/ambil",
                           data={"act-version": str(ticket.version)})
    assert response.status_code == 409
    assert "sudah diambil oleh Rina" in text(response)
    assert fresh(ticket).assignee_id == winner.id


def test_ketua_tim_assigns_with_version_check(client, now):
    ticket = gen_ticket(now)
    lead, member = staff(now, "ketua_tim"), staff(now, name="Sari")
    login(client, lead)
    html = text(client.get(f"/staf/tiket/{ticket.code}"))
    assert 'name="assign-assignee"' in html
    version = ticket.version
    response = client.post(f"/staf/tiket/{ticket.code}/tugaskan", data={
        "assign-assignee": member.id, "assign-version": version})
    assert response.status_code == 303
    assert fresh(ticket).assignee_id == member.id
    response = client.post(f"/staf/tiket/{ticket.code}/tugaskan", data={
        "assign-assignee": lead.id, "assign-version": version})  # stale page
    assert response.status_code == 409 and "baru saja diubah" in text(response)
    assert fresh(ticket).assignee_id == member.id


def test_reply_with_canned_answer_without_javascript(client, now):
    run(seed_canned, now)
    ticket = gen_ticket(now, name="Dewi")
    login(client, staff(now))
    html = text(client.get(f"/staf/tiket/{ticket.code}"))
    canned = db.session.scalar(select(CannedAnswer).where(
        CannedAnswer.title == "Sertifikat halal gratis (self declare/SEHATI)"))
    assert f'<option value="{canned.id}">' in html
    assert "Pendirian koperasi" not in html  # other services' answers are not offered
    seen = re.search(r'name="reply-seen" type="hidden" value="(\d+)"', html).group(1)
    response = client.post(f"/staf/tiket/{ticket.code}/balas", data={
        "reply-canned": canned.id, "reply-body": "Terima kasih.", "reply-status": "selesai",
        "reply-seen": seen, "insert": "1"})
    assert response.status_code == 200
    body = re.search(r'<textarea[^>]*name="reply-body"[^>]*>(.*?)</textarea>', text(response),
                     re.DOTALL).group(1)
    assert body.strip().startswith("Terima kasih.")
    assert "Yth. Bapak/Ibu Dewi" in body and f"({ticket.code})" in body
    assert "ptsp.halal.go.id" in body
    assert fresh(ticket).status == "baru"  # inserting sent nothing
    nothing = client.post(f"/staf/tiket/{ticket.code}/balas", data={
        "reply-canned": "", "reply-body": "Draf saya", "reply-status": "selesai",
        "reply-seen": seen, "insert": "1"})
    assert nothing.status_code == 422
    assert "Pilih jawaban siap terlebih dahulu." in text(nothing) and "Draf saya" in text(nothing)
    response = client.post(f"/staf/tiket/{ticket.code}/balas", data={
        "reply-body": "Yth. Bapak/Ibu Dewi, daftar di https://ptsp.halal.go.id",
        "reply-status": "selesai", "reply-seen": seen})
    assert response.status_code == 303
    assert "Jawaban terkirim ke siti@example.com." in text(client.get(response.location))
    assert fresh(ticket).status == "selesai"
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "staff_reply"))
    assert "ptsp.halal.go.id" in mail.body_text


def test_second_reply_is_not_hidden(client, now):
    ticket = gen_ticket(now)
    me, colleague = staff(now), staff(now, name="Rina")
    login(client, me)
    seen = re.search(r'name="reply-seen" type="hidden" value="(\d+)"',
                     text(client.get(f"/staf/tiket/{ticket.code}"))).group(1)
    run(svc.reply, ticket, colleague, "Jawaban Rina", "selesai", now)  # while I was typing
    response = client.post(f"/staf/tiket/{ticket.code}/balas", data={
        "reply-body": "Jawaban saya", "reply-status": "selesai", "reply-seen": seen},
        follow_redirects=True)
    html = text(response)
    assert "Rina juga membalas tiket ini" in html
    assert "Jawaban Rina" in html and "Jawaban saya" in html
    assert db.session.scalar(select(func.count()).select_from(Message).where(
        Message.ticket_id == ticket.id, Message.direction == "out")) == 2


def test_empty_reply_is_refused_with_message(client, now):
    ticket = gen_ticket(now)
    login(client, staff(now))
    response = client.post(f"/staf/tiket/{ticket.code}/balas", data={
        "reply-body": " ", "reply-status": "selesai"})
    assert response.status_code == 422 and "Tulis jawaban untuk pemohon." in text(response)


def test_note_status_close_reopen_and_transfer(client, now):
    ticket = gen_ticket(now)
    user = staff(now)
    login(client, user)
    code = ticket.code
    response = client.post(f"/staf/tiket/{code}/catatan", data={"note-body": "Cek NIB"})
    assert response.status_code == 303
    refused = client.post(f"/staf/tiket/{code}/status", data={
        "status-status": "selesai", "status-version": fresh(ticket).version})
    assert refused.status_code == 422 and "bersama jawaban" in text(refused)
    assert fresh(ticket).status == "baru" and fresh(ticket).first_response_dt is None
    assert client.post(f"/staf/tiket/{code}/balas", data={
        "reply-body": "Syaratnya NIB.", "reply-status": "selesai"}).status_code == 303
    assert fresh(ticket).status == "selesai"
    closed = client.post(f"/staf/tiket/{code}/tutup", data={
        "act-version": fresh(ticket).version}, follow_redirects=True)
    assert f"Tiket {code} ditutup." in text(closed)
    assert fresh(ticket).status == "ditutup"
    assert client.post(f"/staf/tiket/{code}/buka-kembali", data={
        "act-version": fresh(ticket).version}).status_code == 303
    assert fresh(ticket).status == "diproses"
    response = client.post(f"/staf/tiket/{code}/alihkan", data={
        "transfer-unit": "KELEMBAGAAN", "transfer-reason": "", "transfer-version":
        fresh(ticket).version})
    assert response.status_code == 422 and "Tuliskan alasan pengalihan." in text(response)
    response = client.post(f"/staf/tiket/{code}/alihkan", data={
        "transfer-unit": "KELEMBAGAAN", "transfer-reason": "Soal koperasi",
        "transfer-version": fresh(ticket).version})
    assert response.status_code == 303 and response.location.endswith("/staf/antrian")
    assert fresh(ticket).unit.code == "KELEMBAGAAN"
    assert client.get(f"/staf/tiket/{code}").status_code == 403
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.ticket_id == ticket.id)).all()
    assert {"note", "status", "unit"} <= set(actions)


def test_kepala_dinas_reads_everything_and_changes_nothing(client, now):
    ticket = gen_ticket(now, service="rekomendasi-izin-koperasi")
    login(client, staff(now, "kepala_dinas"))
    html = text(client.get(f"/staf/tiket/{ticket.code}"))
    assert "tidak mengubahnya" in html and "Kirim jawaban" not in html
    assert client.post(f"/staf/tiket/{ticket.code}/catatan",
                       data={"note-body": "x"}).status_code == 403
    assert ticket.code in text(client.get("/staf/antrian"))


def test_csrf_protects_staff_actions(app, now):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    ticket = gen_ticket(now)
    login(client, staff(now))
    response = client.post(f"/staf/tiket/{ticket.code}/catatan", data={"note-body": "x"})
    assert response.status_code == 400
    html = text(client.get(f"/staf/tiket/{ticket.code}"))
    response = client.post(f"/staf/tiket/{ticket.code}/catatan", data={
        "note-body": "x", "note-csrf_token": token_of(html)})
    assert response.status_code == 303
    # Logging out is a POST with a token too (a link could log anyone out).
    assert client.post("/keluar").status_code == 400


# ------------------------------------------------------------------ walk-in

def test_walk_in_form_records_and_closes(client, now):
    user = staff(now)
    login(client, user)
    html = text(client.get("/staf/lisan?kanal=telepon"))
    assert "Petugas menanyakan hal informasi yang dibutuhkan oleh masyarakat" in html
    assert re.search(r'<option[^>]*selected[^>]*value="telepon"'
                     r'|<option[^>]*value="telepon"[^>]*selected', html)
    data = {"channel": "lisan", "name": "Pak Harun", "phone": "0812 5555 6666",
            "type": "informasi", "service": "sertifikat-halal",
            "subject": "Syarat halal", "need": "Apa syaratnya?",
            "answer": "NIB dan daftar di SIHALAL.", "consent": "y", "close_now": "y",
            "steps": ["2", "3", "4"]}
    response = client.post("/staf/lisan", data=data)
    assert response.status_code == 422 and "umpan balik" in text(response)
    data["steps"] = ["1", "2", "3", "4", "6", "7"]
    response = client.post("/staf/lisan", data=data, follow_redirects=True)
    assert "dicatat dan ditutup di tempat" in text(response)
    ticket = db.session.scalar(select(Ticket).where(Ticket.channel == "lisan"))
    assert ticket.status == "ditutup" and ticket.requester_phone == "6281255556666"


def test_walk_in_needs_a_contact(client, now):
    login(client, staff(now))
    response = client.post("/staf/lisan", data={
        "channel": "lisan", "name": "Pak Harun", "type": "informasi",
        "service": "sertifikat-halal", "subject": "Syarat halal", "need": "Apa syaratnya?",
        "consent": "y"})
    assert response.status_code == 422
    assert "Isi email atau nomor telepon pemohon" in text(response)


# ------------------------------------------------------------------ canned answers

def test_ketua_tim_edits_canned_answers_of_own_unit(client, now):
    run(seed_canned, now)
    lead = staff(now, "ketua_tim", "PUMK")
    login(client, lead)
    html = text(client.get("/staf/jawaban-siap/"))
    assert "Pendaftaran merek (DJKI)" in html and "Pendirian koperasi" not in html
    canned = db.session.scalar(select(CannedAnswer).where(
        CannedAnswer.title == "Pendaftaran merek (DJKI)"))
    response = client.post(f"/staf/jawaban-siap/{canned.id}", data={
        "service": "hki", "title": "Pendaftaran merek", "body": "Daftar di merek.dgip.go.id",
        "is_active": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(CannedAnswer, canned.id).body == "Daftar di merek.dgip.go.id"
    koperasi = db.session.scalar(select(CannedAnswer).where(
        CannedAnswer.title == "Laporan RAT melalui ODS"))
    assert client.get(f"/staf/jawaban-siap/{koperasi.id}").status_code == 403
    response = client.post("/staf/jawaban-siap/baru", data={
        "service": "rekomendasi-izin-koperasi", "title": "x", "body": "y"})
    assert response.status_code == 422  # not a choice for this ketua tim
    login(client, staff(now))
    assert client.get("/staf/jawaban-siap/").status_code == 403


def test_seed_command_adds_canned_answers_once(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    first = db.session.scalar(select(func.count()).select_from(CannedAnswer))
    assert first >= 7
    runner.invoke(args=["seed"])
    assert db.session.scalar(select(func.count()).select_from(CannedAnswer)) == first
    slugs = set(db.session.scalars(select(CannedAnswer.service_id)))
    assert len(slugs) == 4  # three services and the general ones


# ------------------------------------------------------------------ admin

def test_admin_creates_resets_and_deactivates(client, now):
    admin = staff(now, "admin")
    login(client, admin)
    assert client.get("/staf/antrian").status_code == 403
    response = client.post("/admin/akun/baru", data={
        "email": "baru@example.go.id", "name": "Petugas Baru", "role": "staf", "unit": "PUMK"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r'data-testid="temp-password">([^<]+)<', text(response)).group(1)
    user = db.session.scalar(select(User).where(User.email == "baru@example.go.id"))
    assert user.unit.code == "PUMK"
    other = admin_client = client.application.test_client()
    response = other.post("/masuk", data={"email": user.email, "password": password})
    assert response.status_code == 303
    response = client.post(f"/admin/akun/{user.id}/reset")
    new_password = re.search(r'data-testid="temp-password">([^<]+)<', text(response)).group(1)
    assert new_password != password
    assert admin_client.get("/staf/antrian").status_code == 302  # old session ended
    client.post(f"/admin/akun/{user.id}/aktif", data={"aktif": "0"})
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_active_account
    response = client.post(f"/admin/akun/{user.id}", data={
        "name": "Petugas Baru", "role": "ketua_tim", "unit": ""})
    assert response.status_code == 422 and "harus punya bidang" in text(response)


def test_only_admin_manages_accounts(client, now):
    login(client, staff(now, "kabid"))
    assert client.get("/admin/akun").status_code == 403
    assert client.post("/admin/akun/baru", data={}).status_code == 403


@pytest.mark.parametrize("path", ["/staf/antrian", "/staf/lisan", "/akun", "/masuk"])
def test_pages_are_indonesian_and_mobile_ready(client, now, path):
    login(client, staff(now, "ketua_tim"))
    response = client.get(path, follow_redirects=True)
    html = text(response)
    assert response.status_code == 200
    assert '<html lang="id">' in html and 'name="viewport"' in html
    # Works without JavaScript; the CSP forbids inline code, so no script may be inline.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "Content-Security-Policy" in response.headers
