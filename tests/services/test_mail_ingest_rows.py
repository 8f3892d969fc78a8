"""A new request by mail without files is written straight through the connection
(mail_actions._insert_rows, one statement on PostgreSQL): its rows must be exactly the rows
the ORM path (intake.new_ticket, the path of a mail with files) writes for the same mail:
the ticket with its clock and search text, the first message, the audit entry, the routing
decision, the acknowledgement and its booking, the inbound mail's outcome, the daily facts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from ticketing.extensions import db
from ticketing.models import (
    Attachment,
    AuditEntry,
    InboundMail,
    MailAutoReply,
    Message,
    OutboxMail,
    RoutingDecision,
    Ticket,
)
from ticketing.models.facts import MEASURES
from ticketing.services import mail_actions
from ticketing.services.mail_ingest import ingest_many, ingest_raw

from ..support import facts as kept_facts
from ..support.mail import build_mail, mail_app  # noqa: F401 - fixture
from ..support.sql import recorded_sql

pytestmark = pytest.mark.usefixtures("mail_app")

IGNORED = {"id", "code", "search_vector", "ticket_id", "inbound_mail_id", "message_id",
           "raw"}


def _plain(row, code: str) -> dict:
    return {k: (_MAIL_ID.sub("<MID>", v.replace(code, "CODE")) if isinstance(v, str) else v)
            for k, v in row._mapping.items() if k not in IGNORED}


#: the Message-IDs of the two mails (the same bytes twice would be a duplicate)
_MAIL_ID = re.compile(r"<surel-\d+@client\.example\.com>")


def _rows(code: str) -> dict:
    ticket = db.session.execute(select(Ticket.__table__).where(Ticket.code == code)).one()
    tid = ticket.id

    def of(model) -> list[dict]:
        table = model.__table__
        return [_plain(r, code) for r in db.session.execute(
            select(table).where(table.c.ticket_id == tid).order_by(table.c.id))]

    mails = of(OutboxMail)
    for mail in mails:  # the tracking link (and its signature) differs with the code
        context = mail["render_context"]
        context["tracking_url"] = context["tracking_url"].split("?t=")[0].replace(code, "CODE")
    files = [_plain(r, code) for r in db.session.execute(
        select(Attachment.__table__).join(Message.__table__).where(Message.ticket_id == tid)
        .order_by(Attachment.id))]
    return {"ticket": _plain(ticket, code), "messages": of(Message), "files": files,
            "audit": of(AuditEntry),
            "routing": of(RoutingDecision), "outbox": mails, "booking": of(MailAutoReply),
            "inbound": [{k: v for k, v in r.items()
                         if k not in ("created_dt", "claimed_dt", "sha256", "size")}
                        for r in of(InboundMail)]}


def _added_by(before: dict, after: dict, code: str) -> dict:
    """What one request added to the facts, in the shard of its id (checked)."""
    ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.code == code))
    return kept_facts.added_by(before, after, ticket_id)


def _vector(code: str) -> str | None:
    if db.engine.dialect.name != "postgresql":
        return None
    return db.session.scalar(text("SELECT search_vector::text FROM tickets WHERE code = :c"),
                             {"c": code})


def _both(monkeypatch, now, make, ingest) -> tuple[dict, dict, str, str]:
    """`make(i)`'s mail ingested through the ORM path, then another one without it."""
    facts_0 = kept_facts.snapshot()
    with monkeypatch.context() as patch:
        patch.setattr(mail_actions, "_without_orm", lambda parsed: False)
        orm = ingest(make(1))
    facts_1 = kept_facts.snapshot()
    core = ingest(make(2))
    facts_2 = kept_facts.snapshot()
    assert (orm.action, core.action) == ("created", "created")
    assert orm.reason.replace(orm.ticket, "CODE") == core.reason.replace(core.ticket, "CODE")
    db.session.expire_all()
    assert _added_by(facts_1, facts_2, core.ticket) == _added_by(facts_0, facts_1, orm.ticket) \
        != {}
    return _rows(orm.ticket), _rows(core.ticket), orm.ticket, core.ticket


