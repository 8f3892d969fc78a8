"""Mail intake (services.mail_ingest) on SQLite and PostgreSQL: storing, duplicates, noise,
threading, routing, attachments, acknowledgements and their rate limit, failures."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from sqlalchemy import select, text

from ticketing.extensions import db
from ticketing.i18n import due_in_words
from ticketing.mail import make_message_id, parse_message
from ticketing.models import (
    AuditEntry,
    InboundMail,
    MailAutoReply,
    Message,
    OutboxMail,
    RoutingDecision,
    RoutingRule,
    Ticket,
)
from ticketing.services import routing_rules
from ticketing.services.lifecycle import set_status
from ticketing.services.mail_ingest import (
    DatabaseUnavailable,
    ReprocessError,
    auto_reply_refusal,
    ingest_headers_only,
    ingest_many,
    ingest_raw,
    own_addresses,
    reprocess_failed,
    resume_stale,
)
from ticketing.services.transaction import run

from ..factories import EXE_BYTES, PDF_BYTES, gen_ticket, say_and_set
from ..support.mail import (
    CORPUS_DOMAIN,
    CORPUS_SECRET,
    OUR_ADDRESS,
    build_mail,
    count,
    eml,
    inbound,
    mail_app,  # noqa: F401 - fixture
    outbox_to,
    set_code,
    ticket,
)
from ..support.sql import recorded_sql
from ..support.staff import staff

pytestmark = pytest.mark.usefixtures("mail_app")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_request(now, sender="Dewi Lestari <dewi.pempek@gmail.com>", **kw):
    kw.setdefault("subject", "Permohonan sertifikat halal self declare")
    kw.setdefault("body", "Bagaimana cara daftar sertifikat halal gratis untuk pempek?")
    result = ingest_raw(build_mail(sender=sender, **kw), now, source="pipe")
    assert result.action == "created", result
    return result


def our_id(code: str, nonce: str = "n1") -> str:
    return make_message_id(code, CORPUS_SECRET.encode(), CORPUS_DOMAIN, nonce)


# ------------------------------------------------------------------ a new request

def test_new_request_becomes_an_email_ticket_with_acknowledgement(now):
    raw = eml("gmail_new_request.eml")
    parsed = parse_message(raw)
    result = ingest_raw(raw, now, source="file")

    assert result.action == "created" and result.ticket
    assert result.message_id == parsed.message_id
    t = ticket(result.ticket)
    assert (t.channel, t.type, t.status, t.unit.code, t.service) == (
        "email", "informasi", "baru", "PUMK", None)
    assert t.requester_email == "dewi.pempek@gmail.com"  # From: Dewi.Pempek@gmail.com
    assert t.requester_name == parsed.from_name
    assert t.subject == parsed.subject
    assert t.due_dt is not None and t.due_dt > now
    assert t.routing_reason.startswith("aturan kata kunci surel: kata kunci: sertifikat halal")
    [first] = t.messages
    assert (first.direction, first.channel) == ("in", "email")
    assert first.body_text == parsed.new_text.strip()
    assert first.email_message_id == parsed.message_id
    assert first.body_html and "<script" not in first.body_html
    [attachment] = first.attachments
    assert attachment.filename == "Surat Permohonan Halal.pdf" and attachment.is_accepted
    assert attachment.sha256 == sha(parsed.attachments[0].payload)

    [row] = inbound(parsed.message_id)
    assert row.raw == raw and row.sha256 == sha(raw) and row.size == len(raw)
    assert (row.action, row.source, row.ticket_id, row.classification) == (
        "created", "file", t.id, "normal")
    assert row.from_email == "dewi.pempek@gmail.com"
    assert "budi.santoso@yahoo.co.id" in row.recipients  # Cc: kept for "was copied on it"

    decision = db.session.scalar(select(RoutingDecision).where(RoutingDecision.ticket_id == t.id))
    assert decision.unit.code == "PUMK" and "sertifikat halal" in decision.matched["PUMK"]

    [ack] = outbox_to("dewi.pempek@gmail.com")
    assert ack.kind == "mail_acknowledgement" and ack.ticket_id == t.id
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert ack.subject.startswith(f"[{t.code}] ")
    assert ack.in_reply_to == parsed.message_id  # the citizen's client threads it
    assert t.code in ack.body_text and t.code in ack.body_html
    assert due_in_words(t.due_dt, "Asia/Jakarta", "id") in ack.body_text
    assert count(MailAutoReply) == 1
    assert "tanda terima dikirim" in result.reason


@pytest.mark.parametrize(("name", "kind"), [
    ("intake/complaint_pengaduan.eml", "pengaduan"),
    ("intake/saran_layanan.eml", "saran"),
    ("intake/triage_general.eml", "informasi"),
])
def test_type_from_the_words(now, name, kind):
    result = ingest_raw(eml(name), now, source="file")
    assert ticket(result.ticket).type == kind


def test_no_confident_match_goes_to_triage_with_the_reason(now):
    result = ingest_raw(eml("intake/mixed_topics.eml"), now, source="file")
    t = ticket(result.ticket)
    assert t.unit is None
    assert t.routing_reason.startswith("menunggu pemilahan (triase): kata kunci untuk lebih")
    decision = db.session.scalar(select(RoutingDecision).where(RoutingDecision.ticket_id == t.id))
    assert decision.unit_id is None and set(decision.matched) == {"PUMK", "KELEMBAGAAN"}
    # The triage ticket is still acknowledged, with the unit left open.
    [ack] = outbox_to("ketua.kopwan@gmail.com")
    assert "akan ditentukan petugas" in ack.body_text


def test_routing_uses_the_rules_in_the_database(now):
    admin = staff(now, "admin")
    result = new_request(now, subject="Tanya kemasan", body="Bagaimana desain kemasan kripik?")
    assert ticket(result.ticket).unit is None  # "kemasan" alone is no rule
    run(routing_rules.add_rule, admin, routing_rules.RuleInput("kemasan", "PUMK", 4), now)
    result = new_request(now, sender="lain@example.com", subject="Tanya kemasan",
                         body="Bagaimana desain kemasan kripik?")
    assert ticket(result.ticket).unit.code == "PUMK"
    # Switching a rule off takes effect at once.
    rule = db.session.scalar(select(RoutingRule).where(RoutingRule.phrase == "kemasan"))
    routing_rules.set_rule_active(admin, rule, False, now)
    result = new_request(now, sender="ketiga@example.com", subject="Tanya kemasan",
                         body="Bagaimana desain kemasan kripik?")
    assert ticket(result.ticket).unit is None


def test_staff_correction_is_recorded_on_the_routing_decision(now):
    from ticketing.models import Unit
    from ticketing.services.tickets import transfer

    result = ingest_raw(eml("intake/nik_identity.eml"), now, source="file")
    t = ticket(result.ticket)
    lead = staff(now, "ketua_tim", "KELEMBAGAAN")
    unit = db.session.scalar(select(Unit).where(Unit.code == "KELEMBAGAAN"))
    transfer(t, lead, unit, "data anggota koperasi", now)
    decision = db.session.scalar(select(RoutingDecision).where(RoutingDecision.ticket_id == t.id))
    db.session.refresh(decision)
    assert decision.unit_id is None  # the rules sent it to triage
    assert decision.corrected_unit.code == "KELEMBAGAAN"
    assert decision.corrected_by_id == lead.id
    assert decision.correction_reason == "data anggota koperasi"
    assert routing_rules.decision_stats() == {
        "decisions": 1, "routed": 0, "triage": 1, "corrected": 0, "kept": 0}


# ------------------------------------------------------------------ duplicates

def test_same_bytes_again_is_a_duplicate(now):
    raw = eml("yahoo_request.eml")
    first = ingest_raw(raw, now, source="imap", uid="7", folder="INBOX")
    again = ingest_raw(raw, now + timedelta(minutes=2), source="pipe")
    assert again.action == "duplicate" and again.ticket == first.ticket
    assert again.message_id == first.message_id
    assert count(Ticket) == 1 and count(OutboxMail) == 1
    [row] = inbound(first.message_id)
    assert row.times_seen == 2 and row.source == "imap" and row.imap_uid == "7"


def test_same_message_id_with_different_bytes_is_processed_as_new(now):
    raw = eml("yahoo_request.eml")
    first = ingest_raw(raw, now, source="file")
    other = raw.replace(b"Return-Path:", b"X-Relay: second-route\nReturn-Path:", 1)
    second = ingest_raw(other, now, source="file")
    assert second.action == "created" and second.ticket != first.ticket
    assert second.message_id == first.message_id
    assert [r.sha256 for r in inbound(first.message_id)] == [sha(raw), sha(other)]


def test_message_without_message_id_gets_a_deterministic_one(now):
    raw = eml("no_message_id.eml")
    first = ingest_raw(raw, now, source="file")
    assert first.message_id == parse_message(raw).message_id
    assert first.message_id.endswith("@generated.invalid>")
    again = ingest_raw(raw, now, source="pipe")
    assert (again.action, again.message_id, again.ticket) == (
        "duplicate", first.message_id, first.ticket)


def test_two_workers_racing_on_the_same_bytes_create_one_ticket(app, now):
    raw = eml("outlook_new_request.eml")
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                results.append(ingest_raw(raw, now, source="imap"))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert sorted(r.action for r in results) == ["created", "duplicate"]
    assert count(Ticket) == 1 and count(InboundMail) == 1 and count(OutboxMail) == 1


# ------------------------------------------------------------------ never losing a mail

@pytest.fixture
def tickets_table_gone(backend):
    """The database loses the tickets table until the fixture's restore() is called."""
    db.session.commit()
    db.session.execute(text("ALTER TABLE tickets RENAME TO tickets_away"))
    db.session.commit()
    state = {"gone": True}

    def restore():
        if state["gone"]:
            db.session.rollback()
            db.session.execute(text("ALTER TABLE tickets_away RENAME TO tickets"))
            db.session.commit()
            state["gone"] = False

    yield restore
    restore()


