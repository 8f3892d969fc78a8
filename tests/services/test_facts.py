"""Daily facts: kept in the same transaction as each change, equal to a rebuild from the
tickets, and the source of the public figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from ticketing.domain.facts import late_days
from ticketing.domain.ikm import ELEMENT_KEYS
from ticketing.domain.periods import parse_period
from ticketing.extensions import db
from ticketing.models import DailyFact, Ticket, Unit
from ticketing.models.facts import MEASURES, SCORE_COLUMNS
from ticketing.services import facts, survey
from ticketing.services import tickets as svc
from ticketing.services.stats import public_report

from ..factories import gen_ticket, say_and_set
from ..support.staff import staff

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB).astimezone(UTC)


def table(with_open_late: bool = True) -> set[tuple]:
    """The facts that count something, their shards summed (open_late left out on request):
    what every reader sees."""
    f = DailyFact.__table__
    key = [f.c[k] for k in facts.KEY_COLUMNS if k != "shard"]
    measures = [m for m in MEASURES if with_open_late or m != "open_late"]
    rows = db.session.execute(select(*key, *[func.sum(f.c[m]) for m in measures])
                              .group_by(*key))
    return {tuple(row) for row in rows if any(row[len(key):])}


def test_score_columns_follow_the_elements():
    assert tuple(f"score_{k}" for k in ELEMENT_KEYS) == SCORE_COLUMNS


def test_every_change_moves_the_facts_as_a_rebuild_would(app, now):
    me = staff(now)
    halal = gen_ticket(wib(2026, 11, 2, 9, 0))
    say_and_set(halal, "selesai", wib(2026, 11, 2, 11, 0))  # on time
    late = gen_ticket(wib(2026, 11, 3, 9, 0), service="rekomendasi-izin-koperasi",
                      channel="email", type="pengaduan")
    say_and_set(late, "selesai", wib(2026, 11, 10, 10, 0))  # late
    moved = gen_ticket(wib(2026, 11, 3, 10, 0))
    kel = db.session.scalar(select(Unit).where(Unit.code == "KELEMBAGAAN"))
    svc.transfer(moved, staff(now, "ketua_tim"), kel, "Salah bidang", wib(2026, 11, 3, 11, 0))
    gen_ticket(wib(2026, 11, 4, 9, 0))  # open
    db.session.commit()
    survey.submit(halal, survey.Answers(dict.fromkeys(ELEMENT_KEYS, 3)), wib(2026, 11, 5, 9))
    kept = table(with_open_late=False)
    assert kept, "facts were written"
    facts.rebuild(db.session.connection(), wib(2026, 11, 20, 9, 0))
    # open_late is written by the rebuild only
    assert table(with_open_late=False) == kept
    f = DailyFact.__table__
    day2 = db.session.execute(select(f).where(f.c.day == date(2026, 11, 2))).mappings().all()
    assert sum(r["received"] for r in day2) == 1
    assert sum(r["answered_on_time"] for r in day2) == 1
    assert sum(r["answer_seconds"] for r in day2) == 7200
    day5 = db.session.execute(select(f).where(f.c.day == date(2026, 11, 5),
                                              f.c.respondents > 0)).mappings().one()
    assert day5["respondents"] == 1 and day5["score_waktu"] == 3
    # the transfer moved the ticket's fact to the other unit
    day3 = db.session.execute(select(f).where(f.c.day == date(2026, 11, 3),
                                              f.c.unit_id == kel.id)).mappings().all()
    assert sum(r["received"] for r in day3) == 2
    assert me is not None


def test_a_refused_change_leaves_no_fact(app, now):
    ticket = gen_ticket(now)
    db.session.commit()
    before = table()
    say_and_set(ticket, "selesai", now + timedelta(hours=1))
    db.session.flush()
    assert table() != before  # moved in the transaction...
    db.session.rollback()
    assert table() == before  # ...and gone with it


def test_open_late_is_counted_for_each_day_end_past_the_deadline():
    tz = WIB
    due = datetime(2026, 11, 3, 15, 0, tzinfo=tz)
    answered = datetime(2026, 11, 5, 9, 0, tzinfo=tz)
    days = list(late_days(due, answered, date(2026, 11, 1), date(2026, 11, 30), tz))
    assert days == [date(2026, 11, 3), date(2026, 11, 4)]
    assert list(late_days(due, None, date(2026, 11, 1), date(2026, 11, 6), tz)) == [
        date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 5)]
    assert list(late_days(due, due - timedelta(hours=1), date(2026, 11, 1),
                          date(2026, 11, 30), tz)) == []


def test_rebuild_counts_open_late_and_is_idempotent(app, now):
    ticket = gen_ticket(wib(2026, 11, 2, 9, 0))  # due 3 Nov 09.00 (one working day)
    say_and_set(ticket, "selesai", wib(2026, 11, 5, 9, 0))
    db.session.commit()
    at = wib(2026, 11, 20, 9, 0)
    first = facts.rebuild(db.session.connection(), at)
    snapshot = table()
    assert facts.rebuild(db.session.connection(), at) == first and table() == snapshot
    f = DailyFact.__table__
    late = dict(db.session.execute(select(f.c.day, f.c.open_late).where(f.c.open_late > 0)).all())
    assert late == {date(2026, 11, 3): 1, date(2026, 11, 4): 1}


def test_the_public_figures_come_from_the_facts(app, now):
    """Rows loaded behind the ORM's back (a bulk import) count only after a rebuild."""
    gen_ticket(wib(2026, 11, 2, 9, 0))
    db.session.commit()
    period = parse_period("2026-11")
    at = wib(2026, 11, 20, 9, 0)
    assert public_report(period, at).overall.figures.received == 1
    existing = db.session.scalar(select(Ticket))
    db.session.execute(insert(Ticket), [{
        "code": "ZZZZ-ZZZZ", "type": "informasi", "channel": "web",
        "unit_id": existing.unit_id, "service_id": existing.service_id, "status": "baru",
        "subject": "Impor", "requester_name": "Impor", "created_dt": wib(2026, 11, 9, 9, 0)}])
    db.session.commit()
    assert public_report(period, at).overall.figures.received == 1
    facts.rebuild(db.session.connection(), at)
    db.session.commit()
    assert public_report(period, at).overall.figures.received == 2


@pytest.mark.parametrize("unused", [None])
def test_cli_rebuild_reports_rows(app, now, unused):
    gen_ticket(now)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["facts", "rebuild"])
    assert result.exit_code == 0, result.output
    assert '"fact_rows": 1' in result.output
    bad = app.test_cli_runner().invoke(args=["facts", "rebuild", "--since", "kemarin"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
