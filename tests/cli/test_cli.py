"""The `flask` commands of INTERFACE.md."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import Service, Unit, User

from ..factories import gen_ticket


def test_seed_is_idempotent_and_demo_has_the_standards_numbers(runner):
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert "demo-palembang" in first.output
    again = runner.invoke(args=["seed", "--demo"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 2
    assert db.session.scalar(select(func.count()).select_from(Service)) == 4
    users = json.loads(runner.invoke(args=["users", "list", "--json"]).output)
    assert all(set(u) == {"email", "name", "role", "unit"} for u in users)
    def n(role, unit):
        return sum(1 for u in users if u["role"] == role and u["unit"] == unit)
    assert n("staf", "PUMK") == 8 and n("staf", "KELEMBAGAAN") == 3
    for unit in ("PUMK", "KELEMBAGAAN"):
        assert n("ketua_tim", unit) >= 1 and n("kabid", unit) == 1
    assert n("kepala_dinas", None) == 1 and n("admin", None) == 1
    assert len(users) == db.session.scalar(select(func.count()).select_from(User))


def test_users_token_prints_token_on_last_line(runner):
    runner.invoke(args=["seed", "--demo"])
    result = runner.invoke(args=["users", "token", "staf1.pumk@demo.diskopukm.id"])
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1].startswith("kukm_")
    missing = runner.invoke(args=["users", "token", "nobody@example.com"])
    assert missing.exit_code != 0


def test_tickets_list_and_show(runner, now):
    halal = gen_ticket(now, service="sertifikat-halal")
    koperasi = gen_ticket(now, service="rekomendasi-izin-koperasi")
    rows = json.loads(runner.invoke(args=["tickets", "list", "--json"]).output)
    assert {r["code"] for r in rows} == {halal.code, koperasi.code}
    pumk = json.loads(runner.invoke(args=["tickets", "list", "--json", "--unit", "PUMK"]).output)
    assert [r["code"] for r in pumk] == [halal.code]
    assert json.loads(runner.invoke(args=["tickets", "list", "--json", "--status",
                                          "selesai"]).output) == []
    shown = json.loads(runner.invoke(args=["tickets", "show", halal.code, "--json"]).output)
    assert set(shown) >= {"code", "type", "channel", "unit", "service", "status", "subject",
                          "requester", "assignee", "created_at", "due_at", "first_response_at",
                          "resolved_at", "overdue", "escalation_level", "messages"}
    assert shown["messages"][0]["direction"] == "in"
    assert shown["created_at"].endswith("+07:00")
    assert runner.invoke(args=["tickets", "show", "ZZZZ-ZZZZ", "--json"]).exit_code != 0


@pytest.mark.parametrize("args,words", [
    (["--unit", "NOPE"], ["unit tidak dikenal", "NOPE", "PUMK", "KELEMBAGAAN"]),
    (["--unit", ""], ["unit tidak dikenal"]),
    (["--status", "hilang"], ["status tidak dikenal", "hilang", "menunggu_pemohon"]),
    (["--status", ""], ["status tidak dikenal"]),
])
def test_tickets_list_refuses_unknown_values(runner, now, args, words):
    gen_ticket(now)
    result = runner.invoke(args=["tickets", "list", "--json", *args])
    assert result.exit_code == 1 and result.stdout == "", result.output  # no JSON answer
    assert all(word in result.output for word in words), result.output


@pytest.mark.parametrize("unit", ["pumk", " PUMK", "triase"])
def test_tickets_list_accepts_known_values_loosely_written(runner, now, unit):
    halal = gen_ticket(now, service="sertifikat-halal")
    triage = gen_ticket(now, service="pengaduan-umum", type="pengaduan")
    rows = json.loads(runner.invoke(args=["tickets", "list", "--json", "--unit", unit]).output)
    assert [r["code"] for r in rows] == [triage.code if unit == "triase" else halal.code]


def test_overdue_filter(runner, now):
    from datetime import timedelta

    import time_machine

    old = gen_ticket(now - timedelta(days=10))
    gen_ticket(now)
    with time_machine.travel(now, tick=False):
        rows = json.loads(runner.invoke(args=["tickets", "list", "--json", "--overdue"]).output)
    assert [r["code"] for r in rows] == [old.code]
    assert rows[0]["overdue"] is True


def test_mail_flush_delivers_to_smtp(runner, now, smtp_server):
    import time_machine

    ticket = gen_ticket(now)
    with time_machine.travel(now, tick=False):
        result = runner.invoke(args=["mail", "flush"])
    assert result.exit_code == 0
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["sent"] == 1 and summary["pending"] == 0
    assert len(smtp_server.to(ticket.requester_email)) == 1


def test_demo_seed_creates_a_living_queue_once(runner):
    from ticketing.models import SurveyResponse, Ticket

    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    tickets = db.session.scalars(select(Ticket)).all()
    statuses = sorted(t.status for t in tickets)
    assert len(tickets) == 7
    assert "selesai" in statuses and "menunggu_pemohon" in statuses and "baru" in statuses
    assert any(t.unit is None for t in tickets)  # one waits in triage
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    again = runner.invoke(args=["seed", "--demo"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 7


def test_commands_start_without_alembic_and_db_still_migrates(runner):
    """Alembic is imported only by a migration (a tenth of every command's start-up):
    `flask db` is loaded when it is called, the extension's state on its first use."""
    import subprocess
    import sys

    code = ("import sys; from ticketing import create_app; from ticketing.config import "
            "TestConfig; create_app(TestConfig); print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('alembic', 'flask_migrate')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]", done.stderr
    listed = runner.invoke(args=["db", "--help"])
    assert listed.exit_code == 0 and "upgrade" in listed.output
    heads = runner.invoke(args=["db", "heads"])
    assert heads.exit_code == 0, heads.output
    assert runner.app.extensions["migrate"].directory.endswith("migrations")