def test_mail_is_stored_before_processing_and_resumed_after_a_crash(now, tickets_table_gone):
    raw = build_mail(subject="Tanya RAT", body="Kapan batas laporan RAT koperasi?")
    with pytest.raises(DatabaseUnavailable):
        ingest_raw(raw, now, source="pipe")
    tickets_table_gone()
    [row] = db.session.scalars(select(InboundMail)).all()
    assert row.raw == raw and row.action == "processing" and row.ticket_id is None

    # The MTA retries at once: another worker might still be busy with it -> try later.
    again = ingest_raw(raw, now + timedelta(minutes=1), source="pipe")
    assert again.action == "duplicate" and again.in_progress
    assert resume_stale(now + timedelta(minutes=1)) == []
    # Once the claim is stale, the next worker takes it over: one ticket, one ack.
    [resumed] = resume_stale(now + timedelta(minutes=11))
    assert resumed.action == "created" and ticket(resumed.ticket).unit.code == "KELEMBAGAAN"
    later = ingest_raw(raw, now + timedelta(minutes=12), source="pipe")
    assert later.action == "duplicate" and not later.in_progress
    assert count(Ticket) == 1 and count(OutboxMail) == 1
    db.session.refresh(row)
    assert row.attempts == 2


def test_a_contact_form_relay_is_kept_and_made_a_request_from_the_reply_to_person(now):
    """A website's contact form sends From a no-reply address, Reply-To the visitor. Nobody
    reads the From, so the mail is set aside like any no-reply mail, its reason naming the
    person; made a request by an admin, the requester is that person: the acknowledgement
    and the answers go to them, and their own reply joins the ticket."""
    raw = build_mail(sender="Formulir Kontak <noreply@diskopukm.palembang.go.id>",
                     headers={"Reply-To": "Rina Marlina <Rina.Marlina@gmail.com>"},
                     subject="Pesan dari formulir kontak: sertifikat halal",
                     body="Bagaimana cara mendaftar sertifikat halal gratis?")
    result = ingest_raw(raw, now, source="imap")
    assert result.action == "ignored" and result.ticket is None
    assert "Reply-To menyebut rina.marlina@gmail.com" in result.reason
    made = reprocess_failed(result.inbound_id, now + timedelta(minutes=5), force_request=True)
    db.session.commit()
    t = ticket(made.ticket)
    assert made.action == "created"
    assert (t.requester_email, t.requester_name) == ("rina.marlina@gmail.com", "Rina Marlina")
    [ack] = outbox_to("rina.marlina@gmail.com")
    assert t.code in ack.subject + ack.body_text
    assert outbox_to("noreply@diskopukm.palembang.go.id") == []
    row = db.session.get(InboundMail, result.inbound_id)
    assert row.from_email == "noreply@diskopukm.palembang.go.id"  # the mail as it came
    again = ingest_raw(build_mail(sender="Rina Marlina <rina.marlina@gmail.com>",
                                  subject=f"Re: [{t.code}] sertifikat halal",
                                  in_reply_to=ack.message_id, body="Terima kasih."),
                       now + timedelta(hours=1), source="imap")
    assert again.action == "appended" and again.ticket == t.code


