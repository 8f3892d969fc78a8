"""The outbox never stops: a broken mail fails alone, an SMTP outage is ridden out for days
and recovered, failed mail can be sent again, and a flush killed with SIGKILL loses nothing."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from ticketing import ROOT
from ticketing.extensions import db
from ticketing.models import AuditEntry, OutboxMail
from ticketing.services.outbox import flush

from ..factories import gen_ticket
from ..support.components import free_port
from .smtp_ops import SmtpServer

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def outbox() -> list[OutboxMail]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()


def make_mail(n: int) -> list[OutboxMail]:
    for i in range(n):
        gen_ticket(NOW, email=f"warga{i}@example.com", name=f"Warga {i}")
    db.session.commit()
    return outbox()


def cli_flush(runner, when: datetime):
    with time_machine.travel(when, tick=False):
        result = runner.invoke(args=["mail", "flush"])
    return result, json.loads(result.output.strip().splitlines()[0])


BROKEN = {
    "subject with CR/LF (Bcc injection)": {"subject": "Tanya halal\r\nBcc: x@evil.example"},
    "subject with a bare LF": {"subject": "Tanya halal\nBcc: x@evil.example"},
    "subject with NUL": {"subject": "Tanya\x00halal"},
    "recipient with CR/LF": {"recipient": "warga@example.com\r\nBcc: x@evil.example"},
    "empty recipient": {"recipient": ""},
    "In-Reply-To with LF": {"in_reply_to": "<a@b>\nBcc: x@evil.example"},
    "extra header value with CR/LF": {"headers": {"X-Test": "a\r\nBcc: x@evil.example"}},
    "extra header name with LF": {"headers": {"X-Test\nBcc": "x@evil.example"}},
    "headers column not a mapping": {"headers": ["X-Test"]},
}


@pytest.mark.parametrize("broken", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_mail_fails_alone_and_the_rest_are_delivered(app, runner, smtp_server, broken,
                                                             backend):
    if backend == "postgresql" and any("\x00" in str(v) for v in broken.values()):
        pytest.skip("PostgreSQL text cannot hold NUL, so no such row can exist there")
    rows = make_mail(3)
    bad = rows[0]  # first in line, as in the report: it used to block every later mail
    for name, value in broken.items():
        setattr(bad, name, value)
    db.session.commit()

    result, summary = cli_flush(runner, NOW)

    assert result.exit_code == 0, result.output
    assert summary["sent"] == 2 and summary["failed"] == 1 and summary["pending"] == 0
    rows = outbox()
    assert rows[0].status == "failed" and rows[0].last_error and rows[0].failed_dt
    assert [r.status for r in rows[1:]] == ["sent", "sent"]
    assert {m.recipients[0] for m in smtp_server.messages} == {"warga1@example.com",
                                                              "warga2@example.com"}
    assert not smtp_server.to("x@evil.example")
    # The failed one is not taken again.
    assert cli_flush(runner, NOW + timedelta(hours=1))[1]["sent"] == 0
    assert len(smtp_server.messages) == 2


def test_a_permanent_refusal_of_one_recipient_does_not_stop_the_others(app, runner):
    from aiosmtpd.controller import Controller

    class Refuse:
        def __init__(self):
            self.got = []

        async def handle_RCPT(self, server, session, envelope, address, options):
            if address.startswith("warga0@"):
                return "550 5.1.1 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            self.got.extend(envelope.rcpt_tos)
            return "250 OK"

    handler, port = Refuse(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.extensions["mail"].port = port
        make_mail(3)
        result, summary = cli_flush(runner, NOW)
    finally:
        controller.stop()
    assert result.exit_code == 0
    assert (summary["sent"], summary["failed"]) == (2, 1)
    assert sorted(handler.got) == ["warga1@example.com", "warga2@example.com"]
    assert "550" in outbox()[0].last_error


def test_smtp_outage_is_retried_with_capped_backoff_for_three_days_then_recovered(app, runner):
    make_mail(2)
    dead = free_port()  # nothing listens there: connection refused, like a server that is down
    app.extensions["mail"].port = dead
    result, summary = cli_flush(runner, NOW)
    assert result.exit_code == 75  # EX_TEMPFAIL: the caller (cron, systemd) tries again
    assert summary["smtp_unreachable"] is True and summary["retry"] == 1
    first, second = outbox()
    assert first.status == "pending" and first.attempts == 1
    assert second.attempts == 0  # the flush stopped at the first connection failure

    # The scheduler keeps flushing; the mail waits longer each time, never more than an hour.
    now, gaps = NOW, []
    while now < NOW + timedelta(hours=70):
        now = max(m.next_attempt_dt for m in outbox() if m.status == "pending")
        flush(now)
        gaps.append(outbox()[0].next_attempt_dt - now)
    assert gaps[0] < gaps[3] and max(gaps) == timedelta(minutes=60)
    assert all(m.status == "pending" for m in outbox())  # still trying after 70 hours

    with SmtpServer() as server:  # SMTP is back
        app.extensions["mail"].port = server.port
        later = now + timedelta(hours=1)
        result, summary = cli_flush(runner, later)
        assert result.exit_code == 0 and summary["sent"] == 2
        assert sorted(server.handler.recipients) == ["warga0@example.com", "warga1@example.com"]


def test_after_the_retry_window_mail_is_failed_then_requeued_and_sent(app, runner):
    make_mail(2)
    app.extensions["mail"].port = free_port()
    now = NOW
    while any(m.status == "pending" for m in outbox()):
        now = min(m.next_attempt_dt for m in outbox() if m.status == "pending")
        flush(now)
        assert now < NOW + timedelta(hours=80)
    rows = outbox()
    assert [m.status for m in rows] == ["failed", "failed"]
    assert all(m.failed_dt - NOW >= timedelta(hours=72) for m in rows)
    assert "72" in rows[0].last_error

    with SmtpServer() as server:
        app.extensions["mail"].port = server.port
        with time_machine.travel(now + timedelta(days=1), tick=False):
            one = runner.invoke(args=["mail", "requeue", str(rows[0].id)])
            summary = json.loads(one.output.strip().splitlines()[0])
            assert one.exit_code == 0, one.output
            assert summary["requeued"] == [rows[0].id] and summary["flush"]["sent"] == 1
            rest = runner.invoke(args=["mail", "requeue", "--all-failed"])
            assert rest.exit_code == 0
            assert json.loads(rest.output)["requeued"] == [rows[1].id]
            again = runner.invoke(args=["mail", "requeue", str(rows[0].id)])
            unknown = runner.invoke(args=["mail", "requeue", "999999"])
            neither = runner.invoke(args=["mail", "requeue"])
        assert len(server.handler.received) == 2
    assert [m.status for m in outbox()] == ["sent", "sent"]
    assert again.exit_code == 1 and "sudah terkirim" in again.output
    assert unknown.exit_code == 1 and "tidak ditemukan" in unknown.output
    assert neither.exit_code == 2
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "outbox_requeue"))
    assert sorted(a.detail["outbox_id"] for a in audits) == sorted(m.id for m in rows)


@pytest.mark.real_clock
def test_kill_9_in_the_middle_of_a_flush_loses_nothing(app, tmp_path):
    """A real `flask mail flush` process is killed with SIGKILL while the SMTP server holds
    the 5th message (the server has it, the sender has not heard back); a second flush
    delivers the rest. Every mail arrives; only the one in flight arrives twice."""
    rows = make_mail(12)
    ids = [m.message_id for m in rows]
    db.session.remove()
    with SmtpServer(hold_at=5) as server:
        env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(server.port),
               "SECRET_KEY": app.config["SECRET_KEY"], "INSTANCE_PATH": str(tmp_path),
               "UPLOAD_DIR": app.config["UPLOAD_DIR"], "APP_ENV": "development"}
        log = tmp_path / "flush.log"
        with log.open("wb") as output:
            process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "ticketing",
                                        "mail", "flush"], cwd=ROOT, env=env,
                                       stdout=output, stderr=subprocess.STDOUT)
        try:
            assert server.handler.holding.wait(60), log.read_text()
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL
        in_flight = server.handler.received[4]
        app.extensions["mail"].port = server.port
        summary = flush(datetime.now(UTC))
        assert summary["pending"] == 0
        received = list(server.handler.received)

    counts = collections.Counter(received)
    assert set(counts) == set(ids)  # 0 lost
    assert [mid for mid, n in counts.items() if n > 1] == [in_flight]
    assert counts[in_flight] == 2
    assert all(m.status == "sent" for m in outbox())
