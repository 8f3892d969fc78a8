"""The staff queue: scope, filters, search, order, pagination and query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite

from ticketing.extensions import db
from ticketing.services import queue
from ticketing.services import tickets as svc
from ticketing.services.queue import CursorError, QueueFilter, list_queue
from ticketing.services.transaction import run

from ..factories import gen_ticket
from ..support.staff import staff


def codes(page) -> list[str]:
    return [t.code for t in page.items]


@pytest.fixture
def people(app, now):
    return {
        "staf": staff(now, name="Ani"),
        "other": staff(now, name="Budi"),
        "ketua": staff(now, "ketua_tim"),
        "kel": staff(now, unit="KELEMBAGAAN"),
        "kadis": staff(now, "kepala_dinas"),
        "admin": staff(now, "admin"),
    }


def test_a_staf_sees_only_the_own_unit_sorted_by_due(app, now, people):
    late = gen_ticket(now - timedelta(days=7), subject="Lama")
    fresh = gen_ticket(now, subject="Baru")
    gen_ticket(now, service="rekomendasi-izin-koperasi")  # other unit
    gen_ticket(now, service="pengaduan-umum", type="pengaduan")  # triage
    page = list_queue(people["staf"], QueueFilter(), now)
    assert codes(page) == [late.code, fresh.code]
    assert page.total == 2 and page.unit.code == "PUMK"


def test_scopes_are_checked(app, now, people):
    with pytest.raises(svc.Forbidden):
        list_queue(people["staf"], QueueFilter(unit="KELEMBAGAAN"), now)
    with pytest.raises(svc.Forbidden):
        list_queue(people["staf"], QueueFilter(unit="triase"), now)
    with pytest.raises(svc.Forbidden):
        list_queue(people["admin"], QueueFilter(), now)
    triage = gen_ticket(now, service="pengaduan-umum", type="pengaduan")
    assert codes(list_queue(people["ketua"], QueueFilter(unit="triase"), now)) == [triage.code]
    other = gen_ticket(now, service="rekomendasi-izin-koperasi")
    assert {t.code for t in list_queue(people["kadis"], QueueFilter(), now).items} == {
        triage.code, other.code}


def test_paused_tickets_come_last_and_closed_ones_only_when_asked(app, now, people):
    waiting = gen_ticket(now - timedelta(days=3))
    run(svc.reply, waiting, people["staf"], "Mohon lengkapi.", "menunggu_pemohon", now)
    done = gen_ticket(now - timedelta(days=5))
    run(svc.change_status, done, people["staf"], "ditutup", now)
    open_ = gen_ticket(now)
    me = people["staf"]
    assert codes(list_queue(me, QueueFilter(), now)) == [open_.code, waiting.code]
    assert codes(list_queue(me, QueueFilter(status="ditutup"), now)) == [done.code]
    assert len(list_queue(me, QueueFilter(status="semua"), now).items) == 3


def test_filters(app, now, people):
    me, other = people["staf"], people["other"]
    halal = gen_ticket(now)
    hki = gen_ticket(now, service="hki", type="pengaduan")
    phone = run(svc.record_oral, me, svc.OralRequest(
        channel="telepon", name="Pak Harun", type="informasi", subject="Tanya HKI",
        need="Cara daftar merek?", service_slug="hki", phone="0812 1234 5678"), now)
    run(svc.claim, hki, other, now)
    late = gen_ticket(now - timedelta(days=10))

    def q(**kw):
        return set(codes(list_queue(me, QueueFilter(**kw), now)))

    assert q(service="hki") == {hki.code, phone.code}
    assert q(type="pengaduan") == {hki.code}
    assert q(channel="telepon") == {phone.code}
    assert q(mine=True) == {phone.code}
    assert q(assignee=other.email) == {hki.code}
    assert q(unassigned=True) == {halal.code, late.code}
    assert q(overdue=True) == {late.code}
    assert q(status="diproses") == {hki.code, phone.code}


@pytest.mark.parametrize("term,which", [
    ("pempek", "subject"), ("PEMPEK", "subject"), ("Dewi Lestari", "name"),
    ("dewi@contoh", "email"), ("0813-7777", "phone"), ("813 7777 8888", "phone"),
    ("omzet", "message"), ("catatan-rahasia", "note"), ("50%", "literal"),
])
def test_search_finds_every_field(app, now, people, term, which):
    target = gen_ticket(now, subject="Sertifikat halal pempek", name="Dewi Lestari",
                        email="dewi@contoh.id", phone="0813 7777 8888",
                        message="Omzet saya kecil, diskon 50% untuk pelanggan.")
    gen_ticket(now)  # a ticket that matches nothing
    run(svc.add_note, target, people["staf"], "catatan-rahasia", now)
    found = codes(list_queue(people["staf"], QueueFilter(q=term), now))
    assert found == [target.code], which


def test_search_by_code_and_several_words(app, now, people):
    target = gen_ticket(now, subject="Merek kerupuk")
    gen_ticket(now, subject="Merek pempek")
    me = people["staf"]
    assert codes(list_queue(me, QueueFilter(q=target.code.lower().replace("-", "")), now)) == [
        target.code]
    assert codes(list_queue(me, QueueFilter(q="merek kerupuk"), now)) == [target.code]
    assert codes(list_queue(me, QueueFilter(q="tidak-ada-kata-ini"), now)) == []


def test_pagination(app, now, people):
    made = [gen_ticket(now + timedelta(minutes=i)).code for i in range(7)]
    me = people["staf"]
    first = list_queue(me, QueueFilter(), now, page=1, per_page=3)
    third = list_queue(me, QueueFilter(), now, page=3, per_page=3)
    assert (first.total, first.pages, first.has_next, first.has_prev) == (7, 3, True, False)
    assert codes(first) == made[:3] and codes(third) == made[6:]
    assert not third.has_next


def test_one_query_per_page_whatever_its_size(app, now, people):
    """No N+1: the count and the page, with unit, service and assignee in the same query."""
    for i in range(12):
        ticket = gen_ticket(now + timedelta(minutes=i))
        if i % 2:
            run(svc.claim, ticket, people["staf"], now)
    db.session.expire_all()
    actor = people["staf"]
    assert actor.unit.code == "PUMK"  # loaded before counting: not part of the queue
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = list_queue(actor, QueueFilter(q="halal"), now, per_page=10)
        # What the template touches for each row.
        rows = [(t.unit.code, t.service.name, t.assignee.name if t.assignee else None)
                for t in page.items]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(rows) == 10
    ticket_queries = [s for s in statements if "FROM tickets" in s]
    assert len(ticket_queries) == 2, statements  # count + page
    assert len(statements) == 3, statements  # + resolving the unit of the scope


def test_keyset_pages_walk_the_whole_queue_both_ways(app, now, people):
    """Cursors cross from dated tickets to paused ones (no due time) and back, no row twice."""
    me = people["staf"]
    dated = [gen_ticket(now + timedelta(minutes=i)) for i in range(5)]
    paused = []
    for i in range(3):
        ticket = gen_ticket(now + timedelta(hours=1, minutes=i))
        run(svc.reply, ticket, me, "Mohon lengkapi.", "menunggu_pemohon", now)
        paused.append(ticket)
    expected = [t.code for t in dated] + sorted((t.code for t in paused),
                                                key=lambda c: next(t.id for t in paused
                                                                   if t.code == c))
    pages, page = [], list_queue(me, QueueFilter(), now, per_page=3)
    pages.append(codes(page))
    while page.has_next:
        page = list_queue(me, QueueFilter(), now, per_page=3, after=page.next_cursor)
        pages.append(codes(page))
    assert [code for page_codes in pages for code in page_codes] == expected
    assert [len(p) for p in pages] == [3, 3, 2]
    assert not page.has_next and page.has_prev
    back = []
    while page.has_prev:
        page = list_queue(me, QueueFilter(), now, per_page=3, before=page.prev_cursor)
        back.insert(0, codes(page))
    assert back == pages[:-1]
    assert not page.has_prev


def test_a_damaged_cursor_is_refused(app, now, people):
    for bad in ("x", "12", "abc.1", "1.x", "99999999999999999999999.1"):
        with pytest.raises(CursorError):
            list_queue(people["staf"], QueueFilter(), now, after=bad)


def test_counts_are_exact_when_small_and_bounded_when_large(app, now, people, monkeypatch):
    for i in range(4):
        gen_ticket(now + timedelta(minutes=i))
    page = list_queue(people["staf"], QueueFilter(), now, per_page=2)
    assert (page.total, page.total_exact, page.pages) == (4, True, 2)
    monkeypatch.setattr(queue, "COUNT_LIMIT", 3)
    page = list_queue(people["staf"], QueueFilter(), now, per_page=2)
    assert (page.total, page.total_exact, page.pages, page.has_next) == (3, False, None, True)


def test_search_finds_later_messages_by_word_prefix(app, now, people):
    target = gen_ticket(now, subject="Pertanyaan")
    other = gen_ticket(now, subject="Pertanyaan lain")
    run(svc.reply, target, people["staf"], "Silakan lampirkan izin produksi.",
        "menunggu_pemohon", now)
    run(svc.add_note, other, people["staf"], "x" * 200_000 + " kata-panjang", now)  # never fails
    me = people["staf"]
    assert codes(list_queue(me, QueueFilter(q="produk"), now)) == [target.code]
    assert codes(list_queue(me, QueueFilter(q="Izin PRODUKSI"), now)) == [target.code]
    assert codes(list_queue(me, QueueFilter(q="pertanyaan"), now)) == [other.code, target.code]


def test_the_open_queue_index_predicate_is_the_open_statuses():
    import re

    from ticketing.domain.lifecycle import OPEN_STATUSES
    from ticketing.models.tickets import OPEN_PREDICATE

    assert set(re.findall(r"'(\w+)'", OPEN_PREDICATE)) == set(OPEN_STATUSES)


def test_a_whole_email_address_is_equality_on_the_plain_index(app, now, people):
    mine = gen_ticket(now, email="Dewi@Contoh.id")  # stored lowercased
    other = gen_ticket(now, email="x.dewi@contoh.id")
    gen_ticket(now, email="budi@contoh.id")
    me = people["staf"]
    assert codes(list_queue(me, QueueFilter(q="DEWI@contoh.ID"), now)) == [mine.code]
    assert codes(list_queue(me, QueueFilter(q="<dewi@contoh.id>"), now)) == [mine.code]
    for dialect in (postgresql.dialect(), sqlite.dialect()):
        condition = queue.search_condition("Dewi@Contoh.id", lambda T: [], dialect.name)
        sql = str(condition.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        assert sql == "tickets.requester_email = 'dewi@contoh.id'", sql
    # part of an address, or an address no request came from: searched like any word
    assert set(codes(list_queue(me, QueueFilter(q="dewi@contoh.i"), now))) == {
        mine.code, other.code}
    assert codes(list_queue(me, QueueFilter(q="siapa@contoh.id"), now)) == []
    assert queue.requester_address("siapa@contoh.id") is None
    assert queue.requester_address("dewi@contoh") is None