def test_a_no_reply_mail_without_a_person_to_answer_stays_as_it_was(now):
    """Reply-To another machine, or the From's own address: nothing is taken from it."""
    for reply_to in ("noreply@forms.example", "noreply@diskopukm.palembang.go.id"):
        raw = build_mail(sender="noreply@diskopukm.palembang.go.id", subject="Notifikasi",
                         headers={"Reply-To": reply_to})
        result = ingest_raw(raw, now, source="imap")
        assert result.action == "ignored" and "Reply-To" not in result.reason
        made = reprocess_failed(result.inbound_id, now, force_request=True)
        db.session.commit()
        assert ticket(made.ticket).requester_email == "noreply@diskopukm.palembang.go.id"


def test_unparseable_mail_is_failed_kept_and_reprocessable(now):
    raw = b"\x00\x01 this is not a mail at all"
    result = ingest_raw(raw, now, source="pipe")
    assert result.action == "failed" and result.ticket is None
    row = db.session.get(InboundMail, result.inbound_id)
    assert row.raw == raw and row.action == "failed"
    assert "MailParseError" in row.error and row.reason.startswith("MailParseError")
    again = reprocess_failed(row.id, now)
    assert again.action == "failed"
    db.session.refresh(row)
    assert row.attempts == 2
    assert count(Ticket) == 0 and count(OutboxMail) == 0


def test_failed_mail_is_processed_after_the_fix(app, now, tmp_path):
    good_dir = app.config["UPLOAD_DIR"]
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    app.config["UPLOAD_DIR"] = str(blocker)  # attachments cannot be stored
    raw = eml("iphone_request.eml")
    result = ingest_raw(raw, now, source="imap")
    assert result.action == "failed"
    row = db.session.get(InboundMail, result.inbound_id)
    assert row.raw == raw and row.error and count(Ticket) == 0 and count(OutboxMail) == 0
    assert reprocess_failed(row.id, now).action == "failed"  # not fixed yet
    app.config["UPLOAD_DIR"] = good_dir  # the fix
    fixed = reprocess_failed(row.id, now + timedelta(hours=1))
    assert fixed.action == "created"
    t = ticket(fixed.ticket)
    assert len(t.messages[0].attachments) == 2
    db.session.refresh(row)
    assert (row.action, row.error, row.ticket_id) == ("created", None, t.id)
    with pytest.raises(ReprocessError):
        reprocess_failed(row.id, now)  # done: nothing to redo


def test_mail_without_a_sender_is_failed_for_review(now):
    raw = b"To: layanan@diskopukm.palembangkota.go.id\nSubject: tanpa pengirim\n\nisi\n"
    result = ingest_raw(raw, now, source="pipe")
    assert result.action == "failed" and "pengirim" in result.reason
    assert count(Ticket) == 0


# ------------------------------------------------------------------ noise and loops

def test_bounce_of_our_mail_is_a_note_and_flags_the_address(now):
    t = gen_ticket(now, email="dewi.pempek@gmial.com", subject="Permohonan Sertifikat Halal")
    set_code(t.code, "7KQ4-M9XD")
    outbox_before = count(OutboxMail)
    result = ingest_raw(eml("bounce_dsn_own.eml"), now, source="imap")
    assert (result.action, result.ticket) == ("appended", "7KQ4-M9XD")
    t = ticket("7KQ4-M9XD")
    assert t.is_email_undeliverable and t.status == "baru"
    note = t.messages[-1]
    assert note.direction == "note" and "dewi.pempek@gmial.com" in note.body_text
    assert count(Ticket) == 1 and count(OutboxMail) == outbox_before  # never answered
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "email_undeliverable")).new_value == "dewi.pempek@gmial.com"


