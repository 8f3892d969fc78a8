"""Staff use cases on a ticket (services.tickets), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import AuditEntry, Message, OutboxMail, Ticket, Unit
from ticketing.services import tickets as svc
from ticketing.services.transaction import run

from ..factories import PDF_BYTES, gen_ticket, upload
from ..support.staff import staff

LATER = timedelta(minutes=30)


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def audit_actions(ticket: Ticket) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.ticket_id == ticket.id).order_by(AuditEntry.id)))


def fresh(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


# ------------------------------------------------------------------ claim / assign

def test_claim_takes_the_ticket_and_starts_work(app, now):
    ticket = gen_ticket(now)
    user = staff(now)
    run(svc.claim, ticket, user, now + LATER)
    ticket = fresh(ticket)
    assert ticket.assignee_id == user.id
    assert ticket.status == "diproses"
    assert audit_actions(ticket)[-2:] == ["assignee", "status"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assignee"))
    assert entry.actor_id == user.id and user.email in entry.new_value


def test_second_claim_loses_with_the_winner_named(app, now):
    ticket = gen_ticket(now)
    first, second = staff(now, name="Rina"), staff(now, name="Dodi")
    run(svc.claim, ticket, first, now)
    with pytest.raises(svc.Conflict, match="sudah diambil oleh Rina"):
        run(svc.claim, ticket, second, now)
    assert fresh(ticket).assignee_id == first.id


def test_claim_of_other_unit_or_triage_is_forbidden(app, now):
    kelembagaan = gen_ticket(now, service="rekomendasi-izin-koperasi")
    triage = gen_ticket(now, service="pengaduan-umum", type="pengaduan")
    user = staff(now, unit="PUMK")
    lead = staff(now, "ketua_tim", "PUMK")
    with pytest.raises(svc.Forbidden):
        run(svc.claim, kelembagaan, user, now)
    with pytest.raises(svc.Forbidden):
        run(svc.claim, triage, lead, now)
    assert fresh(kelembagaan).assignee_id is None


def test_assign_by_ketua_tim_within_unit_only(app, now):
    ticket = gen_ticket(now)
    lead = staff(now, "ketua_tim")
    member = staff(now)
    outsider = staff(now, unit="KELEMBAGAAN")
    with pytest.raises(svc.Forbidden):
        run(svc.assign, ticket, member, member, now)  # a staf cannot assign
    with pytest.raises(svc.ActionError, match="bukan petugas aktif"):
        run(svc.assign, ticket, lead, outsider, now)
    run(svc.assign, ticket, lead, member, now, expected_version=ticket.version)
    ticket = fresh(ticket)
    assert ticket.assignee_id == member.id
    assert ticket.status == "baru"  # assigning is not starting work
    assert "assignee" in audit_actions(ticket)


def test_assign_on_a_page_seen_before_a_change_is_refused(app, now):
    ticket = gen_ticket(now)
    lead = staff(now, "ketua_tim")
    member, other = staff(now), staff(now)
    seen = ticket.version
    run(svc.claim, ticket, other, now)  # happens after the ketua tim opened the page
    with pytest.raises(svc.Conflict, match="baru saja diubah"):
        run(svc.assign, fresh(ticket), lead, member, now, expected_version=seen)
    assert fresh(ticket).assignee_id == other.id


def test_inactive_staff_cannot_be_assigned(app, now):
    ticket = gen_ticket(now)
    lead = staff(now, "ketua_tim")
    gone = staff(now)
    gone.is_active_account = False
    db.session.commit()
    with pytest.raises(svc.ActionError):
        run(svc.assign, ticket, lead, gone, now)


# ------------------------------------------------------------------ transfer

def test_transfer_moves_unit_clears_assignee_and_service_and_keeps_due(app, now):
    ticket = gen_ticket(now, service="hki")
    user = staff(now)
    run(svc.claim, ticket, user, now)
    due = fresh(ticket).due_dt
    with pytest.raises(svc.ActionError, match="alasan"):
        run(svc.transfer, fresh(ticket), user, unit("KELEMBAGAAN"), "  ", now)
    run(svc.transfer, fresh(ticket), user, unit("KELEMBAGAAN"), "Pertanyaan tentang koperasi", now)
    ticket = fresh(ticket)
    assert ticket.unit.code == "KELEMBAGAAN"
    assert ticket.assignee_id is None
    assert ticket.service is None  # HKI is a PUMK service
    assert ticket.due_dt == due
    assert "Pertanyaan tentang koperasi" in ticket.routing_reason
    assert ticket.messages[-1].direction == "note"
    assert "PUMK ke KELEMBAGAAN" in ticket.messages[-1].body_text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "unit"))
    assert (entry.old_value, entry.new_value) == ("PUMK", "KELEMBAGAAN")
    assert entry.detail["reason"] == "Pertanyaan tentang koperasi"
    # The sender no longer sees it.
    assert not svc.allowed(user, "view", ticket)


def test_triage_is_routed_by_ketua_tim_with_a_service(app, now):
    ticket = gen_ticket(now, service="pengaduan-umum", type="pengaduan")
    lead = staff(now, "ketua_tim", "KELEMBAGAAN")
    assert ticket.unit is None and ticket.service.slug == "pengaduan-umum"
    from ticketing.models import Service

    service = db.session.scalar(select(Service).where(Service.slug == "rekomendasi-izin-koperasi"))
    run(svc.transfer, ticket, lead, unit("KELEMBAGAAN"), "Koperasi simpan pinjam", now,
                 service=service)
    ticket = fresh(ticket)
    assert ticket.unit.code == "KELEMBAGAAN" and ticket.service.slug == service.slug
    assert [a for a in audit_actions(ticket) if a in ("unit", "service")] == ["unit", "service"]


# ------------------------------------------------------------------ reply / note

def test_reply_is_mailed_through_the_outbox_and_answers(app, now):
    ticket = gen_ticket(now)
    user = staff(now, name="Sari")
    message = run(svc.reply, ticket, user, "Silakan daftar di SIHALAL.", "selesai", now + LATER,
                        [upload("panduan.pdf", PDF_BYTES)])
    ticket = fresh(ticket)
    assert ticket.status == "selesai"
    assert ticket.first_response_dt == now + LATER
    assert ticket.messages[-1].direction == "out"
    assert ticket.messages[-1].attachments[0].filename == "panduan.pdf"
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "staff_reply"))
    assert mail.recipient == "siti@example.com"
    assert mail.subject.startswith(f"[{ticket.code}] ")
    assert "Silakan daftar di SIHALAL." in mail.body_text
    assert f"/lacak/{ticket.code}?t=" in mail.body_text
    assert "Auto-Submitted" not in mail.headers  # written by a person
    assert db.session.get(Message, message.id).email_message_id == mail.message_id
    assert audit_actions(ticket)[-3:] == ["reply", "status", "notice"]


def test_reply_waiting_for_citizen_pauses_the_clock(app, now):
    ticket = gen_ticket(now)
    run(svc.reply, ticket, staff(now), "Mohon kirim foto NIB.", "menunggu_pemohon", now)
    ticket = fresh(ticket)
    assert ticket.status == "menunggu_pemohon"
    assert ticket.due_dt is None and ticket.sla_remaining_seconds > 0


def test_reply_refusals(app, now):
    ticket = gen_ticket(now)
    user = staff(now)
    with pytest.raises(svc.ActionError, match="Tulis jawaban"):
        run(svc.reply, ticket, user, "  ", "selesai", now)
    with pytest.raises(svc.ActionError, match="Pilih status"):
        run(svc.reply, ticket, user, "Jawaban", "ditutup", now)
    run(svc.close, ticket, user, now)
    with pytest.raises(svc.ActionError, match="ditutup"):
        run(svc.reply, fresh(ticket), user, "Jawaban", "selesai", now)
    assert db.session.scalar(select(func.count()).select_from(OutboxMail).where(
        OutboxMail.kind == "staff_reply")) == 0


def test_phone_only_reply_is_recorded_without_mail(app, now):
    ticket = gen_ticket(now, email=None, phone="0812 1111 2222")
    run(svc.reply, ticket, staff(now), "Sudah dijelaskan lewat telepon.", "selesai", now)
    assert fresh(ticket).messages[-1].body_text == "Sudah dijelaskan lewat telepon."
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_a_reply_racing_a_status_change_is_kept_not_lost(app, now):
    """The row changed between load and commit: the reply is redone on the fresh row."""
    ticket = gen_ticket(now)
    user = staff(now)
    # Another session changes the ticket after ours loaded it (bumping the version).
    from sqlalchemy import update

    with db.engine.begin() as conn:
        conn.execute(update(Ticket).where(Ticket.id == ticket.id).values(
            version=Ticket.version + 1, status="diproses"))
    run(svc.reply, ticket, user, "Jawaban pertama", "selesai", now, retries=svc.REPLY_RETRIES)
    run(svc.reply, fresh(ticket), staff(now), "Jawaban kedua", "selesai", now)
    bodies = [m.body_text for m in fresh(ticket).messages if m.direction == "out"]
    assert bodies == ["Jawaban pertama", "Jawaban kedua"]
    assert fresh(ticket).status == "selesai"
    # The attempt that hit the stale row left nothing behind: one entry and mail per reply.
    assert audit_actions(ticket).count("reply") == 2
    assert db.session.scalar(select(func.count()).select_from(OutboxMail).where(
        OutboxMail.kind == "staff_reply")) == 2


def test_note_is_internal(app, now):
    ticket = gen_ticket(now)
    run(svc.add_note, ticket, staff(now), "Pemohon sudah ditelepon.", now)
    ticket = fresh(ticket)
    assert ticket.messages[-1].direction == "note"
    assert not ticket.messages[-1].is_public
    assert audit_actions(ticket)[-1] == "note"
    with pytest.raises(svc.Forbidden):
        run(svc.add_note, ticket, staff(now, "kepala_dinas"), "baca saja", now)


# ------------------------------------------------------------------ status

def test_change_close_reopen_go_through_the_lifecycle(app, now):
    ticket = gen_ticket(now)
    user = staff(now)
    with pytest.raises(svc.ActionError, match="dapat dibuka kembali"):
        run(svc.reopen, ticket, user, now)
    # A bare status change is never an answer (issue 10): selesai needs the reply itself.
    with pytest.raises(svc.ActionError, match="bersama jawaban"):
        run(svc.change_status, ticket, user, "selesai", now, reason="dijawab lewat telepon")
    assert fresh(ticket).first_response_dt is None
    run(svc.reply, fresh(ticket), user, "Sudah dijawab lewat telepon: syaratnya NIB.",
        "selesai", now)
    run(svc.close, fresh(ticket), user, now + LATER)
    ticket = fresh(ticket)
    assert ticket.status == "ditutup" and ticket.closed_dt == now + LATER
    later = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
    run(svc.reopen, ticket, user, later, reason="pemohon bertanya lagi")
    ticket = fresh(ticket)
    assert ticket.status == "diproses" and ticket.closed_dt is None
    assert ticket.due_dt > later  # a new window (services.lifecycle)
    statuses = db.session.scalars(select(AuditEntry.new_value).where(
        AuditEntry.ticket_id == ticket.id, AuditEntry.action == "status")
        .order_by(AuditEntry.id)).all()
    assert statuses == ["selesai", "ditutup", "diproses"]


def test_status_change_with_a_stale_page_is_refused(app, now):
    ticket = gen_ticket(now)
    user = staff(now)
    seen = ticket.version
    run(svc.claim, ticket, staff(now), now)
    with pytest.raises(svc.Conflict):
        run(svc.close, fresh(ticket), user, now, expected_version=seen)
    assert fresh(ticket).status == "diproses"


def test_audit_entries_cannot_be_edited_or_deleted(app, now):
    ticket = gen_ticket(now)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.ticket_id == ticket.id))
    entry.new_value = "diubah"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


# ------------------------------------------------------------------ walk-in / phone

def oral(**kw) -> svc.OralRequest:
    data = {"channel": "lisan", "name": "Pak Harun", "type": "informasi",
            "subject": "Syarat sertifikat halal", "need": "Apa saja syarat halal gratis?",
            "service_slug": "sertifikat-halal", "phone": "0812 9999 0000",
            "answer": "Dijelaskan langkah SEHATI dan NIB.", "steps": [1, 2, 3, 4, 6, 7],
            "close_now": True}
    return svc.OralRequest(**(data | kw))


def test_walk_in_closed_on_the_spot_counts_like_any_ticket(app, now):
    user = staff(now)
    ticket = run(svc.record_oral, user, oral(), now)
    ticket = fresh(ticket)
    assert ticket.channel == "lisan" and ticket.unit.code == "PUMK"
    assert ticket.status == "ditutup" and ticket.is_understood is True
    assert ticket.resolved_dt == now and ticket.first_response_dt == now
    assert ticket.assignee_id == user.id
    directions = [m.direction for m in ticket.messages]
    assert directions == ["in", "note", "out"]
    checklist = ticket.messages[1].body_text
    assert "[x] 7. Petugas memastikan pemahaman pemohon dengan metode umpan balik" in checklist
    assert "[ ] 5. Petugas menjelaskan kembali" in checklist
    procedure = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "oral_procedure"))
    assert procedure.detail["steps"] == [1, 2, 3, 4, 6, 7]
    # It is an ordinary ticket for the CLI and reports.
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.channel == "lisan", Ticket.resolved_dt.isnot(None))) == 1


def test_walk_in_cannot_close_without_feedback_step(app, now):
    with pytest.raises(svc.ActionError, match="umpan balik"):
        run(svc.record_oral, staff(now), oral(steps=[1, 2, 3, 4]), now)
    with pytest.raises(svc.ActionError):
        run(svc.record_oral, staff(now), oral(answer=""), now)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_phone_request_left_open_becomes_my_work(app, now):
    user = staff(now, unit="KELEMBAGAAN")
    ticket = run(svc.record_oral, user, oral(channel="telepon", service_slug="pengaduan-umum",
                                        answer="", steps=[2], close_now=False,
                                        email="harun@example.com"), now)
    ticket = fresh(ticket)
    assert ticket.channel == "telepon" and ticket.unit.code == "KELEMBAGAAN"
    assert ticket.status == "diproses" and ticket.assignee_id == user.id
    # The citizen gets the acknowledgement with the tracking code.
    assert db.session.scalar(select(OutboxMail.kind)) == "acknowledgement"


def test_walk_in_for_another_units_service_or_by_kepala_dinas_is_refused(app, now):
    with pytest.raises(svc.ActionError, match="bidang lain"):
        run(svc.record_oral, staff(now, unit="KELEMBAGAAN"), oral(), now)
    with pytest.raises(svc.Forbidden):
        run(svc.record_oral, staff(now, "kepala_dinas"), oral(), now)
