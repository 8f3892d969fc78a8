"""Personal data (UU 27/2022): a data subject's erasure removes the person from tickets,
messages, attachments (files too), raw mail, the outbox and the audit log while the quarter's
statistics stay the same; the retention policy; the admin page; the privacy notice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select, text

from ticketing.extensions import db
from ticketing.jobs import JOBS
from ticketing.models import (
    Attachment,
    AuditEntry,
    InboundMail,
    JobHeartbeat,
    OutboxMail,
    SurveyResponse,
    Ticket,
    WhatsAppContact,
)
from ticketing.services import audit, survey, tickets
from ticketing.services.mail_ingest import ingest_raw
from ticketing.services.outbox import flush
from ticketing.services.privacy import contains_any

from ..factories import PDF_BYTES, PNG_BYTES, gen_ticket, upload
from ..support.mail import build_mail, mail_app  # noqa: F401 - fixture
from ..support.staff import login, staff

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # Monday 10.00 WIB, 2026-Q4
LATER = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)
EMAIL, PHONE, NAME = "siti.zubaedah@example.com", "081234567890", "Siti Zubaedah Aminah"
#: how the person may appear anywhere in the database
TERMS = {EMAIL, "6281234567890", PHONE, NAME, "Zubaedah"}


@pytest.fixture
def now() -> datetime:
    return NOW


def everything_containing(terms: set[str]) -> list[str]:
    """Every table and column of the database where one of the terms still appears."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()).mappings():
            for column, value in row.items():
                if contains_any(value, terms):
                    found.append(f"{table.name}.{column}")
    if db.engine.dialect.name == "postgresql":  # the search vector's lexemes
        for (vector,) in db.session.execute(text("SELECT search_vector::text FROM tickets")):
            if contains_any(vector, {"zubaedah", "siti"}):
                found.append("tickets.search_vector")
    return sorted(set(found))


def stats(client) -> dict:
    return client.get("/api/v1/stats?period=2026-Q4").get_json()


def build_history(app) -> tuple[Ticket, Ticket, Ticket]:
    """Siti asks on the web (with a PDF) and by mail (with a PNG), is answered, rates the
    service; Budi sends the same PDF bytes in his own request."""
    agent = staff(NOW, "staf", "PUMK")
    web = gen_ticket(NOW, email=EMAIL, phone=PHONE, name=NAME,
                     subject="Sertifikat halal untuk usaha Siti Zubaedah",
                     message=f"Saya {NAME}, telepon {PHONE}. Bagaimana syaratnya?",
                     uploads=[upload("ktp-siti.pdf", PDF_BYTES + b"siti")])
    db.session.commit()
    tickets.claim(web, agent, NOW + timedelta(hours=1))
    tickets.reply(web, agent, f"Ibu {NAME}, syaratnya NIB dan KTP.", "selesai",
                  NOW + timedelta(hours=2))
    db.session.commit()
    survey.submit(web, survey.Answers(dict.fromkeys(survey.ikm.ELEMENT_KEYS, 4),
                                      f"Terima kasih, salam {NAME}"), NOW + timedelta(hours=3))
    tickets.close(web, agent, NOW + timedelta(days=1))
    audit.record(web, "email_undeliverable", NOW + timedelta(days=1), new=EMAIL,
                 detail={"bounce": f"<x@mailer> for {EMAIL}"})
    db.session.commit()
    raw = build_mail(sender=f"{NAME} <{EMAIL}>", subject="Tanya merek dagang",
                     body=f"Salam, saya {NAME} ({PHONE}). Bagaimana daftar merek?",
                     attachments=[("logo.png", "image/png", PNG_BYTES + b"siti")])
    mailed = ingest_raw(raw, NOW + timedelta(days=2), source="imap")
    db.session.commit()
    budi = gen_ticket(NOW, email="budi@example.com", name="Budi Santoso",
                      uploads=[upload("ktp-siti.pdf", PDF_BYTES + b"siti")])
    db.session.commit()
    flush(NOW + timedelta(days=3))
    return web, db.session.scalar(select(Ticket).where(Ticket.code == mailed.ticket)), budi