def test_bounce_for_someone_else_on_the_ticket_does_not_flag_the_requester(now):
    t = gen_ticket(now, email="ksp.sejahtera@outlook.co.id", subject="Jadwal RAT")
    set_code(t.code, "HJ3C-8WQ2")
    result = ingest_raw(eml("bounce_exchange_headers_only.eml"), now, source="imap")
    assert (result.action, result.ticket) == ("appended", "HJ3C-8WQ2")
    t = ticket("HJ3C-8WQ2")
    assert not t.is_email_undeliverable
    assert "bendahara@kspsejahtera.co.id" in t.messages[-1].body_text


def test_bounce_without_a_known_ticket_is_kept_for_review(now):
    result = ingest_raw(eml("bounce_dsn_own.eml"), now, source="imap")
    assert result.action == "ignored" and result.ticket is None
    assert count(Ticket) == 0 and count(OutboxMail) == 0
    assert db.session.get(InboundMail, result.inbound_id).classification == "bounce"


def test_auto_reply_to_our_mail_is_recorded_and_changes_nothing(now):
    t = gen_ticket(now, email="rahmat.h@koperasi-mandiri.or.id", subject="Jadwal RAT")
    set_code(t.code, "HJ3C-8WQ2")
    say_and_set(t, "menunggu_pemohon", now)
    db.session.commit()
    before = (t.version, t.status, len(t.messages), t.updated_dt, count(OutboxMail))
    result = ingest_raw(eml("ooo_outlook_indonesian.eml"), now + timedelta(hours=1),
                        source="imap")
    assert (result.action, result.ticket) == ("ignored", "HJ3C-8WQ2")
    assert "balasan otomatis" in result.reason
    t = ticket("HJ3C-8WQ2")
    assert (t.version, t.status, len(t.messages), t.updated_dt, count(OutboxMail)) == before
    assert db.session.get(InboundMail, result.inbound_id).ticket_id == t.id


@pytest.mark.parametrize("name", ["ooo_gmail_english.eml", "ooo_subject_only.eml",
                                  "intake/noreply_sender.eml"])
def test_auto_replies_never_become_tickets_or_get_answers(now, name):
    result = ingest_raw(eml(name), now, source="imap")
    assert result.action == "ignored"
    assert count(Ticket) == 0 and count(OutboxMail) == 0 and count(MailAutoReply) == 0


def test_bulk_mail_is_kept_for_review_and_can_be_made_a_request(now):
    raw = eml("newsletter_bulk.eml")
    result = ingest_raw(raw, now, source="imap")
    assert result.action == "ignored" and "massal" in result.reason
    row = db.session.get(InboundMail, result.inbound_id)
    assert row.raw == raw and row.classification == "bulk"
    assert count(Ticket) == 0 and count(OutboxMail) == 0
    with pytest.raises(ReprocessError):
        reprocess_failed(row.id, now)  # not failed: only an explicit decision reprocesses it
    forced = reprocess_failed(row.id, now, force_request=True)
    assert forced.action == "created" and ticket(forced.ticket).unit.code == "PUMK"


def test_our_own_mail_coming_back_is_ignored(now):
    t = gen_ticket(now, email="warga@example.com")
    raw = build_mail(sender=OUR_ADDRESS, to="warga@example.com", message_id=our_id(t.code),
                     subject=f"[{t.code}] Permohonan Anda telah kami terima", body="Yth. ...")
    outbox_before = count(OutboxMail)
    result = ingest_raw(raw, now, source="imap")
    assert result.action == "ignored" and "loop" in result.reason
    assert count(Ticket) == 1 and count(OutboxMail) == outbox_before
    # Mail from our own address with any other Message-ID is not a request either.
    result = ingest_raw(build_mail(sender=f"Layanan <{OUR_ADDRESS.upper()}>", subject="Tes"),
                        now, source="imap")
    assert result.action == "ignored" and count(Ticket) == 1


def test_acknowledgements_are_rate_limited_per_sender(app, now):
    limit = app.config["MAIL_AUTO_REPLY_PER_HOUR"]
    results = [new_request(now + timedelta(minutes=i), subject=f"Tanya halal {i}")
               for i in range(limit + 1)]
    assert all("tanda terima dikirim" in r.reason for r in results[:limit])
    assert "batas 3 surel otomatis per jam" in results[limit].reason
    assert len(outbox_to("dewi.pempek@gmail.com")) == limit
    # Another sender is not affected; the same sender again after an hour is answered.
    new_request(now, sender="lain@example.com")
    assert len(outbox_to("lain@example.com")) == 1
    later = new_request(now + timedelta(minutes=61), subject="Tanya halal lagi")
    assert "tanda terima dikirim" in later.reason
    assert len(outbox_to("dewi.pempek@gmail.com")) == limit + 1


def test_the_rate_limit_holds_within_one_chunk_of_files(app, now):
    limit = app.config["MAIL_AUTO_REPLY_PER_HOUR"]
    raws = [build_mail(sender="dewi.pempek@gmail.com", subject=f"Tanya halal {i}")
            for i in range(limit + 2)]
    raws.insert(1, build_mail(sender="lain@example.com", subject="Tanya merek"))
    with recorded_sql() as seen:
        results = list(ingest_many(raws, lambda: now, source="file"))  # one transaction (PG)
    counts = [s for s, _ in seen if "count(mail_auto_replies.id)" in s]
    assert [r.action for r in results] == ["created"] * (limit + 3)
    assert [("tanda terima dikirim" in r.reason) for r in results] == (
        [True] * (limit + 1) + [False, False])
    assert len(outbox_to("dewi.pempek@gmail.com")) == count(MailAutoReply) - 1 == limit
    if db.engine.dialect.name == "postgresql":  # the chunk's senders counted in one query
        assert len(counts) == 1


def test_a_booking_not_flushed_yet_counts(app, now):
    limit = app.config["MAIL_AUTO_REPLY_PER_HOUR"]
    for _ in range(limit):
        db.session.add(MailAutoReply(recipient="warga@example.com", kind="mail_acknowledgement",
                                     created_dt=now))
    assert "batas" in auto_reply_refusal("warga@example.com", now)
    assert auto_reply_refusal("warga@example.com", now + timedelta(hours=2)) is None
    db.session.rollback()