def _assert_same(orm: dict, core: dict) -> None:
    for table in orm:  # column by column, so a difference names its column
        for i, (a, b) in enumerate(zip(orm[table], core[table], strict=True)
                                   if isinstance(orm[table], list) else
                                   [(orm[table], core[table])]):
            assert {k: (v, b.get(k)) for k, v in a.items() if v != b.get(k)} == {}, (table, i)
    assert orm == core


def _one(raw: bytes, now):
    return ingest_raw(raw, now, source="file")


def _in_a_batch(raw: bytes, now):
    [result] = ingest_many([raw], lambda: now, source="file")
    return result


@pytest.mark.parametrize("ingest", [_one, _in_a_batch])
def test_a_routed_request_by_mail_writes_the_rows_of_the_orm_path(monkeypatch, now, ingest):
    orm, core, orm_code, core_code = _both(
        monkeypatch, now, lambda i: build_mail(
            sender="Dewi Lestari <Dewi@Example.com>", message_id=f"<surel-{i}@client.example.com>",
            subject="Sertifikat halal pempek", cc="kawan@example.com",
            body="Bagaimana cara daftar sertifikat halal gratis?\n\n> kutipan lama"),
        lambda raw: ingest(raw, now))
    _assert_same(orm, core)
    assert core["ticket"]["requester_email"] == "dewi@example.com"
    assert core["ticket"]["unit_id"] is not None and core["routing"][0]["unit_id"] is not None
    assert [m["kind"] for m in core["outbox"]] == ["mail_acknowledgement"]
    assert core["outbox"][0]["in_reply_to"] == core["messages"][0]["email_message_id"] == "<MID>"
    assert core["inbound"][0]["action"] == "created"
    if db.engine.dialect.name == "postgresql":  # the full-text vector: the same words
        assert _vector(orm_code) == _vector(core_code)
        assert "'halal'" in _vector(core_code) and "'gratis'" in _vector(core_code)


def test_a_request_with_files_writes_the_rows_of_the_orm_path(monkeypatch, now):
    """An accepted file and a refused one (kept for staff, named in the acknowledgement)."""
    from ..factories import PDF_BYTES

    orm, core, _a, _b = _both(
        monkeypatch, now, lambda i: build_mail(
            sender="Budi <budi@example.com>", subject="Pendaftaran merek kopi",
            message_id=f"<surel-{i}@client.example.com>",
            attachments=[("Formulir merek.pdf", "application/pdf", PDF_BYTES),
                         ("katalog.exe", "application/octet-stream", b"MZ\x90\x00" * 64)]),
        lambda raw: _one(raw, now))
    _assert_same(orm, core)
    assert [(f["filename"], f["is_accepted"]) for f in core["files"]] == [
        ("Formulir merek.pdf", True), ("katalog.exe", False)]
    assert [r["filename"] for r in core["outbox"][0]["render_context"]["refused"]] == [
        "katalog.exe"]


def test_a_request_for_triage_linked_to_another_ticket_and_not_acknowledged(monkeypatch, now,
                                                                              app):
    """No unit matched; the subject names someone else's ticket (a new one, linked); the
    sender is over the hourly limit of automatic mail (no acknowledgement)."""
    other = ingest_raw(build_mail(sender="pemilik@example.com", subject="Izin koperasi"), now,
                       source="file").ticket
    app.config["MAIL_AUTO_REPLY_PER_HOUR"] = 1
    ingest_raw(build_mail(sender="tamu@example.com", subject="Halo"), now, source="file")
    orm, core, _a, _b = _both(
        monkeypatch, now, lambda i: build_mail(
            sender="tamu@example.com", subject=f"Re: [{other}] zzz qqq", body="xyz",
            message_id=f"<surel-{i}@client.example.com>"),
        lambda raw: _one(raw, now))
    _assert_same(orm, core)
    assert core["outbox"] == [] and core["booking"] == []
    assert core["ticket"]["parent_id"] is not None and core["ticket"]["unit_id"] is None
    assert core["audit"][0]["detail"]["parent"] == other


