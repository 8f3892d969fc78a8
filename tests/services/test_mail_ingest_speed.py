"""Mail intake without avoidable round trips (issue 13): the stored row is not read back,
it is written once more with the outcome, the routing rules are kept per process, and no
SELECT comes before the insert for the random ticket code."""

from __future__ import annotations

import pytest
from sqlalchemy import event, insert, select

from ticketing.extensions import db
from ticketing.models import (
    Attachment,
    AuditEntry,
    InboundMail,
    MailAutoReply,
    Message,
    OutboxMail,
    RoutingRule,
    Ticket,
    Unit,
)
from ticketing.services import mail_actions, routing_rules
from ticketing.services.mail_ingest import ingest_many, ingest_raw
from ticketing.services.queue import QueueFilter, list_queue

from ..factories import PDF_BYTES
from ..support.mail import build_mail, inbound, mail_app, ticket  # noqa: F401 - fixture
from ..support.sql import recorded_sql
from ..support.staff import staff

pytestmark = pytest.mark.usefixtures("mail_app")


def _statements(work) -> list[str]:
    with recorded_sql() as seen:
        work()
    return [statement for statement, _ in seen]


def test_a_new_request_is_stored_then_written_once_with_its_outcome(now):
    ingest_raw(build_mail(sender="pertama@example.com"), now, source="file")  # rules read
    raw = build_mail(sender="Dewi <dewi@example.com>", subject="Sertifikat halal pempek",
                     body="Bagaimana cara daftar sertifikat halal gratis?",
                     attachments=[("surat.pdf", "application/pdf", PDF_BYTES)])
    results = []
    statements = _statements(lambda: results.append(ingest_raw(raw, now, source="file")))

    [result] = results
    assert result.action == "created"
    inbound_reads = [s for s in statements if s.startswith("SELECT") and "FROM inbound_mail" in s]
    assert inbound_reads == [], inbound_reads  # neither the row nor its raw bytes read back
    assert len([s for s in statements if s.startswith("UPDATE inbound_mail")]) == 1, statements
    assert not any("FROM routing_rules" in s for s in statements), statements
    assert not any(s.startswith("SELECT tickets.id FROM tickets") for s in statements), statements
    # ... and the row holds everything, as before
    [row] = inbound(result.message_id)
    t = ticket(result.ticket)
    assert row.raw == raw and row.action == "created" and row.ticket_id == t.id
    assert (row.from_email, row.subject, row.classification) == (
        "dewi@example.com", "Sertifikat halal pempek", "normal")
    assert t.unit.code == "PUMK" and [a.filename for a in t.messages[0].attachments] == [
        "surat.pdf"]


def test_routing_rules_are_kept_and_an_edit_elsewhere_is_seen_after_the_cache_time(app, now):
    first = routing_rules.active_rules()
    assert not any(rule.phrase == "kemasan" for rule in first)
    # another process (an admin's web worker) adds a rule
    pumk = db.session.scalar(select(Unit.id).where(Unit.code == "PUMK"))
    db.session.execute(insert(RoutingRule), [{
        "phrase": "kemasan", "unit_id": pumk, "weight": 4, "is_generic": False,
        "is_active": True, "created_dt": now, "updated_dt": now}])
    db.session.commit()
    assert not any(rule.phrase == "kemasan" for rule in routing_rules.active_rules())
    app.config["ROUTING_RULES_CACHE_SECONDS"] = 0
    assert any(rule.phrase == "kemasan" for rule in routing_rules.active_rules())


def test_a_ticket_code_clash_redoes_the_mail_with_another_code(now, monkeypatch):
    taken = ingest_raw(build_mail(sender="satu@example.com"), now, source="file").ticket
    codes = iter([taken, "ABCD-EFGH"])
    monkeypatch.setattr(mail_actions, "new_code", lambda: next(codes))
    result = ingest_raw(build_mail(sender="dua@example.com", subject="Kode bentrok"), now,
                        source="file")
    assert (result.action, result.ticket) == ("created", "ABCD-EFGH")
    assert ticket("ABCD-EFGH").requester_email == "dua@example.com"
    assert ticket(taken).requester_email == "satu@example.com"
    [row] = inbound(result.message_id)
    assert (row.action, row.ticket_id) == ("created", ticket("ABCD-EFGH").id)
    assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 2
    assert db.session.scalar(select(db.func.count()).select_from(InboundMail)) == 2


def _commits(work) -> int:
    seen = []
    listener = lambda conn: seen.append(1)  # noqa: E731
    event.listen(db.engine, "commit", listener)
    try:
        work()
    finally:
        event.remove(db.engine, "commit", listener)
    return len(seen)