def test_auto_reply_refusal_rules(app, now):
    assert OUR_ADDRESS in own_addresses()
    assert "diskopukm2020@gmail.com" in own_addresses()
    assert auto_reply_refusal("warga@example.com", now) is None
    assert auto_reply_refusal(OUR_ADDRESS, now) == "alamat kami sendiri"
    assert auto_reply_refusal("Diskopukm2020@Gmail.com", now) == "alamat kami sendiri"
    for address in ("noreply@x.id", "no-reply@x.id", "do-not-reply@x.id", "donotreply@x.id",
                    "info-noreply@x.id"):
        assert auto_reply_refusal(address, now) == "alamat no-reply", address
    for address in ("mailer-daemon@x.id", "postmaster@x.id", "post_master@x.jp",
                    "MAILER-DAEMON@x.id"):
        assert auto_reply_refusal(address, now) == "pengirim sistem surel", address
    for address in ("bounces@x.id", "koperasi-request@lists.x.id", "koperasi-admin@ml.x.jp",
                    "koperasi-owner@x.id", "koperasi-bounces+warga=x.id@lists.x.id",
                    "owner-koperasi@x.id", "listserv@x.id", "majordomo@x.id"):
        assert auto_reply_refusal(address, now) == "pengelola milis", address
    # a cooperative's office address is a person's, not a list manager's
    assert auto_reply_refusal("admin@kspsejahtera.co.id", now) is None
    assert auto_reply_refusal("noreplyfan@x.id", now) is None  # a person's name, not a role
    assert auto_reply_refusal("", now) == "tidak ada alamat pengirim"


# ------------------------------------------------------------------ threading

def test_reply_to_our_message_id_threads_and_resumes_the_ticket(now):
    created = new_request(now)
    t = ticket(created.ticket)
    [ack] = outbox_to("dewi.pempek@gmail.com")
    say_and_set(t, "menunggu_pemohon", now)
    db.session.commit()
    reply = build_mail(sender="Dewi <dewi.pempek@gmail.com>", subject="Re: apa saja",
                       in_reply_to=ack.message_id, references=ack.message_id,
                       body="Sudah saya lengkapi NIB-nya.\n\nPada Rab, 2 Des 2026 pukul 10.00 "
                            "Layanan menulis:\n> Mohon lengkapi NIB.\n")
    result = ingest_raw(reply, now + timedelta(hours=2), source="imap")
    assert (result.action, result.ticket) == ("appended", t.code)
    t = ticket(t.code)
    assert t.status == "diproses"
    message = t.messages[-1]
    assert message.body_text == "Sudah saya lengkapi NIB-nya."
    assert "Mohon lengkapi NIB" in message.full_text
    assert count(Ticket) == 1 and len(outbox_to("dewi.pempek@gmail.com")) == 1  # no new ack


def test_forged_message_id_does_not_thread(now):
    created = new_request(now)
    forged = f"<t.{created.ticket}.n1.0000000000@{CORPUS_DOMAIN}>"
    result = ingest_raw(build_mail(sender="penipu@example.com", in_reply_to=forged,
                                   subject="Ubah data"), now, source="imap")
    assert result.action == "created" and result.ticket != created.ticket


def test_reply_naming_a_stored_inbound_message_id_threads(now):
    created = new_request(now, message_id="<asli-1@gmail.com>")
    result = ingest_raw(build_mail(sender="dewi.pempek@gmail.com", subject="tambahan",
                                   references="<asli-1@gmail.com>", body="Satu lagi."),
                        now, source="imap")
    assert (result.action, result.ticket) == ("appended", created.ticket)


def test_subject_code_from_the_requester_threads(now):
    created = new_request(now)
    result = ingest_raw(build_mail(sender="DEWI.PEMPEK@gmail.com",
                                   subject=f"Tambahan dokumen [{created.ticket}]",
                                   body="Foto produk terlampir.",
                                   attachments=[("foto.pdf", "application/pdf", PDF_BYTES)]),
                        now, source="imap")
    assert (result.action, result.ticket) == ("appended", created.ticket)
    assert "kode di subjek" in result.reason
    assert ticket(created.ticket).messages[-1].attachments[0].filename == "foto.pdf"


def test_subject_code_from_someone_copied_threads_without_changing_status(now):
    created = ingest_raw(eml("gmail_new_request.eml"), now, source="imap")  # Cc: Budi
    t = ticket(created.ticket)
    say_and_set(t, "menunggu_pemohon", now)
    db.session.commit()
    result = ingest_raw(build_mail(sender="Budi <budi.santoso@yahoo.co.id>",
                                   subject=f"Re: [{t.code}] halal", body="Saya suaminya."),
                        now, source="imap")
    assert (result.action, result.ticket) == ("appended", t.code)
    t = ticket(t.code)
    assert t.status == "menunggu_pemohon"  # only the requester's answer resumes the clock
    assert t.messages[-1].author_name == "Budi <budi.santoso@yahoo.co.id>"