@pytest.mark.usefixtures("mail_app")
def test_erasure_removes_the_person_everywhere_and_keeps_the_statistics(app, client, runner):
    web, mailed, budi = build_history(app)
    assert everything_containing(TERMS)  # the check can fail: the person is there now
    upload_dir = Path(app.config["UPLOAD_DIR"])
    siti_files = [upload_dir / a.storage_path for m in web.messages + mailed.messages
                  for a in m.attachments]
    assert len(siti_files) == 2 and all(p.is_file() for p in siti_files)
    with time_machine.travel(LATER, tick=False):
        before = stats(client)
        assert before["total"]["received"] == 3 and before["total"]["answered"] == 1
        assert before["total"]["channels"]["email"] == 1

        result = runner.invoke(args=["privacy", "erase", "--email", EMAIL.upper()])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.output.strip().splitlines()[-1])
        assert sorted(summary["ticket_codes"]) == sorted([web.code, mailed.code])
        assert summary["attachments"] == 2 and summary["inbound_mail"] == 1
        assert summary["outbox"] >= 2 and summary["audit_entries"] >= 1

        db.session.expire_all()
        assert everything_containing(TERMS) == []
        assert stats(client) == before  # the quarter's figures are unchanged

    # Files: Siti's PNG is gone from the disk; the PDF stays because Budi sent the same bytes.
    png, pdf = sorted(siti_files, key=lambda p: p.read_bytes().startswith(b"%PDF")
                      if p.exists() else False)
    assert not png.exists() and pdf.exists()
    assert db.session.scalars(select(Attachment)).all() == budi.messages[0].attachments
    # The tickets stay for the counts, anonymised.
    for ticket in (db.session.get(Ticket, web.id), db.session.get(Ticket, mailed.id)):
        assert ticket.requester_name == "Anonim" and ticket.requester_email is None
        assert ticket.anonymised_dt is not None
        assert all(m.body_text == "[dihapus]" for m in ticket.messages)
    assert db.session.get(Ticket, web.id).status == "ditutup"
    response = db.session.scalar(select(SurveyResponse))
    assert response.waktu == 4 and response.comment is None  # scores stay for the IKM
    assert db.session.get(Ticket, budi.id).requester_email == "budi@example.com"
    raw = db.session.scalar(select(InboundMail.raw).where(InboundMail.ticket_id == mailed.id))
    assert raw == b""
    assert not [o for o in db.session.scalars(select(OutboxMail))
                if o.recipient == EMAIL or (o.status == "pending" and o.ticket_id == web.id)]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy_erase"))
    assert entry.actor_label == "admin (CLI)" and entry.detail["tickets"] == 2


