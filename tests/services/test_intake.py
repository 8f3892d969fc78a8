from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import Attachment, AuditEntry, OutboxMail, Ticket
from ticketing.services import intake
from ticketing.services.outbox import flush
from ticketing.services.transaction import run

from ..factories import EXE_BYTES, PDF_BYTES, PNG_BYTES, docx_bytes, gen_ticket, say_and_set, upload

WIB_10 = datetime(2026, 12, 23, 3, 0, tzinfo=UTC)  # Wednesday 23 Dec 10:00 WIB


def test_open_request_computes_due_over_cuti_bersama(app):
    ticket = gen_ticket(WIB_10, service="sertifikat-halal")
    # 24 Dec cuti bersama, 25 Christmas, 26-27 weekend: 1 working day ends Monday 10:00 WIB.
    assert ticket.due_dt == datetime(2026, 12, 28, 3, 0, tzinfo=UTC)
    assert ticket.unit.code == "PUMK"
    assert ticket.status == "baru"
    assert ticket.routing_reason.startswith("dipilih pemohon")


def test_two_day_service_and_triage_service(app):
    koperasi = gen_ticket(WIB_10, service="rekomendasi-izin-koperasi")
    assert koperasi.unit.code == "KELEMBAGAAN"
    assert koperasi.due_dt == datetime(2026, 12, 29, 3, 0, tzinfo=UTC)
    general = gen_ticket(WIB_10, service="pengaduan-umum", type="pengaduan")
    assert general.unit is None
    assert "triase" in general.routing_reason


def test_out_of_hours_request_starts_at_next_opening(app):
    sunday_night = datetime(2026, 12, 6, 13, 0, tzinfo=UTC)  # Sunday 20:00 WIB
    ticket = gen_ticket(sunday_night)
    assert ticket.sla_start_dt == datetime(2026, 12, 7, 0, 30, tzinfo=UTC)  # Mon 07:30
    assert ticket.due_dt == datetime(2026, 12, 8, 0, 30, tzinfo=UTC)


def test_request_is_stored_with_message_audit_and_acknowledgement(app):
    ticket = gen_ticket(WIB_10, uploads=[upload("ktp.pdf", PDF_BYTES),
                                         upload("foto.png", PNG_BYTES)])
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert [m.direction for m in ticket.messages] == ["in"]
    names = sorted(a.filename for a in ticket.messages[0].attachments)
    assert names == ["foto.png", "ktp.pdf"]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.ticket_id == ticket.id)).all()
    assert [a.action for a in audit] == ["created"]
    mail = db.session.scalars(select(OutboxMail)).one()
    assert mail.recipient == "siti@example.com"
    assert mail.subject.startswith(f"[{ticket.code}] ")
    assert mail.headers["Auto-Submitted"] == "auto-replied"
    assert mail.status == "pending"
    assert flush(WIB_10)["sent"] == 1  # rendered when the outbox is flushed
    db.session.refresh(mail)
    assert "Senin, 28 Desember 2026 pukul 10.00 WIB" in mail.body_text


def test_phone_only_request_sends_no_mail(app):
    ticket = gen_ticket(WIB_10, email=None, phone="0812-3456-7890")
    assert ticket.requester_phone == "6281234567890"
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_no_contact_is_refused(app):
    with pytest.raises(intake.IntakeError) as err:
        gen_ticket(WIB_10, email=None, phone=None)
    assert "email" in err.value.errors
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


@pytest.mark.parametrize("name,data", [
    ("surat.pdf", EXE_BYTES),           # an .exe renamed .pdf
    ("foto.jpg", b"just some text"),    # not an image at all
    ("arsip.docx", b"PK\x03\x04" + b"\x00" * 40),  # a zip that is no Word document
])
def test_disguised_uploads_are_refused(app, name, data):
    with pytest.raises(intake.IntakeError) as err:
        gen_ticket(WIB_10, uploads=[upload(name, data)])
    assert "attachments" in err.value.errors
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_oversized_and_too_many_uploads_are_refused(app):
    big = PDF_BYTES + b"0" * (app.config["MAX_ATTACHMENT_BYTES"])
    with pytest.raises(intake.IntakeError) as err:
        gen_ticket(WIB_10, uploads=[upload("besar.pdf", big)])
    assert "terlalu besar" in err.value.errors["attachments"]
    assert "batasnya 10 MB." in err.value.errors["attachments"]
    with pytest.raises(intake.IntakeError) as err:
        gen_ticket(WIB_10, uploads=[upload(f"f{i}.png", PNG_BYTES) for i in range(6)])
    assert "Paling banyak 5" in err.value.errors["attachments"]