def test_staff_answering_an_escalation_mail_writes_an_internal_note(now):
    from ..support.staff import staff

    created = ingest_raw(eml("gmail_new_request.eml"), now, source="imap")
    t = ticket(created.ticket)
    lead = staff(now, role="ketua_tim", unit="PUMK", email="ketua@diskopukm.go.id",
                 name="Ketua Tim PUMK")
    our_id = make_message_id(t.code, CORPUS_SECRET.encode(), CORPUS_DOMAIN, "esc1")
    # The receiving provider (a trusted authserv-id) verified the staff domain by DKIM.
    verified = {"Authentication-Results": "mx.google.com; dkim=pass header.i=@diskopukm.go.id "
                "header.s=sel1 header.b=abc; spf=neutral smtp.mailfrom=ketua@diskopukm.go.id"}
    result = ingest_raw(build_mail(sender="Ketua <ketua@diskopukm.go.id>",
                                   subject=f"Re: [{t.code}] Eskalasi", in_reply_to=our_id,
                                   body="Sudah saya minta Staf 3 menjawab hari ini.",
                                   headers=verified),
                        now, source="imap")
    assert (result.action, result.ticket) == ("appended", t.code)
    t = ticket(t.code)
    last = t.messages[-1]
    assert (last.direction, last.author_id, last.author_name) == ("note", lead.id,
                                                                  "Ketua Tim PUMK")
    assert not last.is_public
    assert t.status == "baru"
    assert outbox_to("ketua@diskopukm.go.id") == []


def test_guessed_code_from_a_stranger_opens_a_linked_ticket(now):
    created = ingest_raw(eml("gmail_new_request.eml"), now, source="imap")
    set_code(created.ticket, "7KQ4-M9XD")
    result = ingest_raw(eml("intake/stranger_guess_code.eml"), now, source="imap")
    assert result.action == "created" and result.ticket != "7KQ4-M9XD"
    assert "tertaut ke 7KQ4-M9XD" in result.reason
    new = ticket(result.ticket)
    original = ticket("7KQ4-M9XD")
    assert new.parent_id == original.id and new.requester_email == "orang.lain@example.net"
    assert len(original.messages) == 1  # nobody writes into someone else's ticket
    # the acknowledgement, rendered by the flush from what intake stored, names the link
    [ack] = outbox_to("orang.lain@example.net")
    assert "terkait dengan permohonan 7KQ4-M9XD" in ack.body_text
    assert new.code in ack.body_html and "7KQ4-M9XD" in ack.body_html


def test_follow_up_on_an_answered_ticket_reopens_it(now):
    created = new_request(now)
    t = ticket(created.ticket)
    say_and_set(t, "selesai", now)
    db.session.commit()
    result = ingest_raw(build_mail(sender="dewi.pempek@gmail.com",
                                   subject=f"Re: [{t.code}] jawaban", body="Belum jelas, Pak."),
                        now + timedelta(days=1), source="imap")
    assert result.action == "appended"
    t = ticket(t.code)
    assert t.status == "diproses" and t.resolved_dt is None and t.due_dt > now


def test_follow_up_on_a_closed_ticket_opens_a_new_linked_one(now):
    created = new_request(now)
    t = ticket(created.ticket)
    [ack] = outbox_to("dewi.pempek@gmail.com")
    set_status(t, "ditutup", now)
    db.session.commit()
    result = ingest_raw(build_mail(sender="dewi.pempek@gmail.com", in_reply_to=ack.message_id,
                                   subject=f"Re: [{t.code}] halal", body="Pertanyaan baru."),
                        now + timedelta(days=3), source="imap")
    assert result.action == "created" and result.ticket != t.code
    new = ticket(result.ticket)
    assert new.parent_id == t.id and new.status == "baru"
    assert ticket(t.code).status == "ditutup" and len(ticket(t.code).messages) == 1
    assert "sudah ditutup" in result.reason


# ------------------------------------------------------------------ attachments

def test_refused_attachments_are_kept_and_listed_in_the_acknowledgement(now):
    result = ingest_raw(eml("intake/attachment_refused.eml"), now, source="imap")
    t = ticket(result.ticket)
    files = {a.filename: a for a in t.messages[0].attachments}
    assert set(files) == {"Formulir merek.pdf", "katalog.exe"}
    assert files["Formulir merek.pdf"].is_accepted
    assert not files["katalog.exe"].is_accepted and files["katalog.exe"].refusal_reason
    [ack] = outbox_to("toko.kue.ani@gmail.com")
    assert "katalog.exe" in ack.body_text and files["katalog.exe"].refusal_reason in ack.body_text
    assert "Formulir merek.pdf" not in ack.body_text
    # what is accepted, from the limits the desk applies
    assert "PDF, JPG, PNG atau DOCX, paling besar 10 MB" in ack.body_text


def _signed(inner, protocol: str, signature: tuple[str, bytes], *extra) -> MIMEMultipart:
    """`inner` signed as S/MIME or OpenPGP clients send it (RFC 1847 multipart/signed), with
    `extra` parts (an OpenPGP key) beside it."""
    content = MIMEMultipart("mixed", _subparts=[inner, *extra]) if extra else inner
    part = MIMEApplication(signature[1], protocol.split("/", 1)[1])
    part.add_header("Content-Disposition", "attachment", filename=signature[0])
    signed = MIMEMultipart("signed", _subparts=[content, part], protocol=protocol,
                           micalg="sha-256")
    signed["From"], signed["To"] = "Dinas Mitra <mitra@kemenkop.example.go.id>", OUR_ADDRESS
    return signed