def test_erasure_by_phone_and_bad_requests(app, runner):
    ticket = gen_ticket(NOW, email=None, phone="0812 3456 7890", name=NAME)
    other = gen_ticket(NOW, email="budi@example.com", phone="081199998888", name="Budi Santoso")
    db.session.commit()
    result = runner.invoke(args=["privacy", "erase", "--phone", "+62 812-3456-7890"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ticket_codes"] == [ticket.code]
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).requester_phone is None
    assert db.session.get(Ticket, other.id).requester_phone == "6281199998888"
    assert runner.invoke(args=["privacy", "erase"]).exit_code == 2
    bad = runner.invoke(args=["privacy", "erase", "--email", "bukan-email"])
    assert bad.exit_code == 1 and "tidak valid" in bad.output


@pytest.mark.usefixtures("mail_app")
def test_retention_anonymises_old_closed_requests_and_purges_old_mail(app, runner):
    agent = staff(NOW, "staf", "PUMK")
    old_time = datetime(2020, 3, 2, 3, 0, tzinfo=UTC)
    old = gen_ticket(old_time, email=EMAIL, name=NAME)
    tickets.close(old, agent, old_time + timedelta(days=2))
    old_open = gen_ticket(old_time, email="lama@example.com", name="Pemohon Lama Terbuka")
    recent = gen_ticket(NOW - timedelta(days=60), email="baru@example.com", name="Pemohon Baru")
    tickets.close(recent, agent, NOW - timedelta(days=59))
    db.session.commit()
    stored = ingest_raw(build_mail(sender="Warga <warga@example.com>"), old_time, source="imap")
    broken = ingest_raw(b"tidak ada kepala surel", old_time, source="pipe")
    fresh = ingest_raw(build_mail(sender="Baru <baru2@example.com>"), NOW, source="imap")
    db.session.commit()
    flush(old_time + timedelta(days=3))
    db.session.add_all([
        WhatsAppContact(wa_id="6281234567890", profile_name=NAME, created_dt=old_time,
                        last_inbound_dt=old_time),
        WhatsAppContact(wa_id="6281311112222", profile_name="Masih Aktif", created_dt=old_time,
                        last_inbound_dt=NOW - timedelta(days=3))])
    db.session.commit()
    job = next(j for j in JOBS if j.name == "privacy_retention")
    assert job.enabled(app)
    with time_machine.travel(NOW, tick=False):
        job.wrap(app)()
    db.session.expire_all()
    assert db.session.get(JobHeartbeat, "privacy_retention").last_success_dt == NOW
    assert db.session.get(Ticket, old.id).requester_name == "Anonim"  # closed > 5 years ago
    assert db.session.get(Ticket, old_open.id).requester_email == "lama@example.com"  # open
    assert db.session.get(Ticket, recent.id).requester_email == "baru@example.com"
    assert everything_containing({EMAIL, NAME, "6281234567890"}) == []
    assert [c.profile_name for c in db.session.scalars(select(WhatsAppContact))] == [
        "Masih Aktif"]

    def raw_of(result):
        return db.session.scalar(select(InboundMail.raw)
                                 .where(InboundMail.id == result.inbound_id))

    assert raw_of(stored) == b"" and raw_of(fresh) != b""
    assert raw_of(broken) != b""  # failed mail waits for an admin, it is not purged
    old_mail = db.session.scalars(select(OutboxMail).where(OutboxMail.ticket_id == old.id))
    assert {m.body_text for m in old_mail} == {"[dihapus]"}
    # A second run finds nothing more to do.
    with time_machine.travel(NOW, tick=False):
        again = runner.invoke(args=["privacy", "retention"])
    assert again.exit_code == 0
    assert json.loads(again.output) == dict.fromkeys(json.loads(again.output), 0)


def test_retention_purges_old_handled_whatsapp_payloads_and_keeps_the_rest(app, runner):
    """Old WhatsApp webhook deliveries, messages and sent messages lose their payloads; what
    is still waiting (a delivery not handled, a failed message, a message not yet sent) and
    what is recent are kept whole."""
    from ticketing.models import WhatsAppDelivery, WhatsAppMessage, WhatsAppOutbox

    old_time = datetime(2020, 3, 2, 3, 0, tzinfo=UTC)
    rows = {}
    for age, when in (("old", old_time), ("new", NOW - timedelta(days=3))):
        for state in ("done", "pending"):
            rows[("delivery", age, state)] = WhatsAppDelivery(
                sha256=f"{age}{state}".ljust(64, "0"), raw=b'{"nomor": "6281234567890"}',
                state=state, created_dt=when)
        for action in ("created", "failed"):
            rows[("message", age, action)] = WhatsAppMessage(
                wamid=f"wamid.{age}.{action}", wa_id="6281234567890", type="text",
                payload={"text": NAME}, action=action, created_dt=when)
        for status in ("sent", "pending"):
            rows[("outbox", age, status)] = WhatsAppOutbox(
                kind="acknowledgement", recipient="6281234567890", body_text=f"Yth. {NAME}",
                status=status, created_dt=when, next_attempt_dt=when)
    db.session.add_all(rows.values())
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        result = runner.invoke(args=["privacy", "retention"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    purged = {key for key, row in rows.items() if row.purged_dt is not None}
    assert purged == {("delivery", "old", "done"), ("message", "old", "created"),
                      ("outbox", "old", "sent")}
    assert rows[("delivery", "old", "done")].raw == b""
    assert rows[("message", "old", "created")].payload == {}
    assert rows[("outbox", "old", "sent")].body_text == "[dihapus]"
    assert rows[("outbox", "old", "pending")].body_text == f"Yth. {NAME}"
    assert rows[("delivery", "new", "done")].raw != b""


def test_the_admin_erases_on_request_with_confirmation(app, client):
    ticket = gen_ticket(NOW, email=EMAIL, name=NAME)
    db.session.commit()
    admin = staff(NOW, "admin", None)
    login(client, admin)
    page = client.get("/admin/data-pribadi/")
    assert page.status_code == 200 and "Hapus data pribadi" in page.get_data(as_text=True)
    found = client.post("/admin/data-pribadi/", data={"email": EMAIL, "langkah": "cari"})
    assert ticket.code in found.get_data(as_text=True)
    unconfirmed = client.post("/admin/data-pribadi/", data={"email": EMAIL, "langkah": "hapus"})
    assert unconfirmed.status_code == 422
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).requester_email == EMAIL
    done = client.post("/admin/data-pribadi/", data={"email": EMAIL, "langkah": "hapus",
                                                     "yakin": "1"})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).requester_email is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy_erase"))
    assert entry.actor_id == admin.id
    assert client.post("/admin/data-pribadi/", data={"langkah": "cari"}).status_code == 422


def test_only_admins_and_csrf(app, client):
    ticket = gen_ticket(NOW, email=EMAIL, name=NAME)
    db.session.commit()
    for role, unit in (("staf", "PUMK"), ("kabid", "PUMK"), ("kepala_dinas", None)):
        login(client, staff(NOW, role, unit))
        assert client.post("/admin/data-pribadi/", data={
            "email": EMAIL, "langkah": "hapus", "yakin": "1"}).status_code == 403
    login(client, staff(NOW, "admin", None))
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/admin/data-pribadi/", data={
        "email": EMAIL, "langkah": "hapus", "yakin": "1"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).requester_email == EMAIL


def test_the_request_form_shows_the_privacy_notice(client):
    html = client.get("/permohonan").get_data(as_text=True)
    assert "Pemberitahuan privasi" in html
    assert "dianonimkan) setelah 5 tahun" in html and "setelah 12 bulan" in html
    assert "UU No. 27 Tahun 2022" in html and "diskopukm2020@gmail.com" in html