def _statements(work) -> list[tuple[str, object]]:
    with recorded_sql() as seen:
        work()
    return seen


def _kept_equals_rebuild(now) -> None:
    from ticketing.services import facts

    def summed() -> dict:  # over the shards (the rebuild writes shard 0)
        out: dict = {}
        for key, row in kept_facts.snapshot().items():
            total = out.setdefault(key[:-1], dict.fromkeys(MEASURES, 0))
            for m, v in row.items():
                total[m] += (v or 0) if m != "open_late" else 0
        return {k: v for k, v in out.items() if any(v.values())}

    kept = summed()
    facts.rebuild(db.session.connection(), now)
    assert summed() == kept != {}
    db.session.rollback()


def test_a_chunk_moves_the_facts_once_at_its_end_in_key_order(now, monkeypatch):
    """Two runs at once must take the facts' row locks in one order (else they deadlock):
    on PostgreSQL a chunk's facts are added up and written in one UPSERT, after its rows,
    sorted by key; on both databases they come out as a rebuild counts them, also when a
    message of the chunk failed and was rolled back."""
    from ticketing.services import facts

    from ..factories import PDF_BYTES

    first = ingest_raw(build_mail(sender="lama@example.com", subject="Koperasi"), now,
                       source="file").ticket
    raws = [build_mail(sender="a@example.com", subject="Sertifikat halal pempek"),
            build_mail(sender="b@example.com", subject="Pendaftaran merek kopi",
                       body="Saya mau mengadukan biaya merek.",
                       attachments=[("surat.pdf", "application/pdf", PDF_BYTES)]),
            build_mail(sender="lama@example.com", subject=f"Re: [{first}] Koperasi",
                       body="Ini tambahan saya."),
            build_mail(sender="", subject="Tanpa pengirim"),  # refused as it is
            build_mail(sender="c@example.com", subject="Izin koperasi simpan pinjam"),
            build_mail(sender="d@example.com", subject="Pengaduan pelayanan",
                       body="Saya mau mengadukan petugas yang tidak datang.")]
    # the second one's ticket always takes a code in use: PostgreSQL rolls the chunk back
    # and redoes it with a savepoint per message, where only that message is lost
    taken = first
    codes = iter(["AAAA-2222", taken, "AAAA-2222", taken, taken, taken, "CCCC-4444",
                  "DDDD-5555"] if db.engine.dialect.name == "postgresql"
                 else ["AAAA-2222", taken, taken, taken, "CCCC-4444", "DDDD-5555"])
    monkeypatch.setattr(mail_actions, "new_code", lambda: next(codes))
    results: list = []
    statements = _statements(lambda: results.extend(ingest_many(raws, lambda: now,
                                                                source="file")))
    assert [r.action for r in results] == ["created", "failed", "appended", "failed",
                                           "created", "created"]
    if db.engine.dialect.name == "postgresql":
        # the first pass wrote no facts (rolled back), the redone chunk one UPSERT after
        # its rows, of rows in key order
        upserts = [i for i, (s, _p) in enumerate(statements)
                   if s.startswith("INSERT INTO daily_facts")]
        last_ticket = max(i for i, (s, _p) in enumerate(statements)
                          if "INSERT INTO tickets" in s)
        assert len(upserts) == 1 and upserts[0] > last_ticket, upserts
        rows = statements[upserts[0]][1]
        keys = [tuple(r[k] for k in facts.KEY_COLUMNS) for r in rows]
        assert len(rows) >= 3 and keys == sorted(keys)
    _kept_equals_rebuild(now)
