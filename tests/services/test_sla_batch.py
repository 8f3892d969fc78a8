"""`sla check` decides many due tickets in batches: one transaction per BATCH tickets, with a
fixed number of reads per batch, and the same decisions and mail as one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select

from ticketing.extensions import db
from ticketing.models import OutboxMail, SlaNotification
from ticketing.services import sla
from ticketing.services.people import create_user

from ..factories import gen_ticket

WIB = ZoneInfo("Asia/Jakarta")


def test_many_due_tickets_are_decided_in_batches(app, monkeypatch):
    create_user("ketua@pumk.id", "Ketua", "ketua_tim", "PUMK", None,
                datetime(2026, 11, 1, tzinfo=UTC))
    received = datetime(2026, 12, 2, 10, 0, tzinfo=WIB)
    tickets = [gen_ticket(received, subject=f"Permohonan {i}") for i in range(7)]
    db.session.commit()
    monkeypatch.setattr(sla, "BATCH", 3)
    commits, statements = [], []

    def on_commit(session):
        commits.append(1)

    def on_statement(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.session, "after_commit", on_commit)
    event.listen(db.engine, "before_cursor_execute", on_statement)
    try:
        result = sla.run_sla_check(datetime(2026, 12, 3, 10, 0, tzinfo=WIB))
    finally:
        event.remove(db.session, "after_commit", on_commit)
        event.remove(db.engine, "before_cursor_execute", on_statement)
    assert result["level1"] == 7 and result["skipped"] == 0
    assert len(commits) == 3  # 7 tickets in batches of 3
    locks = [s for s in statements if "FROM tickets" in s and "tickets.id IN" in s]
    assert len(locks) == 3
    assert db.session.scalar(select(func.count()).select_from(SlaNotification)) == 7
    mailed = db.session.scalars(select(OutboxMail.ticket_id).where(
        OutboxMail.kind == "sla_escalation")).all()
    assert sorted(mailed) == sorted(t.id for t in tickets)
    # nothing is repeated by the next pass
    assert sla.run_sla_check(datetime(2026, 12, 3, 10, 5, tzinfo=WIB))["level1"] == 0


def test_the_check_renders_no_mail_and_the_flush_sends_the_escalation(app, smtp_server):
    """The notices are rendered by `mail flush`, out of the check (issue 13: with many due at
    once the check was mostly template rendering); the mail says what it said before."""
    from flask import template_rendered

    from ticketing.services import outbox

    create_user("ketua@pumk.id", "Ketua Tim PUMK", "ketua_tim", "PUMK", None,
                datetime(2026, 11, 1, tzinfo=UTC))
    ticket = gen_ticket(datetime(2026, 12, 2, 10, 0, tzinfo=WIB), subject="Merek dagang")
    db.session.commit()
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(record, app)
    try:
        assert sla.run_sla_check(datetime(2026, 12, 3, 10, 0, tzinfo=WIB))["level1"] == 1
    finally:
        template_rendered.disconnect(record, app)
    assert rendered == []
    outbox.flush(datetime(2026, 12, 3, 10, 1, tzinfo=WIB))
    [mail] = smtp_server.to("ketua@pumk.id")
    body = mail.text()
    assert "Yth. Ketua Tim PUMK," in body and ticket.code in body and "Merek dagang" in body
    assert "Terlambat" in body
