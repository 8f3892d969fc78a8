"""The SLA clock end to end: run_sla_check, the outbox and a real SMTP server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import AuditEntry, OutboxMail, SlaNotification, Ticket, Unit
from ticketing.services import sla
from ticketing.services.intake import citizen_reply, confirm_understanding
from ticketing.services.outbox import flush
from ticketing.services.people import create_user
from ticketing.services.serialize import ticket_json
from ticketing.services.transaction import run

from ..factories import gen_ticket, say_and_set

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB).astimezone(UTC)


WED_10 = wib(2026, 12, 2, 10, 0)  # a one-day PUMK service received now is due Thu 10.00


STAFF = {
    "staf": ("staf", "PUMK", "staf@pumk.id"),
    "ketua": ("ketua_tim", "PUMK", "ketua@pumk.id"),
    "kabid": ("kabid", "PUMK", "kabid@pumk.id"),
    "ketua_kel": ("ketua_tim", "KELEMBAGAAN", "ketua@kel.id"),
    "kabid_kel": ("kabid", "KELEMBAGAAN", "kabid@kel.id"),
    "kadis": ("kepala_dinas", None, "kadis@dinas.id"),
}


@pytest.fixture
def staff(app):
    """Both units' chains, plus a PUMK staf member and the kepala dinas (no passwords:
    hashing is slow and nobody logs in here)."""
    now = WED_10 - timedelta(days=30)
    people = {key: create_user(email, key, role, unit, None, now)
              for key, (role, unit, email) in STAFF.items()}
    db.session.commit()
    return people


def check(now: datetime) -> dict:
    """One sla check, then deliver what it queued."""
    result = sla.run_sla_check(now)
    flush(now)
    return result


def inbox(smtp_server, address: str) -> list[str]:
    """Subjects received by `address` (citizen acknowledgements excluded by address)."""
    return [m.subject for m in smtp_server.to(address)]


def staff_mail(smtp_server) -> list[tuple[str, str]]:
    return sorted((r, m.subject.split("] ", 1)[1]) for m in smtp_server.messages
                  for r in m.recipients if not r.endswith("example.com"))


def fresh(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


# ------------------------------------------------------------------ the whole ladder

def test_unanswered_request_reaches_ketua_tim_at_deadline_and_kabid_a_day_later(
        app, staff, smtp_server):
    ticket = gen_ticket(WED_10, service="sertifikat-halal")
    flush(WED_10)  # the citizen's acknowledgement
    smtp_server.clear()

    assert check(wib(2026, 12, 2, 15, 0))["warning"] == 0
    assert check(wib(2026, 12, 3, 7, 52))["warning"] == 0
    assert staff_mail(smtp_server) == []

    # 75% used (Thursday 07.52.30): the unassigned ticket's reminder goes to the ketua tim.
    assert check(wib(2026, 12, 3, 7, 53))["warning"] == 1
    assert staff_mail(smtp_server) == [
        ("ketua@pumk.id", "Pengingat: permohonan mendekati batas waktu")]
    for minute in range(54, 60):  # the scheduler's next runs send nothing again
        assert check(wib(2026, 12, 3, 7, minute))["mails"] == 0
    assert len(staff_mail(smtp_server)) == 1
    assert fresh(ticket).escalation_level == 0

    # Due time: level 1 to the ketua tim; the ticket is overdue.
    assert check(wib(2026, 12, 3, 10, 0))["level1"] == 1
    assert fresh(ticket).escalation_level == 1
    data = ticket_json(fresh(ticket), wib(2026, 12, 3, 10, 0), messages=False)
    assert data["overdue"] is True and data["escalation_level"] == 1
    for hour in (11, 13, 15):
        assert check(wib(2026, 12, 3, hour, 0))["mails"] == 0

    # One more working day: level 2 to the kabid.
    assert check(wib(2026, 12, 4, 9, 59))["level2"] == 0
    assert check(wib(2026, 12, 4, 10, 0))["level2"] == 1
    assert check(wib(2026, 12, 7, 10, 0))["mails"] == 0
    assert fresh(ticket).escalation_level == 2
    assert staff_mail(smtp_server) == [
        ("kabid@pumk.id", "Eskalasi 2: permohonan masih terlambat"),
        ("ketua@pumk.id", "Eskalasi 1: permohonan melewati batas waktu"),
        ("ketua@pumk.id", "Pengingat: permohonan mendekati batas waktu"),
    ]
    # The other unit and the kepala dinas were never told.
    for other in ("ketua@kel.id", "kabid@kel.id", "kadis@dinas.id", "staf@pumk.id"):
        assert inbox(smtp_server, other) == []

    kabid_mail = smtp_server.to("kabid@pumk.id")[0]
    assert kabid_mail.message["Auto-Submitted"] == "auto-generated"
    assert f"[{ticket.code}]" in kabid_mail.subject
    assert f"/staf/tiket/{ticket.code}" in kabid_mail.text() or \
        f"/tiket/{ticket.code}" in kabid_mail.text()
    assert "Terlambat 1 hari kerja" in kabid_mail.text()
    assert "Eskalasi 2" in kabid_mail.html()
    audit = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.ticket_id == ticket.id)).all()
    assert audit.count("escalation") == 2 and audit.count("sla_warning") == 1


def test_reminder_goes_to_the_assignee(app, staff, smtp_server):
    ticket = gen_ticket(WED_10)
    ticket.assignee = staff["staf"]
    db.session.commit()
    check(wib(2026, 12, 3, 8, 0))
    assert staff_mail(smtp_server) == [
        ("staf@pumk.id", "Pengingat: permohonan mendekati batas waktu")]


def test_escalation_does_not_bump_the_optimistic_lock(app, staff):
    ticket = gen_ticket(WED_10)
    version = ticket.version
    sla.run_sla_check(wib(2026, 12, 3, 10, 0))
    ticket = fresh(ticket)
    assert ticket.escalation_level == 1
    assert ticket.version == version


def test_json_agrees_with_the_clock_before_the_check_runs(app, staff):
    ticket = gen_ticket(WED_10)
    data = ticket_json(ticket, wib(2026, 12, 3, 9, 59), messages=False)
    assert (data["overdue"], data["escalation_level"]) == (False, 0)
    data = ticket_json(ticket, wib(2026, 12, 3, 10, 0), messages=False)
    assert (data["overdue"], data["escalation_level"]) == (True, 1)
    data = ticket_json(ticket, wib(2026, 12, 4, 10, 0), messages=False)
    assert (data["overdue"], data["escalation_level"]) == (True, 2)
    assert data["due_at"] == "2026-12-03T10:00:00+07:00"


# ------------------------------------------------------------------ what stops the ladder

def test_answering_stops_escalation(app, staff, smtp_server):
    ticket = gen_ticket(WED_10)
    check(wib(2026, 12, 3, 8, 0))  # reminder sent
    say_and_set(ticket, "selesai", wib(2026, 12, 3, 9, 0), actor=staff["staf"])
    db.session.commit()
    assert fresh(ticket).is_first_response_late is False
    for day, hour in ((3, 10), (4, 10), (7, 10)):
        assert check(wib(2026, 12, day, hour, 0))["checked"] == 0
    assert [s for _, s in staff_mail(smtp_server)] == [
        "Pengingat: permohonan mendekati batas waktu"]
    assert ticket_json(fresh(ticket), wib(2026, 12, 7, 10, 0), messages=False)["overdue"] is False


def test_late_answer_is_recorded_as_late(app, staff):
    ticket = gen_ticket(WED_10)
    say_and_set(ticket, "selesai", wib(2026, 12, 3, 10, 30), actor=staff["staf"])
    db.session.commit()
    assert fresh(ticket).is_first_response_late is True


def test_waiting_on_the_citizen_pauses_and_a_reply_resumes(app, staff, smtp_server):
    ticket = gen_ticket(WED_10)
    say_and_set(ticket, "menunggu_pemohon", wib(2026, 12, 2, 15, 0), actor=staff["staf"])
    db.session.commit()
    # Paused with 3.5 working hours left: nothing however long the citizen takes.
    for now in (wib(2026, 12, 3, 10, 0), wib(2026, 12, 4, 10, 0), wib(2026, 12, 7, 7, 59)):
        check(now)
    assert staff_mail(smtp_server) == []
    run(citizen_reply, fresh(ticket), "Ini dokumen yang diminta.", [], wib(2026, 12, 7, 8, 0))
    ticket = fresh(ticket)
    assert ticket.status == "diproses"
    assert ticket.due_dt == wib(2026, 12, 7, 11, 30)
    assert check(wib(2026, 12, 7, 9, 22))["mails"] == 0
    assert check(wib(2026, 12, 7, 9, 23))["warning"] == 1
    assert check(wib(2026, 12, 7, 11, 30))["level1"] == 1
    assert [s for _, s in staff_mail(smtp_server)] == [
        "Eskalasi 1: permohonan melewati batas waktu",
        "Pengingat: permohonan mendekati batas waktu"]


def test_reopen_starts_a_new_window_that_escalates_again(app, staff, smtp_server):
    ticket = gen_ticket(WED_10)
    check(wib(2026, 12, 4, 10, 0))  # level 1 and 2 of window 1
    assert len(staff_mail(smtp_server)) == 2
    say_and_set(fresh(ticket), "selesai", wib(2026, 12, 4, 11, 0), actor=staff["staf"])
    db.session.commit()
    smtp_server.clear()
    # The citizen says "Belum dipahami" on Monday 10.00: half a day, due 14.15.
    run(confirm_understanding, fresh(ticket), False, "Masih bingung soal syaratnya.",
                          wib(2026, 12, 7, 10, 0))
    ticket = fresh(ticket)
    assert (ticket.sla_window, ticket.escalation_level) == (2, 0)
    assert ticket.due_dt == wib(2026, 12, 7, 14, 15)
    assert ticket.is_first_response_late is True  # the history stays honest
    assert check(wib(2026, 12, 7, 13, 11))["mails"] == 0
    assert check(wib(2026, 12, 7, 13, 12))["warning"] == 1
    assert check(wib(2026, 12, 7, 14, 15))["level1"] == 1
    assert check(wib(2026, 12, 8, 14, 15))["level2"] == 1
    assert check(wib(2026, 12, 8, 15, 0))["mails"] == 0
    windows = db.session.execute(select(SlaNotification.sla_window, SlaNotification.level)
                                 .order_by(SlaNotification.id)).all()
    assert [tuple(w) for w in windows] == [(1, 1), (1, 2), (2, 0), (2, 1), (2, 2)]
    assert len(staff_mail(smtp_server)) == 3


def test_transfer_retargets_the_new_units_chain(app, staff, smtp_server):
    ticket = gen_ticket(WED_10, service="sertifikat-halal")
    ticket.assignee = staff["staf"]
    db.session.commit()
    check(wib(2026, 12, 3, 10, 0))  # PUMK's ketua tim told (level 1)
    assert staff_mail(smtp_server) == [
        ("ketua@pumk.id", "Eskalasi 1: permohonan melewati batas waktu")]
    # Moved to Kelembagaan (as services.tickets.transfer does: unit changed, assignee cleared).
    ticket = fresh(ticket)
    ticket.unit = db.session.scalar(select(Unit).where(Unit.code == "KELEMBAGAAN"))
    ticket.service = None
    ticket.assignee = None
    db.session.commit()
    smtp_server.clear()
    result = check(wib(2026, 12, 3, 11, 0))
    assert (result["retargeted"], result["level1"]) == (1, 1)
    assert staff_mail(smtp_server) == [
        ("ketua@kel.id", "Eskalasi 1: permohonan melewati batas waktu")]
    check(wib(2026, 12, 4, 10, 0))
    assert inbox(smtp_server, "kabid@kel.id") == [
        f"[{ticket.code}] Eskalasi 2: permohonan masih terlambat"]
    # PUMK is not told any more: its kabid never hears of the ticket.
    assert inbox(smtp_server, "kabid@pumk.id") == []
    assert inbox(smtp_server, "ketua@pumk.id") == []
    assert fresh(ticket).sla_window == 2


def test_triage_request_escalates_to_both_units_ketua_tim(app, staff, smtp_server):
    gen_ticket(WED_10, service="pengaduan-umum", type="pengaduan")  # 2 days: due Fri 10.00
    check(wib(2026, 12, 4, 10, 0))
    assert staff_mail(smtp_server) == [
        ("ketua@kel.id", "Eskalasi 1: permohonan melewati batas waktu"),
        ("ketua@pumk.id", "Eskalasi 1: permohonan melewati batas waktu")]
    assert "Triase" in smtp_server.to("ketua@kel.id")[0].text()


def test_service_thresholds_apply(app, staff, smtp_server):
    from ticketing.models import Service

    service = db.session.scalar(select(Service).where(Service.slug == "sertifikat-halal"))
    service.sla_warning_percent = 50
    service.sla_level2_days = 2
    db.session.commit()
    gen_ticket(WED_10)
    assert check(wib(2026, 12, 2, 14, 15))["warning"] == 1  # 50% of 8.5 h
    check(wib(2026, 12, 4, 10, 0))
    assert check(wib(2026, 12, 4, 10, 0))["level2"] == 0
    assert check(wib(2026, 12, 7, 10, 0))["level2"] == 1


def test_a_stale_concurrent_check_cannot_send_twice(app, staff, smtp_server, monkeypatch):
    """A check that scanned before another committed loses on the unique constraint."""
    ticket = gen_ticket(WED_10)
    assert check(wib(2026, 12, 3, 10, 0))["level1"] == 1
    # Pretend this run read the notifications before the first run committed them.
    monkeypatch.setattr(sla, "_sent_in_window", lambda ids: {})
    result = check(wib(2026, 12, 3, 10, 1))
    assert result["level1"] == 0 and result["skipped"] == 1
    assert len(inbox(smtp_server, "ketua@pumk.id")) == 1
    assert db.session.scalar(select(func.count()).select_from(SlaNotification)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMail).where(
        OutboxMail.ticket_id == ticket.id, OutboxMail.kind == "sla_escalation")) == 1


def test_nobody_to_tell_is_recorded_once(app, smtp_server):
    gen_ticket(WED_10)  # no staff accounts at all
    assert check(wib(2026, 12, 3, 10, 0))["level1"] == 1
    assert check(wib(2026, 12, 3, 10, 5))["level1"] == 0
    row = db.session.scalars(select(SlaNotification)).one()
    assert row.recipients == []


# ------------------------------------------------------------------ digest

def test_daily_digest_once_per_person_on_working_days(app, staff, smtp_server):
    late = gen_ticket(WED_10, subject="Terlambat dijawab")
    gen_ticket(wib(2026, 12, 3, 9, 0), subject="Jatuh tempo hari ini",
               service="rekomendasi-izin-koperasi")  # KELEMBAGAAN, due Mon 7 Dec 09.00
    flush(WED_10)
    smtp_server.clear()
    assert sla.send_digests(wib(2026, 12, 4, 7, 29))["sent"] == 0
    assert sla.send_digests(wib(2026, 12, 5, 7, 30))["skipped"] == "bukan hari kerja"
    # Monday 07.30: both units' ketua tim and kabid get their own unit's list.
    result = sla.send_digests(wib(2026, 12, 7, 7, 30))
    assert result["sent"] == 4
    assert sla.send_digests(wib(2026, 12, 7, 7, 35)) == {"sent": 0, "empty": 0, "skipped": 0}
    flush(wib(2026, 12, 7, 7, 35))
    pumk = smtp_server.to("ketua@pumk.id")
    assert len(pumk) == 1
    assert "1 terlambat, 0 jatuh tempo hari ini" in pumk[0].subject
    assert late.code in pumk[0].text() and "Jatuh tempo hari ini" not in pumk[0].text()
    kel = smtp_server.to("kabid@kel.id")[0]
    assert "0 terlambat, 1 jatuh tempo hari ini" in kel.subject
    assert late.code not in kel.text()
    assert kel.message["Auto-Submitted"] == "auto-generated"
    assert inbox(smtp_server, "staf@pumk.id") == [] and inbox(smtp_server, "kadis@dinas.id") == []
    # Tuesday: a new day, a new digest.
    assert sla.send_digests(wib(2026, 12, 8, 8, 0))["sent"] == 4


def test_no_digest_on_cuti_bersama(app, staff):
    gen_ticket(wib(2026, 12, 21, 10, 0))
    assert sla.send_digests(wib(2026, 12, 24, 7, 30))["skipped"] == "bukan hari kerja"
    assert sla.send_digests(wib(2026, 12, 28, 7, 30))["sent"] == 2


def test_empty_digest_is_recorded_but_not_sent(app, staff, smtp_server):
    result = sla.send_digests(wib(2026, 12, 7, 7, 30))
    assert result == {"sent": 0, "empty": 4, "skipped": 0}
    flush(wib(2026, 12, 7, 7, 31))
    assert smtp_server.messages == []


# ------------------------------------------------------------------ auto-close

def test_answered_ticket_closes_after_five_working_days_without_reply(app, staff):
    ticket = gen_ticket(WED_10)
    say_and_set(ticket, "selesai", wib(2026, 12, 2, 11, 0), actor=staff["staf"])
    db.session.commit()
    # Five working days after Wed 2 Dec 11.00 is Wed 9 Dec 11.00.
    assert sla.auto_close(wib(2026, 12, 9, 10, 59))["closed"] == 0
    assert fresh(ticket).status == "selesai"
    assert sla.auto_close(wib(2026, 12, 9, 11, 0))["closed"] == 1
    ticket = fresh(ticket)
    assert ticket.status == "ditutup" and ticket.closed_dt == wib(2026, 12, 9, 11, 0)
    assert sla.auto_close(wib(2026, 12, 9, 11, 5))["closed"] == 0
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.ticket_id == ticket.id, AuditEntry.action == "status")
        .order_by(AuditEntry.id.desc())).first()
    assert entry.new_value == "ditutup" and entry.actor_label == "sistem"


def test_auto_close_counts_working_days_over_christmas(app, staff):
    ticket = gen_ticket(wib(2026, 12, 21, 10, 0))
    say_and_set(ticket, "selesai", wib(2026, 12, 22, 10, 0), actor=staff["staf"])
    db.session.commit()
    # 23, 28, 29, 30, 31 Dec: the fifth working day ends on 31 Dec 10.00.
    assert sla.auto_close(wib(2026, 12, 30, 10, 0))["closed"] == 0
    assert sla.auto_close(wib(2026, 12, 31, 10, 0))["closed"] == 1


def test_a_citizen_reply_keeps_the_ticket_open(app, staff):
    ticket = gen_ticket(WED_10)
    say_and_set(ticket, "selesai", wib(2026, 12, 2, 11, 0), actor=staff["staf"])
    db.session.commit()
    run(citizen_reply, fresh(ticket), "Terima kasih, satu pertanyaan lagi.", [],
                  wib(2026, 12, 3, 9, 0))
    assert sla.auto_close(wib(2026, 12, 31, 10, 0))["closed"] == 0
    assert fresh(ticket).status == "diproses"


def test_old_closed_history_is_not_read(app, staff):
    """The check's scan only sees tickets whose clock runs."""
    for _ in range(3):
        old = gen_ticket(WED_10 - timedelta(days=60))
        say_and_set(old, "selesai", WED_10 - timedelta(days=59), actor=staff["staf"])
    db.session.commit()
    gen_ticket(WED_10)
    assert sla.run_sla_check(wib(2026, 12, 3, 10, 0))["checked"] == 1


def test_today_is_a_date_in_wib():
    assert wib(2026, 12, 7, 7, 30).astimezone(WIB).date() == date(2026, 12, 7)