def test_files_are_stored_several_per_commit_then_processed_several_per_commit(app, now):
    raws = [build_mail(sender=f"warga{i}@example.com", subject=f"Pertanyaan {i}")
            for i in range(4)]
    stored_before = ingest_raw(raws[3], now, source="file")
    results = []
    commits = _commits(lambda: results.extend(
        ingest_many([raws[0], raws[1], raws[0], raws[2], raws[3]], lambda: now,
                    source="file")))

    assert [r.action for r in results] == ["created", "created", "duplicate", "created",
                                           "duplicate"]
    assert results[2].ticket == results[0].ticket and results[4].ticket == stored_before.ticket
    # one commit stores the three new ones; each duplicate counts the delivery in its own
    # commit, the work before it committed first: PostgreSQL processes the chunk in one
    # transaction (a SAVEPOINT per message), SQLite each message in its own
    processed = 2 if db.engine.dialect.name == "postgresql" else 3
    assert commits == 1 + processed + 2
    rows = db.session.scalars(select(InboundMail).order_by(InboundMail.id)).all()
    assert [(r.action, r.times_seen, r.source) for r in rows] == [
        ("created", 2, "file"), ("created", 2, "file"), ("created", 1, "file"),
        ("created", 1, "file")]
    assert [r.raw for r in rows] == [raws[3], raws[0], raws[1], raws[2]]


def test_a_chunk_of_new_files_is_processed_in_one_commit_on_postgresql(app, now):
    raws = [build_mail(sender=f"warga{i}@example.com") for i in range(5)]
    results, statements = [], []
    commits = _commits(lambda: statements.extend(_statements(lambda: results.extend(
        ingest_many(raws, lambda: now, source="file")))))
    assert [r.action for r in results] == ["created"] * 5
    if db.engine.dialect.name == "postgresql":
        assert commits == 1 + 1
        # the rows just stored are not read back, nor their raw bytes
        assert not any("inbound_mail.raw" in s for s in statements if s.startswith("SELECT"))
        # nothing failed: no SAVEPOINT either
        assert not [s for s in statements if "SAVEPOINT" in s], statements
    else:
        assert commits == 1 + 5


def test_a_failing_message_in_a_chunk_is_kept_and_the_others_are_processed(app, now):
    raws = [build_mail(sender="satu@example.com", subject="Pertama"),
            build_mail(sender="", subject="Tanpa pengirim"),  # UnhandledMail: no sender
            build_mail(sender="tiga@example.com", subject="Ketiga")]
    results: list = []
    statements = _statements(lambda: results.extend(ingest_many(raws, lambda: now,
                                                                source="file")))

    assert [r.action for r in results] == ["created", "failed", "created"]
    assert "pengirim" in results[1].reason
    # refused before anything of it was written: the others are not redone
    assert not [s for s in statements if "SAVEPOINT" in s]
    db.session.expire_all()
    rows = db.session.scalars(select(InboundMail).order_by(InboundMail.id)).all()
    assert [(r.action, r.raw) for r in rows] == [
        ("created", raws[0]), ("failed", raws[1]), ("created", raws[2])]
    assert "UnhandledMail" in rows[1].error and rows[1].ticket_id is None
    assert [ticket(r.ticket).requester_email for r in (results[0], results[2])] == [
        "satu@example.com", "tiga@example.com"]
    assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 2


def test_a_message_that_is_not_mail_fails_alone_and_the_chunk_is_not_redone(app, now):
    raws = [build_mail(sender="satu@example.com"), b"bukan surel sama sekali\n",
            build_mail(sender="tiga@example.com")]
    results, statements = [], []
    statements = _statements(lambda: results.extend(ingest_many(raws, lambda: now,
                                                                source="file")))
    assert [r.action for r in results] == ["created", "failed", "created"]
    assert "MailParseError" in results[1].reason
    db.session.expire_all()
    assert [r.action for r in db.session.scalars(select(InboundMail).order_by(InboundMail.id))
            ] == ["created", "failed", "created"]
    assert not [s for s in statements if "SAVEPOINT" in s]  # nothing written was undone
    assert len([s for s in statements if "INSERT INTO tickets" in s]) == 2  # not redone


def test_a_database_error_in_a_chunk_rolls_back_that_message_only(app, now, monkeypatch):
    taken = ingest_raw(build_mail(sender="lama@example.com",
                                  attachments=[("surat.pdf", "application/pdf", PDF_BYTES)]),
                       now, source="file").ticket
    audit_per_mail = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    # the second message's ticket always takes a code in use: its INSERT fails in the
    # database every time. PostgreSQL aborts the transaction: the chunk, tried in one go
    # first, is rolled back and redone with a savepoint per message, and only the second
    # message's savepoint is lost (its three tries).
    if db.engine.dialect.name == "postgresql":
        codes = iter(["AAAA-2222", taken, "AAAA-2222", taken, taken, taken, "CCCC-4444"])
    else:
        codes = iter(["AAAA-2222", taken, taken, taken, "CCCC-4444"])
    monkeypatch.setattr(mail_actions, "new_code", lambda: next(codes))
    raws = [build_mail(sender=f"warga{i}@example.com", subject=f"Pertanyaan {i}",
                       attachments=[("surat.pdf", "application/pdf", PDF_BYTES)])
            for i in range(3)]
    results = list(ingest_many(raws, lambda: now, source="file"))

    assert [(r.action, r.ticket) for r in results] == [
        ("created", "AAAA-2222"), ("failed", None), ("created", "CCCC-4444")]
    assert "IntegrityError" in results[1].reason
    db.session.expire_all()
    rows = db.session.scalars(select(InboundMail).order_by(InboundMail.id)).all()
    assert [(r.action, r.raw) for r in rows[1:]] == [
        ("created", raws[0]), ("failed", raws[1]), ("created", raws[2])]
    # nothing of the failed one is left: no message, attachment, audit entry or outbox mail
    assert [t.requester_email for t in db.session.scalars(select(Ticket).order_by(Ticket.id))
            ] == ["lama@example.com", "warga0@example.com", "warga2@example.com"]
    for model in (Message, Attachment, OutboxMail, MailAutoReply):
        assert db.session.scalar(select(db.func.count()).select_from(model)) == 3, model
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == (
        3 * audit_per_mail)


