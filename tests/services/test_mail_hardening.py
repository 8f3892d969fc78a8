"""Hostile mail through the whole intake (issue 9 items 2, 6, 9, 10, 12), on SQLite and
on PostgreSQL (TEST_DATABASE_URL): the raw bytes are always stored first and every message
ends with a clear outcome."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.mail import make_message_id
from ticketing.models import Attachment, AuditEntry, InboundMail, MailAutoReply
from ticketing.services.mail_ingest import ingest_raw, resume_stale

from ..support.mail import (
    CORPUS_DOMAIN,
    CORPUS_SECRET,
    build_mail,
    eml,
    mail_app,  # noqa: F401 - fixture
    ticket,
)
from ..support.staff import staff

pytestmark = pytest.mark.usefixtures("mail_app")

NUL_MESSAGE_ID = (b"From: Warga <warga@example.com>\r\nTo: diskopukm2020@gmail.com\r\n"
                  b"Subject: Tanya halal\r\nMessage-ID: <abc\x00def@example.com>\r\n\r\n"
                  b"Apa syarat sertifikat halal?\r\n")


def test_nul_in_the_message_id_is_stored_raw_first_and_processed(now):
    result = ingest_raw(NUL_MESSAGE_ID, now, source="pipe")
    assert result.action == "created"
    row = db.session.get(InboundMail, result.inbound_id)
    assert row.raw == NUL_MESSAGE_ID
    assert "\x00" not in row.message_id and row.message_id == "<abcdef@example.com>"


def test_mail_ingest_stdin_with_a_nul_message_id_exits_zero_with_a_result(app, runner):
    result = runner.invoke(args=["mail", "ingest", "-"], input=NUL_MESSAGE_ID)
    assert result.exit_code == 0, result.output
    [out] = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert out["action"] == "created" and out["ticket"]
    assert db.session.scalar(select(InboundMail.raw)) == NUL_MESSAGE_ID


@pytest.mark.parametrize("header", [b"Subject: Tanya\x00halal", b"From: War\x00ga <w@example.com>",
                                    b"In-Reply-To: <x\x00y@example.com>",
                                    b"Content-Type: text/plain; charset=\"utf\x00-8\""])
def test_nul_in_any_header_never_stops_the_message(now, header):
    raw = (b"From: Warga <warga@example.com>\r\nTo: diskopukm2020@gmail.com\r\n"
           b"Subject: Tanya halal\r\nMessage-ID: <nul-any@example.com>\r\n" + header
           + b"\r\n\r\nApa syarat sertifikat halal?\r\n")
    result = ingest_raw(raw, now, source="pipe")
    assert result.action in ("created", "appended")
    assert db.session.get(InboundMail, result.inbound_id).raw == raw


def test_a_message_over_the_time_budget_is_failed_with_the_reason_and_not_retried(app, now):
    app.config["MAIL_PARSE_BUDGET_SECONDS"] = 1e-9
    result = ingest_raw(build_mail(body="Isi\n" * 1000), now, source="pipe")
    assert result.action == "failed"
    assert "MailParseTimeout" in result.reason and "batas waktu" in result.reason
    row = db.session.get(InboundMail, result.inbound_id)
    assert row.action == "failed" and row.raw
    assert resume_stale(now + timedelta(hours=2)) == []  # failed is never taken up again
    assert db.session.get(InboundMail, row.id).attempts == 1


def test_a_message_that_keeps_killing_its_worker_is_failed_not_retried_forever(app, now):
    raw = build_mail(subject="Pesan yang membuat proses mati")
    limit = app.config["MAIL_MAX_PROCESS_ATTEMPTS"]
    row = InboundMail(sha256="f" * 64, message_id="<dies@example.com>", raw=raw, size=len(raw),
                      source="pipe", action="processing", attempts=1, times_seen=1,
                      created_dt=now, claimed_dt=now)
    db.session.add(row)
    db.session.commit()
    later = now
    for _ in range(limit - 1):  # each take-over dies too: simulate by leaving it processing
        later += timedelta(hours=1)
        db.session.execute(InboundMail.__table__.update().values(
            action="processing", claimed_dt=later - timedelta(hours=1),
            attempts=InboundMail.attempts + 1))
        db.session.commit()
    results = resume_stale(later + timedelta(hours=1))
    assert [r.action for r in results] == ["failed"]
    assert "terhenti" in results[0].reason
    assert resume_stale(later + timedelta(hours=5)) == []


def test_attachments_over_the_cap_stay_in_the_raw_mail_and_are_listed_to_staff(app, now):
    files = [(f"lampiran-{i:03}.pdf", "application/pdf", b"%PDF-1.4 " + bytes([i]) * 10)
             for i in range(1, 41)]
    raw = build_mail(subject="Berkas RAT", attachments=files)
    result = ingest_raw(raw, now, source="pipe")
    assert result.action == "created"
    limit = app.config["MAIL_MAX_ATTACHMENTS"]
    assert db.session.scalar(select(db.func.count(Attachment.id))) == limit
    assert "35 lampiran lebih dari batas" in result.reason
    t = ticket(result.ticket)
    [note] = [m for m in t.messages if m.direction == "note"]
    assert "lampiran-006.pdf" in note.body_text and "lampiran-040.pdf" in note.body_text
    assert f"surel masuk #{result.inbound_id}" in note.body_text
    assert db.session.get(InboundMail, result.inbound_id).raw == raw


def _escalation_reply(now, headers: dict[str, str]):
    created = ingest_raw(eml("gmail_new_request.eml"), now, source="imap")
    t = ticket(created.ticket)
    lead = staff(now, role="kabid", unit="PUMK", email="kabid.pumk@diskopukm.go.id",
                 name="Kabid PUMK")
    our_id = make_message_id(t.code, CORPUS_SECRET.encode(), CORPUS_DOMAIN, "imp1")
    result = ingest_raw(build_mail(sender="Kabid PUMK <kabid.pumk@diskopukm.go.id>",
                                   subject=f"Re: [{t.code}] Permohonan", in_reply_to=our_id,
                                   body="Tutup saja tiket ini.", headers=headers),
                        now, source="imap")
    return result, ticket(t.code), lead


@pytest.mark.parametrize("headers", [
    {},  # nothing shows who sent it
    {"Authentication-Results": "mx.google.com; dkim=fail header.i=@diskopukm.go.id; "
                               "spf=softfail smtp.mailfrom=kabid.pumk@diskopukm.go.id"},
    {"Authentication-Results": "evil.example.net; dkim=pass header.i=@diskopukm.go.id"},
    {"Authentication-Results": "mx.google.com; dkim=pass header.i=@evil.example.net; "
                               "spf=pass smtp.mailfrom=x@evil.example.net"},
], ids=["none", "fail", "untrusted-authserv", "other-domain"])
def test_mail_from_a_staff_address_without_proof_is_an_external_flagged_message(now, headers):
    result, t, _lead = _escalation_reply(now, headers)
    assert result.action == "appended"
    assert "tanpa bukti DKIM/SPF" in result.reason
    reply = next(m for m in t.messages if m.body_text == "Tutup saja tiket ini.")
    assert reply.direction == "in" and reply.author_id is None
    assert reply.author_name == "Kabid PUMK <kabid.pumk@diskopukm.go.id>"
    assert any(m.direction == "note" and "Peringatan" in m.body_text for m in t.messages)
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "mail_sender_unverified")) is not None


def test_a_forged_result_below_the_providers_own_does_not_count(now):
    # Gmail adds its verdict on top; the sender wrote a "pass" further down.
    raw = build_mail(sender="x@example.com")  # only to get a ticket for the reply below
    ingest_raw(raw, now, source="imap")
    result, _t, _lead = _escalation_reply(now, {
        "Authentication-Results": "mx.google.com; dkim=none; spf=fail "
                                  "smtp.mailfrom=kabid.pumk@diskopukm.go.id"})
    assert "tanpa bukti" in result.reason


def test_staff_mail_with_dkim_pass_from_the_trusted_provider_is_an_internal_note(now):
    result, t, lead = _escalation_reply(now, {
        "Authentication-Results": "mx.google.com; dkim=pass header.i=@diskopukm.go.id "
                                  "header.s=s1; spf=pass (google.com: domain of "
                                  "kabid.pumk@diskopukm.go.id designates 1.2.3.4) "
                                  "smtp.mailfrom=kabid.pumk@diskopukm.go.id"})
    reply = next(m for m in t.messages if m.body_text == "Tutup saja tiket ini.")
    assert (reply.direction, reply.author_id) == ("note", lead.id)
    assert "catatan internal" in result.reason


def test_an_undecodable_rfc2231_filename_keeps_the_mail(now):
    raw = (b"From: Warga <warga@example.com>\nTo: diskopukm2020@gmail.com\nSubject: Berkas\n"
           b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"
           b"Content-Type: text/plain\n\nTerlampir.\n--x\nContent-Type: application/pdf\n"
           b"Content-Disposition: attachment; filename*=utf-7''+2ADYAA-%E2%80%AEfdp.pdf\n\n"
           b"%PDF-1.4 data\n--x--\n")
    result = ingest_raw(raw, now, source="pipe")
    assert result.action == "created", result.reason
    [attachment] = db.session.scalars(select(Attachment)).all()
    assert "\u202e" not in attachment.filename and attachment.filename.endswith(".pdf")
    assert db.session.scalar(select(db.func.count(MailAutoReply.id))) == 1
