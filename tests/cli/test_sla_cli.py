"""`flask sla check` run again and again under a travelling clock, counting real mail."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import AuditEntry, Service, SlaNotification, Ticket
from ticketing.services.outbox import flush
from ticketing.services.people import create_user
from ticketing.services.sla import run_sla_check

from ..factories import gen_ticket

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.fixture
def chains(app):
    now = datetime(2026, 11, 1, tzinfo=UTC)
    for role, unit, email in (("ketua_tim", "PUMK", "ketua@pumk.id"),
                              ("kabid", "PUMK", "kabid@pumk.id"),
                              ("ketua_tim", "KELEMBAGAAN", "ketua@kel.id"),
                              ("kabid", "KELEMBAGAAN", "kabid@kel.id")):
        create_user(email, email.split("@")[0], role, unit, None, now)
    db.session.commit()


def run(runner, *args: str) -> dict:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_sla_check_every_minute_for_three_days_sends_each_mail_once(
        app, runner, chains, smtp_server):
    with time_machine.travel(wib(2026, 12, 2, 10, 0), tick=False):
        halal = gen_ticket(datetime.now(UTC), service="sertifikat-halal")
        koperasi = gen_ticket(datetime.now(UTC), service="rekomendasi-izin-koperasi")
        run(runner, "mail", "flush")
    smtp_server.clear()
    # Wednesday 10.00 to Monday 12.00, a check every 20 minutes plus both deadlines exactly.
    moments = [wib(2026, 12, 2, 10, 0) + timedelta(minutes=20 * i) for i in range(5 * 24 * 3)]
    moments += [wib(2026, 12, 3, 10, 0), wib(2026, 12, 4, 10, 0), wib(2026, 12, 7, 10, 0)]
    totals = {"warning": 0, "level1": 0, "level2": 0}
    for moment in sorted(moments):
        if moment > wib(2026, 12, 7, 12, 0):
            break
        with time_machine.travel(moment, tick=False):
            summary = run(runner, "sla", "check")
            for key in totals:
                totals[key] += summary[key]
            if summary["mails"]:
                assert run(runner, "mail", "flush")["sent"] == summary["mails"]
    # Each ticket: one reminder, one level 1, one level 2 - across ~360 runs.
    assert totals == {"warning": 2, "level1": 2, "level2": 2}
    got = sorted((m.recipients[0], m.subject) for m in smtp_server.messages)
    assert got == sorted([
        ("ketua@pumk.id", f"[{halal.code}] Pengingat: permohonan mendekati batas waktu"),
        ("ketua@pumk.id", f"[{halal.code}] Eskalasi 1: permohonan melewati batas waktu"),
        ("kabid@pumk.id", f"[{halal.code}] Eskalasi 2: permohonan masih terlambat"),
        ("ketua@kel.id", f"[{koperasi.code}] Pengingat: permohonan mendekati batas waktu"),
        ("ketua@kel.id", f"[{koperasi.code}] Eskalasi 1: permohonan melewati batas waktu"),
        ("kabid@kel.id", f"[{koperasi.code}] Eskalasi 2: permohonan masih terlambat"),
    ])
    # The CLI's ticket JSON agrees with the clock.
    with time_machine.travel(wib(2026, 12, 7, 12, 0), tick=False):
        shown = json.loads(runner.invoke(args=["tickets", "show", halal.code, "--json"]).output)
        overdue = json.loads(runner.invoke(args=["tickets", "list", "--json", "--overdue"]).output)
    assert shown["overdue"] is True and shown["escalation_level"] == 2
    assert {t["code"] for t in overdue} == {halal.code, koperasi.code}


def test_sla_check_prints_a_json_summary(runner, chains):
    with time_machine.travel(wib(2026, 12, 2, 10, 0), tick=False):
        gen_ticket(datetime.now(UTC))
        summary = run(runner, "sla", "check")
    assert summary == {"checked": 1, "warning": 0, "level1": 0, "level2": 0, "mails": 0,
                       "retargeted": 0, "skipped": 0}


def test_digest_and_auto_close_commands(runner, chains, smtp_server):
    with time_machine.travel(wib(2026, 12, 2, 10, 0), tick=False):
        gen_ticket(datetime.now(UTC))
    with time_machine.travel(wib(2026, 12, 3, 7, 30), tick=False):
        assert run(runner, "sla", "digest")["sent"] == 2  # PUMK ketua tim and kabid
        assert run(runner, "sla", "digest")["sent"] == 0
        run(runner, "mail", "flush")
    assert sorted(r for m in smtp_server.messages for r in m.recipients
                  if not r.endswith("example.com")) == ["kabid@pumk.id", "ketua@pumk.id"]
    with time_machine.travel(wib(2026, 12, 3, 7, 30), tick=False):
        assert run(runner, "sla", "auto-close") == {"closed": 0, "skipped": 0}


def test_calendar_and_target_commands_are_audited(runner):
    result = runner.invoke(args=["calendar", "hours", "4", "07.30", "11.30"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["calendar", "hours", "4", "12.00", "08.00"]).exit_code != 0
    assert runner.invoke(args=["calendar", "period", "Ramadan 1448 H", "2027-02-08",
                               "2027-03-09"]).exit_code == 0
    assert runner.invoke(args=["calendar", "closure", "2026-12-31", "Libur daerah"]).exit_code == 0
    shown = run(runner, "calendar", "show")
    assert shown["weekly_hours"]["4"] == ["07:30", "11:30"]
    assert shown["special_periods"][0]["weekly_hours"]["0"] == ["08:00", "15:00"]
    assert shown["closures"] == [{"day": "2026-12-31", "reason": "Libur daerah"}]
    target = run(runner, "sla", "target", "hki", "2", "--warning-percent", "80")
    assert target == {"service": "hki", "target_days": "2.00", "warning_percent": 80,
                      "level2_days": None}
    assert runner.invoke(args=["sla", "target", "tidak-ada", "2"]).exit_code != 0
    assert runner.invoke(args=["sla", "target", "hki", "nol"]).exit_code != 0
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["calendar_hours", "calendar_period", "calendar_closure", "service_target"]
    # New tickets follow the new settings: received Friday 12.00, after the new 11.30
    # closing, the clock starts Monday 07.30; HKI now takes two working days.
    with time_machine.travel(wib(2026, 12, 4, 12, 0), tick=False):
        halal = gen_ticket(datetime.now(UTC), service="sertifikat-halal")
        hki = gen_ticket(datetime.now(UTC), service="hki")
    assert halal.due_dt == wib(2026, 12, 8, 7, 30)
    assert hki.due_dt == wib(2026, 12, 9, 7, 30)


def test_settings_changes_do_not_move_open_tickets(runner):
    with time_machine.travel(wib(2026, 12, 2, 10, 0), tick=False):
        ticket = gen_ticket(datetime.now(UTC), service="hki")
    assert run(runner, "sla", "target", "hki", "3")["target_days"] == "3.00"
    assert runner.invoke(args=["calendar", "closure", "2026-12-03", "Libur"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).due_dt == wib(2026, 12, 3, 10, 0)
    assert db.session.scalar(select(Service.target_days).where(Service.slug == "hki")) == 3


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])  # row locks are PostgreSQL's
def test_two_concurrent_checks_send_each_escalation_once(app, backend, chains, smtp_server):
    """Two `sla check` processes at the same moment (threads with their own sessions and
    connections) against PostgreSQL: row locks share the work, nothing is sent twice."""
    received = wib(2026, 12, 2, 10, 0)
    codes = [gen_ticket(received, service=slug).code
             for slug in ["sertifikat-halal", "hki", "rekomendasi-izin-koperasi"] * 10]
    flush(received, limit=500)  # the citizens' acknowledgements
    smtp_server.clear()
    db.session.remove()
    # Friday 10.00: every PUMK ticket needs level 1 and level 2; Kelembagaan's (two days)
    # only level 1.
    now = wib(2026, 12, 4, 10, 0).astimezone(UTC)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def one_check() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(run_sla_check(now))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    for _round in range(3):  # and again: later rounds find nothing to do
        threads = [threading.Thread(target=one_check) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
    first_round = results[:2]
    assert sum(r["level1"] for r in first_round) == 30
    assert sum(r["level2"] for r in first_round) == 20
    assert all(r["level1"] == r["level2"] == 0 for r in results[2:])
    assert flush(now, limit=500)["sent"] == 50
    got = [(m.recipients[0], m.subject) for m in smtp_server.messages]
    assert len(got) == len(set(got)) == 50
    assert sum(1 for r, _ in got if r == "ketua@pumk.id") == 20
    assert sum(1 for r, _ in got if r == "kabid@pumk.id") == 20
    assert sum(1 for r, _ in got if r == "ketua@kel.id") == 10
    assert sum(1 for r, _ in got if r == "kabid@kel.id") == 0
    assert db.session.scalar(select(func.count()).select_from(SlaNotification)) == 50
    levels = dict(db.session.execute(select(Ticket.code, Ticket.escalation_level)).all())
    assert {levels[c] for c in codes[0::3] + codes[1::3]} == {2}
    assert {levels[c] for c in codes[2::3]} == {1}