def test_a_short_claim_stores_one_file_per_commit(app, now):
    app.config["MAIL_CLAIM_STALE_MINUTES"] = 1  # 60 s: no room for two 20 s parse budgets
    raws = [build_mail(sender=f"warga{i}@example.com") for i in range(3)]
    results = []
    commits = _commits(lambda: results.extend(ingest_many(raws, lambda: now, source="file")))
    assert [r.action for r in results] == ["created"] * 3
    assert commits == 3 + 3


def test_a_follow_up_does_not_load_the_whole_conversation(now):
    first = ingest_raw(build_mail(sender="dewi@example.com", subject="Sertifikat halal"), now,
                       source="file")
    reply = build_mail(sender="dewi@example.com", subject=f"Re: [{first.ticket}] Sertifikat",
                       body="Terima kasih, berkasnya saya kirim besok.")
    results = []
    statements = _statements(lambda: results.append(ingest_raw(reply, now, source="file")))
    assert results[0].action == "appended" and results[0].ticket == first.ticket
    assert not any(s.startswith("SELECT") and "FROM messages" in s for s in statements), \
        statements
    t = ticket(first.ticket)
    assert [(m.direction, m.body_text) for m in t.messages][-1] == (
        "in", "Terima kasih, berkasnya saya kirim besok.")


def test_a_follow_up_writes_its_ticket_once_and_its_words_are_found(app, now):
    first = ingest_raw(build_mail(sender="dewi@example.com", subject="Sertifikat halal"), now,
                       source="file")
    t = ticket(first.ticket)
    t.status = "menunggu_pemohon"
    db.session.commit()
    reply = build_mail(sender="dewi@example.com", subject=f"Re: [{first.ticket}] Sertifikat",
                       body="Nomor induk berusaha saya terlampir, kemplangnya siap diperiksa.")
    results = []
    statements = _statements(lambda: results.append(ingest_raw(reply, now, source="file")))
    assert results[0].action == "appended" and "menunggu_pemohon -> diproses" in results[0].reason
    # the status, the time and the words of the message in one UPDATE of the ticket
    assert len([s for s in statements if s.startswith("UPDATE tickets")]) == 1, statements
    db.session.expire_all()
    assert ticket(first.ticket).status == "diproses"
    lead = staff(now, "ketua_tim", "PUMK")
    for words in ("kemplang", "induk berusaha", "Sertifikat"):
        page = list_queue(lead, QueueFilter(q=words, status="semua"), now)
        assert [row.code for row in page.items] == [first.ticket], words


def test_a_chunk_of_follow_ups_is_written_together_and_every_word_is_found(app, now):
    """Finding a ticket by its code writes nothing first (a code never changes): a chunk's
    follow-ups by their requesters go into a few statements together on PostgreSQL; two
    of them on the same ticket both add their words to its vector."""
    codes = [ingest_raw(build_mail(sender=f"warga{i}@example.com",
                                   subject=f"Sertifikat halal {i}"), now, source="file").ticket
             for i in range(3)]
    words = ["kemplang", "tekwan", "celimpungan", "burgo"]
    raws = [build_mail(sender=f"warga{i}@example.com",
                       subject=f"Re: [{codes[i]}] Sertifikat halal {i}",
                       body=f"Tambahan: {word} siap diperiksa.")
            for i, word in zip([0, 1, 2, 0], words, strict=True)]
    results: list = []
    statements = _statements(lambda: results.extend(ingest_many(raws, lambda: now,
                                                                source="file")))
    assert [(r.action, r.ticket) for r in results] == [
        ("appended", codes[i]) for i in (0, 1, 2, 0)]
    inserts = [s for s in statements if s.startswith("INSERT INTO messages")]
    participants = [s for s in statements if s.startswith("SELECT inbound_mail.from_email")]
    assert participants == []  # the requester writes: nobody else's address is read
    if db.engine.dialect.name == "postgresql":
        assert len(inserts) <= 2, inserts  # the 4th waits for the 1st's words: one flush
    db.session.expire_all()
    assert [m.body_text for m in ticket(codes[0]).messages][1:] == [
        "Tambahan: kemplang siap diperiksa.", "Tambahan: burgo siap diperiksa."]
    lead = staff(now, "ketua_tim", "PUMK")
    for word, code in zip(words, [codes[0], codes[1], codes[2], codes[0]], strict=True):
        page = list_queue(lead, QueueFilter(q=word, status="semua"), now)
        assert [row.code for row in page.items] == [code], word
