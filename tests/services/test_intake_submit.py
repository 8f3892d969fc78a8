"""intake.submit, the citizen's web form and API: the rows of a request written straight
through the connection must be exactly the rows open_request writes through the ORM (the
ticket with its clock and search text, the first message, the audit entry, the daily facts,
the acknowledgement), and it keeps open_request's guarantees (a repeated submission finds
its ticket, a code clash is retried, a refusal leaves nothing)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from ticketing.extensions import db
from ticketing.models import AuditEntry, DailyFact, Message, OutboxMail, Ticket
from ticketing.services import intake
from ticketing.services.transaction import run

from ..factories import PDF_BYTES, upload
from ..support import facts as kept_facts

#: Friday 4 Dec 2026, 15.40 WIB: the deadline runs over a weekend
FRIDAY = datetime(2026, 12, 4, 8, 40, tzinfo=UTC)

IGNORED = {"id", "code", "submission_key", "search_vector"}


def _data(**kw) -> intake.RequestData:
    fields = {"name": "  Rina Marlina ", "email": "Rina@Example.com", "phone": "0812-3456-789",
              "type": "pengaduan", "service_slug": "rekomendasi-izin-koperasi",
              "subject": " Rekomendasi izin KSP ", "channel": "api",
              "message": " Apa saja syarat rekomendasi izin usaha simpan pinjam? "}
    return intake.RequestData(**{**fields, **kw})


def _rows(ticket_id: int) -> dict:
    ticket = db.session.execute(select(Ticket.__table__).where(Ticket.id == ticket_id)).one()
    message = db.session.execute(select(Message.__table__)
                                 .where(Message.ticket_id == ticket_id)).one()
    entry = db.session.execute(select(AuditEntry.__table__)
                               .where(AuditEntry.ticket_id == ticket_id)).one()
    mail = db.session.execute(select(OutboxMail.__table__)
                              .where(OutboxMail.ticket_id == ticket_id)).one()
    code = ticket.code
    return {
        "ticket": {k: v for k, v in ticket._mapping.items() if k not in IGNORED},
        "message": {k: v for k, v in message._mapping.items() if k not in ("id", "ticket_id")},
        "audit": {k: v for k, v in entry._mapping.items() if k not in ("id", "ticket_id")},
        "mail": {k: (v.replace(code, "CODE") if isinstance(v, str) else v)
                 for k, v in mail._mapping.items()
                 if k not in ("id", "ticket_id", "message_id", "render_context")}
        | {"context": {k: v.replace(code, "CODE").split("?t=")[0]
                       for k, v in mail.render_context.items()}},
    }


@pytest.mark.parametrize("service", ["rekomendasi-izin-koperasi", "pengaduan-umum"])
def test_submit_writes_the_rows_open_request_writes(app, service):
    """A unit's service, and the general complaint service (no unit: triage)."""
    facts_0 = kept_facts.snapshot()
    by_orm = run(intake.open_request, _data(service_slug=service), FRIDAY)
    facts_1 = kept_facts.snapshot()
    receipt = run(intake.submit, _data(service_slug=service), FRIDAY)
    facts_2 = kept_facts.snapshot()
    orm_id = by_orm.id
    db.session.expire_all()
    core, orm = _rows(receipt.id), _rows(orm_id)
    for table in orm:  # column by column, so a difference names its column
        assert {k: (v, orm[table].get(k)) for k, v in core[table].items()
                if v != orm[table].get(k)} == {}, table
    assert core == orm
    assert core["ticket"]["requester_email"] == "rina@example.com"
    assert core["ticket"]["requester_phone"] == "628123456789"
    assert core["ticket"]["due_dt"] is not None and core["ticket"]["sla_target_seconds"] > 0
    assert core["ticket"]["version"] == 1 and core["ticket"]["sla_window"] == 1
    assert core["mail"]["context"]["tracking_url"] == "http://localhost/lacak/CODE"
    # the receipt says what was stored
    stored = db.session.get(Ticket, receipt.id)
    assert (receipt.code, receipt.status, receipt.due_dt) == (stored.code, "baru", stored.due_dt)
    # each moved the daily facts by the same amounts (one request received)
    assert kept_facts.added_by(facts_1, facts_2, receipt.id) == \
        kept_facts.added_by(facts_0, facts_1, orm_id) != {}
    if db.engine.dialect.name == "postgresql":  # the full-text vector: the same words
        vectors = db.session.execute(
            text("SELECT search_vector::text FROM tickets WHERE id IN (:a, :b)"),
            {"a": orm_id, "b": receipt.id}).scalars().all()
        assert len(vectors) == 2 and len(set(vectors)) == 1
        assert "'simpan'" in vectors[0] and "'ksp'" in vectors[0]