def test_signing_parts_are_kept_but_never_refused_to_the_sender(now):
    """S/MIME and OpenPGP clients add a signature (smime.p7s, signature.asc) and may offer
    the sender's key to every mail: kept with their bytes like any part, but no file the
    sender chose, so the acknowledgement lists no refusal and a signed follow-up sends no
    "attachment refused" notice."""
    pdf = MIMEApplication(PDF_BYTES, "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename="Formulir merek.pdf")
    inner = MIMEMultipart("mixed", _subparts=[
        MIMEText("Mohon informasi pendaftaran merek untuk koperasi kami.", "plain", "utf-8"),
        pdf])
    first = _signed(inner, "application/pkcs7-signature", ("smime.p7s", b"0\x82\x05\x00sig"))
    first["Subject"], first["Message-ID"] = "Pendaftaran merek", "<s1@kemenkop.example.go.id>"
    raw = first.as_bytes()
    result = ingest_raw(raw, now, source="imap")
    t = ticket(result.ticket)
    files = {a.filename: a for a in t.messages[0].attachments}
    assert files["Formulir merek.pdf"].is_accepted and set(files) == {"Formulir merek.pdf",
                                                                       "smime.p7s"}
    assert not files["smime.p7s"].is_accepted  # kept for staff, as an unknown type is
    assert "ditolak" not in result.reason
    [ack] = outbox_to("mitra@kemenkop.example.go.id")
    assert "smime.p7s" not in ack.body_text and "TIDAK dapat kami terima" not in ack.body_text
    assert db.session.get(InboundMail, result.inbound_id).raw == raw

    key = MIMEApplication(b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n...", "pgp-keys")
    key.add_header("Content-Disposition", "attachment", filename="OpenPGP_0xA1B2.asc")
    follow = _signed(MIMEText("Berkas sudah kami kirim.", "plain", "utf-8"),
                     "application/pgp-signature",
                     ("signature.asc", b"-----BEGIN PGP SIGNATURE-----\n..."), key)
    follow["Subject"], follow["Message-ID"] = f"Re: [{t.code}] merek", "<s2@kemenkop.example.go.id>"
    follow["In-Reply-To"] = ack.message_id
    result = ingest_raw(follow.as_bytes(), now + timedelta(hours=1), source="imap")
    assert result.action == "appended" and "ditolak" not in result.reason
    assert {a.filename for a in ticket(t.code).messages[-1].attachments} == {
        "signature.asc", "OpenPGP_0xA1B2.asc"}
    assert [m.id for m in outbox_to("mitra@kemenkop.example.go.id")] == [ack.id]


def test_a_message_forwarded_as_an_attachment_is_read_into_the_request(now):
    """Outlook's and Gmail's "forward as attachment" (message/rfc822): its sender, date,
    subject and text are part of the request staff read and of its routing, its files are
    stored beside the mail's own; the .eml stays for staff, and the sender is not told it
    was refused."""
    scan = MIMEApplication(PDF_BYTES, "pdf")
    scan.add_header("Content-Disposition", "attachment", filename="NIB Rudi.pdf")
    logo = MIMEApplication(b"GIF89a logo", "octet-stream")
    logo.add_header("Content-Disposition", "inline", filename="logo.gif")
    original = MIMEMultipart("mixed", _subparts=[
        MIMEText("Bagaimana cara mendaftar sertifikat halal gratis untuk kerupuk?", "plain",
                 "utf-8"), scan, logo])
    original["From"], original["To"] = "Pak Rudi <rudi.kerupuk@gmail.com>", OUR_ADDRESS
    original["Subject"], original["Date"] = "Pertanyaan usaha", "Thu, 03 Dec 2026 10:30:00 +0700"
    pdf = MIMEApplication(PDF_BYTES, "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename="Surat usaha.pdf")
    forward = MIMEMultipart("mixed", _subparts=[
        MIMEText("Saya teruskan pertanyaan ayah saya, mohon dibantu.", "plain", "utf-8"),
        MIMEMessage(original), pdf])
    forward["From"], forward["To"] = "Sinta <sinta.rudi@gmail.com>", OUR_ADDRESS
    forward["Subject"], forward["Message-ID"] = "Fw: pertanyaan", "<fw1@gmail.com>"
    result = ingest_raw(forward.as_bytes(), now, source="imap")
    assert result.action == "created"
    t = ticket(result.ticket)
    assert t.unit.code == "PUMK"  # routed by the forwarded words: the subject says nothing
    body = t.messages[0].body_text
    assert body.startswith("Saya teruskan pertanyaan ayah saya, mohon dibantu.\n\n")
    for line in ("---------- Pesan terusan (lampiran) ----------",
                 "Dari: Pak Rudi <rudi.kerupuk@gmail.com>",
                 "Tanggal: Thu, 03 Dec 2026 10:30:00 +0700", "Perihal: Pertanyaan usaha",
                 "Bagaimana cara mendaftar sertifikat halal gratis untuk kerupuk?"):
        assert line in body.splitlines(), line
    # the forwarded mail's file beside the others (not its inline logo: it is in the .eml)
    files = {a.filename: a for a in t.messages[0].attachments}
    assert set(files) == {"Surat usaha.pdf", "NIB Rudi.pdf", "Pertanyaan usaha.eml"}
    assert files["Surat usaha.pdf"].is_accepted and files["NIB Rudi.pdf"].is_accepted
    [ack] = outbox_to("sinta.rudi@gmail.com")
    assert "Pertanyaan usaha.eml" not in ack.body_text
    assert "TIDAK dapat kami terima" not in ack.body_text


def test_a_forwarded_messages_refused_file_is_kept_but_not_told(now):
    """A file inside the forwarded message that the desk does not accept stays with the
    .eml for staff; the sender did not choose it for us and is not told it was refused."""
    exe = MIMEApplication(EXE_BYTES, "octet-stream")
    exe.add_header("Content-Disposition", "attachment", filename="katalog.exe")
    original = MIMEMultipart("mixed", _subparts=[
        MIMEText("Katalog produk koperasi kami.", "plain", "utf-8"), exe])
    original["From"], original["Subject"] = "Koperasi <kop@example.id>", "Katalog"
    forward = MIMEMultipart("mixed", _subparts=[
        MIMEText("Mohon info rekomendasi izin koperasi.", "plain", "utf-8"),
        MIMEMessage(original)])
    forward["From"], forward["To"] = "Andi <andi.kop@gmail.com>", OUR_ADDRESS
    forward["Subject"], forward["Message-ID"] = "Fw: katalog", "<fw2@gmail.com>"
    result = ingest_raw(forward.as_bytes(), now, source="imap")
    files = {a.filename: a for a in ticket(result.ticket).messages[0].attachments}
    assert set(files) == {"katalog.exe", "Katalog.eml"}
    assert not files["katalog.exe"].is_accepted  # kept for staff, refused as always
    [ack] = outbox_to("andi.kop@gmail.com")
    assert "katalog.exe" not in ack.body_text and "TIDAK dapat kami terima" not in ack.body_text


def test_an_own_refused_file_is_told_though_a_forwarded_one_has_its_name(now):
    """Quiet parts are known by the part, not by the name: the sender's own katalog.exe is
    told, the forwarded message's file of the same name is not."""
    def exe() -> MIMEApplication:
        part = MIMEApplication(EXE_BYTES, "octet-stream")
        part.add_header("Content-Disposition", "attachment", filename="katalog.exe")
        return part
    original = MIMEMultipart("mixed", _subparts=[MIMEText("Katalog.", "plain", "utf-8"), exe()])
    original["From"], original["Subject"] = "Koperasi <kop@example.id>", "Katalog"
    forward = MIMEMultipart("mixed", _subparts=[
        MIMEText("Mohon info rekomendasi izin koperasi.", "plain", "utf-8"), exe(),
        MIMEMessage(original)])
    forward["From"], forward["To"] = "Andi <andi.kop@gmail.com>", OUR_ADDRESS
    forward["Subject"], forward["Message-ID"] = "Fw: katalog", "<fw3@gmail.com>"
    result = ingest_raw(forward.as_bytes(), now, source="imap")
    names = [a.filename for a in ticket(result.ticket).messages[0].attachments]
    assert sorted(names) == ["Katalog.eml", "katalog.exe", "katalog.exe"]
    [ack] = outbox_to("andi.kop@gmail.com")
    assert ack.body_text.count("- katalog.exe: ") == 1  # the sender's own, once


def test_a_calendar_invitation_is_not_refused_to_its_sender(now):
    """An invitation's text/calendar part beside its words: kept, not listed as refused."""
    invite = MIMEMultipart("alternative", _subparts=[
        MIMEText("Undangan konsultasi sertifikat halal, Senin 10.00 WIB.", "plain", "utf-8"),
        MIMEText("BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:REQUEST\nBEGIN:VEVENT\n"
                 "SUMMARY:Konsultasi halal\nDTSTART:20261214T030000Z\nEND:VEVENT\n"
                 "END:VCALENDAR\n", "calendar", "utf-8")])
    invite["From"], invite["To"] = "Koperasi Maju <koperasi.maju@gmail.com>", OUR_ADDRESS
    invite["Subject"], invite["Message-ID"] = "Undangan: konsultasi halal", "<cal1@gmail.com>"
    result = ingest_raw(invite.as_bytes(), now, source="imap")
    t = ticket(result.ticket)
    assert t.messages[0].body_text == "Undangan konsultasi sertifikat halal, Senin 10.00 WIB."
    assert [a.filename for a in t.messages[0].attachments] == ["attachment-1.ics"]
    [ack] = outbox_to("koperasi.maju@gmail.com")
    assert ".ics" not in ack.body_text and "TIDAK dapat kami terima" not in ack.body_text


def test_refused_attachment_on_a_follow_up_is_told_to_the_sender(now):
    created = new_request(now)
    result = ingest_raw(build_mail(sender="dewi.pempek@gmail.com",
                                   subject=f"[{created.ticket}] lampiran",
                                   attachments=[("setup.exe", "application/octet-stream",
                                                 EXE_BYTES)]),
                        now, source="imap")
    assert result.action == "appended" and "1 lampiran ditolak" in result.reason
    notice = outbox_to("dewi.pempek@gmail.com")[-1]
    assert notice.kind == "mail_attachments_refused" and "setup.exe" in notice.body_text
    assert "PDF, JPG, PNG atau DOCX, paling besar 10 MB" in notice.body_text
    assert notice.headers["Auto-Submitted"] == "auto-replied"


# ------------------------------------------------------------------ too large to download

def test_too_large_message_keeps_a_stub_and_tells_the_sender(app, now):
    header = (b"From: Andi <andi.kopi@icloud.com>\r\nTo: layanan@diskopukm.palembangkota.go.id"
              b"\r\nSubject: Foto produk\r\nMessage-ID: <big-1@icloud.com>\r\n\r\n")
    size = app.config["MAIL_MAX_INBOUND_BYTES"] + 1
    result = ingest_headers_only(header, size, now, uid="9", folder="INBOX")
    assert result.action == "ignored" and result.is_too_large and "terlalu besar" in result.reason
    row = db.session.get(InboundMail, result.inbound_id)
    assert row.is_headers_only and row.raw == header and row.size == size
    [notice] = outbox_to("andi.kopi@icloud.com")
    assert notice.kind == "mail_too_large" and "Foto produk" in notice.body_text
    assert count(Ticket) == 0
    again = ingest_headers_only(header, size, now, uid="9", folder="INBOX")
    assert again.action == "duplicate" and again.is_too_large
    assert len(outbox_to("andi.kopi@icloud.com")) == 1
    with pytest.raises(ReprocessError):
        reprocess_failed(row.id, now, force_request=True)


def test_message_ids_in_results_and_rows_match(now):
    result = ingest_raw(eml("gmail_reply_quoted.eml"), now, source="file")
    assert result.message_id == db.session.get(InboundMail, result.inbound_id).message_id
    assert db.session.scalar(select(Message.email_message_id).where(
        Message.email_message_id == result.message_id)) == result.message_id