def test_docx_is_accepted_and_renamed_by_content(app):
    ticket = gen_ticket(WIB_10, uploads=[upload("surat permohonan", docx_bytes())])
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.filename == "surat permohonan.docx"
    assert attachment.content_type.endswith("wordprocessingml.document")
    assert attachment.message.ticket_id == ticket.id


def test_double_submit_creates_one_ticket(app):
    first = gen_ticket(WIB_10, submission_key="abc123")
    second = gen_ticket(WIB_10, submission_key="abc123")
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 1


def test_codes_are_unique_and_not_sequential(app):
    codes = [gen_ticket(WIB_10).code for _ in range(5)]
    assert len(set(codes)) == 5
    assert codes != sorted(codes) or len({c[:4] for c in codes}) > 1


def test_find_for_requester_same_answer_for_wrong_pair_and_unknown(app):
    ticket = gen_ticket(WIB_10, phone="081234567890")
    loose_code = ticket.code.lower().replace("-", "")
    assert intake.find_for_requester(loose_code, "SITI@example.com") == ticket
    assert intake.find_for_requester(ticket.code, "+62 812-3456-7890") == ticket
    assert intake.find_for_requester(ticket.code, "other@example.com") is None
    assert intake.find_for_requester("ZZZZ-ZZZZ", "siti@example.com") is None


def test_citizen_reply_reopens_waiting_ticket(app):
    ticket = gen_ticket(WIB_10)
    say_and_set(ticket, "menunggu_pemohon", WIB_10, actor_label="test")
    db.session.commit()
    run(intake.citizen_reply, ticket, "Ini dokumen yang diminta", [upload("a.pdf", PDF_BYTES)],
        WIB_10)
    assert ticket.status == "diproses"
    assert ticket.messages[-1].attachments[0].filename == "a.pdf"


def test_belum_reopens_with_shorter_window_and_words(app):
    ticket = gen_ticket(WIB_10, service="rekomendasi-izin-koperasi")
    say_and_set(ticket, "selesai", WIB_10, actor_label="test")
    db.session.commit()
    later = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)  # Mon 09:00 WIB
    run(intake.confirm_understanding, ticket, False, "Syarat AHU belum jelas", later)
    assert ticket.status == "diproses"
    assert ticket.reopen_count == 1
    assert ticket.messages[-1].body_text == "Syarat AHU belum jelas"
    # half of 2 working days = 1 working day from Monday 09:00
    assert ticket.due_dt == datetime(2026, 12, 29, 2, 0, tzinfo=UTC)


def test_belum_needs_words_and_ya_confirms(app):
    ticket = gen_ticket(WIB_10)
    say_and_set(ticket, "selesai", WIB_10, actor_label="test")
    db.session.commit()
    with pytest.raises(intake.IntakeError):
        run(intake.confirm_understanding, ticket, False, "  ", WIB_10)
    run(intake.confirm_understanding, ticket, True, "", WIB_10)
    assert ticket.is_understood is True
    assert ticket.status == "selesai"


def test_smtp_down_keeps_mail_pending_then_delivers(app, smtp_server):
    ticket = gen_ticket(WIB_10)
    app.config["MAIL_PORT"] = 1  # nothing listens there
    app.extensions["mail"].port = 1
    result = flush(WIB_10)
    assert result["sent"] == 0 and result["retry"] == 1
    mail = db.session.scalars(select(OutboxMail)).one()
    assert mail.status == "pending" and mail.attempts == 1 and mail.last_error
    # Not retried before the backoff has passed.
    assert flush(WIB_10)["sent"] == 0
    app.extensions["mail"].port = smtp_server.port
    result = flush(datetime(2026, 12, 23, 3, 5, tzinfo=UTC))
    assert result["sent"] == 1
    caught = smtp_server.to("siti@example.com")
    assert len(caught) == 1
    message = caught[0].message
    assert message["Message-ID"] == mail.message_id
    assert message["Auto-Submitted"] == "auto-replied"
    assert f"[{ticket.code}]" in message["Subject"]
    assert "paling lambat Senin, 28 Desember 2026 pukul 10.00 WIB" in caught[0].text()
    assert ticket.code in caught[0].html()
    # A second flush sends nothing more.
    assert flush(datetime(2026, 12, 23, 3, 10, tzinfo=UTC))["sent"] == 0
    assert len(smtp_server.to("siti@example.com")) == 1