def test_a_repeated_submission_finds_its_ticket(app):
    first = run(intake.submit, _data(submission_key="kunci-1"), FRIDAY)
    again = run(intake.submit, _data(submission_key="kunci-1"), FRIDAY)
    assert again == first
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 1


def test_a_code_clash_is_retried_with_another_code(app, monkeypatch):
    taken = run(intake.submit, _data(), FRIDAY)
    codes = iter([taken.code, "ABCD-EFGH"])
    monkeypatch.setattr(intake, "new_code", lambda: next(codes))
    receipt = run(intake.submit, _data(subject="Kode bentrok"), FRIDAY)
    assert receipt.code == "ABCD-EFGH"
    assert db.session.scalar(select(Ticket.subject).where(Ticket.code == taken.code)) != \
        "Kode bentrok"
    assert db.session.scalar(select(func.count(Message.id))) == 2


def test_a_refused_request_leaves_nothing(app):
    with pytest.raises(intake.IntakeError) as refused:
        run(intake.submit, _data(service_slug="tidak-ada", type="lain"), FRIDAY)
    assert set(refused.value.errors) == {"service", "type"}
    for model in (Ticket, Message, AuditEntry, OutboxMail, DailyFact):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_a_phone_only_request_and_one_with_files_are_opened_too(app):
    """submit hands these to open_request: a phone-only requester is acknowledged on
    WhatsApp (no mail), files are stored with the first message."""
    phone_only = run(intake.submit, _data(email=None), FRIDAY)
    ticket = db.session.get(Ticket, phone_only.id)
    assert ticket.code == phone_only.code and ticket.requester_email is None
    assert ticket.requester_phone == "628123456789" and len(ticket.messages) == 1
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 0

    with_file = run(intake.submit, _data(uploads=[upload("syarat.pdf", PDF_BYTES)]), FRIDAY)
    ticket = db.session.get(Ticket, with_file.id)
    assert [a.filename for a in ticket.messages[0].attachments] == ["syarat.pdf"]
    assert db.session.scalar(select(OutboxMail.kind)
                             .where(OutboxMail.ticket_id == with_file.id)) == "acknowledgement"


def _seen_by_another_connection_on_return(monkeypatch) -> list[int]:
    """Tickets another connection counts the moment insert_request returns."""
    from ticketing.services import request_rows

    seen: list[int] = []
    insert = request_rows.insert_request

    def counting(*args, **kwargs):
        ticket_id = insert(*args, **kwargs)
        with db.engine.connect() as other:
            seen.append(other.scalar(select(func.count(Ticket.id))))
        return ticket_id

    monkeypatch.setattr(request_rows, "insert_request", counting)
    return seen


def test_the_one_statement_commits_by_itself_on_postgresql(app, monkeypatch):
    """On PostgreSQL the request's single statement is atomic alone, so with nothing else under
    way it runs without BEGIN and COMMIT (two round trips less) and the request is stored as
    soon as it returns. SQLite writes it in several statements: they stay one transaction."""
    seen = _seen_by_another_connection_on_return(monkeypatch)
    run(intake.submit, _data(submission_key="sendiri"), FRIDAY)
    alone = db.engine.dialect.name == "postgresql"
    assert seen == [1 if alone else 0]
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def test_with_work_under_way_the_statement_waits_for_its_commit(app, monkeypatch):
    seen = _seen_by_another_connection_on_return(monkeypatch)

    def with_other_work():
        db.session.execute(select(func.count(Ticket.id)))  # a transaction under way
        return intake.submit(_data(), FRIDAY)

    run(with_other_work)
    assert seen == [0]
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
