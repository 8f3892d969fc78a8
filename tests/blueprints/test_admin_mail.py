"""The admin's inbound-mail pages: failed and set-aside mail with "proses ulang", and the
routing rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import InboundMail, RoutingRule, Ticket
from ticketing.services.mail_ingest import ingest_raw

from ..support.mail import eml, mail_app  # noqa: F401 - fixture
from ..support.staff import login, staff

EARLY = datetime(2026, 11, 1, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("mail_app")


def test_list_shows_failed_and_set_aside_mail_with_the_reason(admin_client, now):
    failed = ingest_raw(b"tidak ada kepala surel", now, source="pipe")
    ingest_raw(eml("newsletter_bulk.eml"), now, source="imap")
    created = ingest_raw(eml("yahoo_request.eml"), now, source="imap")
    html = admin_client.get("/admin/surel/").get_data(as_text=True)
    assert f'href="/admin/surel/{failed.inbound_id}"' in html
    assert "MailParseError: no header block" in html
    assert "Buletin UMKM Desember 2026" in html and "massal" in html
    assert f'href="/admin/surel/{created.inbound_id}"' not in html  # handled: not listed
    assert html.count("Proses ulang") == 1 and html.count("Jadikan permohonan") == 1
    only_failed = admin_client.get("/admin/surel/?status=gagal").get_data(as_text=True)
    assert "MailParseError" in only_failed and "Buletin UMKM" not in only_failed


def test_detail_shows_the_error_headers_and_the_raw_mail(admin_client, now):
    raw = eml("newsletter_bulk.eml").replace(b"MIME-Version", b"X-Oops: \x00\nMIME-Version")
    bulk = ingest_raw(raw, now, source="imap")
    failed = ingest_raw(b"\x00\x01 garbage", now, source="pipe")
    page = admin_client.get(f"/admin/surel/{failed.inbound_id}").get_data(as_text=True)
    assert "Traceback" in page and "MailParseError" in page
    page = admin_client.get(f"/admin/surel/{bulk.inbound_id}").get_data(as_text=True)
    assert "List-Unsubscribe" in page and "&lt;nl-2026-12@infoumkm.example.id&gt;" in page
    download = admin_client.get(f"/admin/surel/{bulk.inbound_id}/mentah")
    assert download.status_code == 200 and download.mimetype == "message/rfc822"
    assert download.data == raw
    assert admin_client.get("/admin/surel/999999").status_code == 404


def test_reprocess_button_after_a_fix(admin_client, app, now, tmp_path):
    good = app.config["UPLOAD_DIR"]
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    app.config["UPLOAD_DIR"] = str(blocker)
    failed = ingest_raw(eml("iphone_request.eml"), now, source="imap")
    assert failed.action == "failed"
    response = admin_client.post(f"/admin/surel/{failed.inbound_id}/proses-ulang",
                                 follow_redirects=True)
    assert "Masih gagal" in response.get_data(as_text=True)
    app.config["UPLOAD_DIR"] = good
    response = admin_client.post(f"/admin/surel/{failed.inbound_id}/proses-ulang",
                                 follow_redirects=True)
    html = response.get_data(as_text=True)
    code = db.session.scalar(select(Ticket.code))
    assert code and f"tiket {code}" in html
    assert db.session.get(InboundMail, failed.inbound_id).action == "created"
    again = admin_client.post(f"/admin/surel/{failed.inbound_id}/proses-ulang",
                              follow_redirects=True)
    assert "berstatus created" in again.get_data(as_text=True)


def test_set_aside_mail_can_be_made_a_request(admin_client, now):
    bulk = ingest_raw(eml("newsletter_bulk.eml"), now, source="imap")
    admin_client.post(f"/admin/surel/{bulk.inbound_id}/proses-ulang",
                      data={"sebagai": "permohonan"})
    row = db.session.get(InboundMail, bulk.inbound_id)
    assert row.action == "created" and row.ticket_id is not None


@pytest.mark.parametrize("role", ["staf", "ketua_tim", "kabid", "kepala_dinas"])
def test_only_the_admin_sees_inbound_mail(client, now, role):
    failed = ingest_raw(b"garbage", now, source="pipe")
    login(client, staff(EARLY, role, "PUMK"))
    assert client.get("/admin/surel/").status_code == 403
    assert client.get(f"/admin/surel/{failed.inbound_id}/mentah").status_code == 403
    assert client.post(f"/admin/surel/{failed.inbound_id}/proses-ulang").status_code == 403
    assert client.get("/admin/surel/aturan-rute").status_code == 403
    assert db.session.get(InboundMail, failed.inbound_id).attempts == 1


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/surel/")
    assert response.status_code in (302, 401)


def test_rules_page_adds_and_switches_off_rules(admin_client, now):
    page = admin_client.get("/admin/surel/aturan-rute?q=sertifikat").get_data(as_text=True)
    assert "sertifikat halal" in page and "nik koperasi" not in page
    page = admin_client.get("/admin/surel/aturan-rute?q=nik+koperasi").get_data(as_text=True)
    assert "nik koperasi" in page
    bad = admin_client.post("/admin/surel/aturan-rute",
                            data={"phrase": "halal", "unit": "PUMK", "weight": "3"})
    assert bad.status_code == 422 and "Frasa ini sudah ada." in bad.get_data(as_text=True)
    bad = admin_client.post("/admin/surel/aturan-rute",
                            data={"phrase": "kur", "unit": "PUMK", "weight": "99"})
    assert bad.status_code == 422 and "Bobot 0 sampai 10." in bad.get_data(as_text=True)
    ok = admin_client.post("/admin/surel/aturan-rute",
                           data={"phrase": "  KUR  ", "unit": "PUMK", "weight": "4"})
    assert ok.status_code == 302
    rule = db.session.scalar(select(RoutingRule).where(RoutingRule.phrase == "kur"))
    assert rule.unit.code == "PUMK" and rule.weight == 4 and rule.is_active
    result = ingest_raw(eml("intake/routing_kur.eml"), now, source="file")
    assert db.session.scalar(select(Ticket).where(Ticket.code == result.ticket)).unit.code == "PUMK"
    admin_client.post(f"/admin/surel/aturan-rute/{rule.id}/aktif", data={"aktif": "0"})
    db.session.refresh(rule)
    assert not rule.is_active
