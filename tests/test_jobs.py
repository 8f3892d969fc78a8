"""The scheduler's declarative job list: what runs, when it is enabled, and that a failed or
interrupted run neither stops the scheduler nor repeats work."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.jobs import JOBS
from ticketing.models import OutboxMail, SlaNotification
from ticketing.services import sla
from ticketing.services.people import create_user

from .factories import gen_ticket

WIB = ZoneInfo("Asia/Jakarta")


def job(name: str):
    return next(j for j in JOBS if j.name == name)


def test_the_job_list():
    listed = {j.name: (j.trigger, j.trigger_args) for j in JOBS}
    assert listed.items() >= {
        "mail_flush": ("interval", {"minutes": 1}),
        "sla_check": ("interval", {"minutes": 1}),
        "mail_poll": ("interval", {"minutes": 2}),
        "sla_digest": ("interval", {"minutes": 5}),
        "auto_close": ("interval", {"minutes": 15}),
    }.items()


def test_mail_poll_runs_only_with_imap_credentials(app):
    poll = job("mail_poll")
    app.config.update(IMAP_USER=None, IMAP_PASSWORD=None)
    assert not poll.enabled(app)
    app.config.update(IMAP_USER="diskopukm2020@gmail.com", IMAP_PASSWORD=None)
    assert not poll.enabled(app)
    app.config.update(IMAP_PASSWORD="rahasia")
    assert poll.enabled(app)
    assert job("sla_check").enabled(app)


def test_each_run_is_logged_and_a_failure_does_not_escape(app, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="scheduler.jobs")
    with time_machine.travel(datetime(2026, 12, 2, 3, 0, tzinfo=UTC), tick=False):
        job("sla_check").wrap(app)()
    assert any(r.message.startswith("sla_check: {'checked'") for r in caplog.records)

    def boom(now):
        raise RuntimeError("database went away")

    monkeypatch.setattr(sla, "run_sla_check", boom)
    job("sla_check").wrap(app)()  # logged, not raised
    assert any(r.levelname == "ERROR" and "sla_check failed" in r.message
               for r in caplog.records)


def test_a_run_interrupted_mid_way_is_finished_by_the_next_without_repeats(
        app, smtp_server, monkeypatch):
    create_user("ketua@pumk.id", "Ketua", "ketua_tim", "PUMK", None,
                datetime(2026, 11, 1, tzinfo=UTC))
    received = datetime(2026, 12, 2, 10, 0, tzinfo=WIB)
    first, second = gen_ticket(received), gen_ticket(received)
    now = datetime(2026, 12, 3, 10, 0, tzinfo=WIB)
    real = sla._queue_notice
    calls = []

    def crash_on_second_ticket(ticket, *args, **kw):
        calls.append(ticket.code)
        if ticket.code == second.code:
            raise SystemExit("scheduler killed")  # the process dies mid-job
        return real(ticket, *args, **kw)

    monkeypatch.setattr(sla, "_queue_notice", crash_on_second_ticket)
    with pytest.raises(SystemExit):
        sla.run_sla_check(now)
    db.session.rollback()
    # The batch the crash hit is one transaction (services.sla.BATCH tickets): nothing of it
    # was kept, so nothing is half-sent.
    assert db.session.scalar(select(func.count()).select_from(SlaNotification)) == 0
    monkeypatch.setattr(sla, "_queue_notice", real)
    # The restarted scheduler's next run does the rest and repeats nothing.
    assert sla.run_sla_check(now)["level1"] == 2
    assert sla.run_sla_check(now)["level1"] == 0
    escalations = db.session.scalars(select(OutboxMail.ticket_id).where(
        OutboxMail.kind == "sla_escalation")).all()
    assert sorted(escalations) == sorted([first.id, second.id])
