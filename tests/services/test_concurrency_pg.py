"""Two staff acting on one ticket at the same moment, on PostgreSQL with two real connections
(one thread, app context and session each): one claim/assignment wins and the other is told;
two replies are both kept."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from ticketing import create_app
from ticketing.extensions import db
from ticketing.models import AuditEntry, Message, Ticket, User
from ticketing.services import tickets as svc
from ticketing.services.transaction import run

from ..conftest import _config, _truncate_all
from ..factories import gen_ticket
from ..support.staff import staff

pytestmark = pytest.mark.postgres
ROUNDS = 5


@pytest.fixture
def pg_app(pg_database, tmp_path, smtp_server):
    app = create_app(_config(pg_database, tmp_path))
    with app.app_context():
        _truncate_all()
        from ticketing.services.catalogue import seed_catalogue

        run(seed_catalogue)
        yield app
        db.session.remove()
        db.engine.dispose()


def race(app, ticket_id: int, user_ids: list[int], act) -> list[object]:
    """Run act(ticket, user) in one thread per user, released together after each has loaded
    the ticket; returns "ok" or the exception per thread."""
    barrier = threading.Barrier(len(user_ids))
    results: list[object] = [None] * len(user_ids)

    def worker(i: int) -> None:
        with app.app_context():
            try:
                ticket = db.session.get(Ticket, ticket_id)
                user = db.session.get(User, user_ids[i])
                _ = (ticket.version, ticket.assignee_id, ticket.status, user.unit_id)
                barrier.wait(timeout=10)
                act(ticket, user)
                results[i] = "ok"
            except Exception as exc:  # noqa: BLE001 - reported to the test
                db.session.rollback()
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(user_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return results


def test_claim_race_has_exactly_one_winner(pg_app, now):
    a, b = staff(now, name="Rina"), staff(now, name="Dodi")
    for _ in range(ROUNDS):
        ticket = gen_ticket(now)
        results = race(pg_app, ticket.id, [a.id, b.id],
                       lambda t, u: run(svc.claim, t, u, now))
        winners = [i for i, r in enumerate(results) if r == "ok"]
        losers = [r for r in results if r != "ok"]
        assert len(winners) == 1, results
        assert isinstance(losers[0], svc.Conflict), losers
        winner = (a, b)[winners[0]]
        assert f"sudah diambil oleh {winner.name}" in losers[0].message
        db.session.expire_all()
        assert db.session.get(Ticket, ticket.id).assignee_id == winner.id
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.ticket_id == ticket.id, AuditEntry.action == "assignee")) == 1


def test_assignment_race_has_exactly_one_winner(pg_app, now):
    lead_a, lead_b = staff(now, "ketua_tim"), staff(now, "kabid")
    member_a, member_b = staff(now), staff(now)
    target = {lead_a.id: member_a.id, lead_b.id: member_b.id}
    for _ in range(ROUNDS):
        ticket = gen_ticket(now)
        version = ticket.version

        def act(t, lead, version=version):
            run(svc.assign, t, lead, db.session.get(User, target[lead.id]), now,
                       expected_version=version)

        results = race(pg_app, ticket.id, [lead_a.id, lead_b.id], act)
        assert sorted(map(str, results)).count("ok") == 1, results
        loser = next(r for r in results if r != "ok")
        assert isinstance(loser, svc.Conflict) and "baru saja diubah" in loser.message
        db.session.expire_all()
        winner_lead = (lead_a, lead_b)[results.index("ok")]
        assert db.session.get(Ticket, ticket.id).assignee_id == target[winner_lead.id]


def test_simultaneous_replies_are_both_kept(pg_app, now):
    a, b = staff(now, name="Rina"), staff(now, name="Dodi")
    for _ in range(ROUNDS):
        ticket = gen_ticket(now)
        results = race(pg_app, ticket.id, [a.id, b.id],
                       lambda t, u: run(svc.reply, t, u, f"Jawaban {u.name}", "selesai", now,
                                          retries=svc.REPLY_RETRIES))
        assert results == ["ok", "ok"], results
        bodies = set(db.session.scalars(select(Message.body_text).where(
            Message.ticket_id == ticket.id, Message.direction == "out")))
        assert bodies == {"Jawaban Rina", "Jawaban Dodi"}
        db.session.expire_all()
        assert db.session.get(Ticket, ticket.id).status == "selesai"


def test_two_identical_submits_at_once_make_one_request(pg_app, now):
    """The form submitted twice at the same moment (a double tap): the unique submission key
    decides, the loser's INSERT waits for the winner's commit, fails, and answers with the
    winner's ticket (intake.submit's rows go through the connection, not the ORM)."""
    from ticketing.services import intake

    def data(key: str) -> intake.RequestData:
        return intake.RequestData(
            name="Rina", email="rina@example.com", type="informasi", subject="Sertifikat halal",
            message="Bagaimana cara daftar sertifikat halal?", service_slug="sertifikat-halal",
            submission_key=key)

    def worker(i: int, key: str, barrier: threading.Barrier, codes: list) -> None:
        with pg_app.app_context():
            try:
                barrier.wait(timeout=10)
                codes[i] = run(intake.submit, data(key), now).code
            except Exception as exc:  # noqa: BLE001 - reported to the test
                codes[i] = exc
            finally:
                db.session.remove()

    for round_ in range(ROUNDS):
        barrier, codes = threading.Barrier(2), [None, None]
        threads = [threading.Thread(target=worker, args=(i, f"ketuk-{round_}", barrier, codes))
                   for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert all(isinstance(c, str) for c in codes) and codes[0] == codes[1], codes
    assert db.session.scalar(select(func.count(Ticket.id))) == ROUNDS
    assert db.session.scalar(select(func.count(Message.id))) == ROUNDS


def test_two_requests_for_one_service_do_not_wait_for_each_other(pg_app, now):
    """Every request of a day for one service adds to that day's facts: two intakes at the
    same moment write to different fact rows (their ids' shards), so the second commits while
    the first is still open instead of queueing for the row's lock until that commit."""
    from sqlalchemy import text

    from ticketing.models import DailyFact
    from ticketing.services import intake

    def data(n: int) -> intake.RequestData:
        return intake.RequestData(
            name="Rina", email=f"rina{n}@example.com", type="informasi",
            subject="Sertifikat halal", message="Bagaimana cara daftar sertifikat halal?",
            service_slug="sertifikat-halal")

    first_open, second_done = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with pg_app.app_context():
            try:
                # a transaction under way (as when other work came first), so the request's
                # statement does not commit by itself (request_rows.single_statement_session)
                db.session.connection()
                intake.submit(data(1), now)  # flushed, not committed
                first_open.set()
                second_done.wait(timeout=20)
                db.session.commit()
                outcome["first"] = "committed"
            except Exception as exc:  # noqa: BLE001 - reported to the test
                outcome["first"] = exc
            finally:
                first_open.set()
                db.session.remove()

    def second() -> None:
        first_open.wait(timeout=20)
        with pg_app.app_context():
            try:
                db.session.execute(text("SET LOCAL lock_timeout = '3s'"))
                intake.submit(data(2), now)
                db.session.commit()
                outcome["second"] = "committed"
            except Exception as exc:  # noqa: BLE001 - reported to the test
                outcome["second"] = exc
            finally:
                second_done.set()
                db.session.remove()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=40)
    assert outcome == {"first": "committed", "second": "committed"}, outcome
    f = DailyFact.__table__
    rows = db.session.execute(select(f.c.shard, f.c.received).where(f.c.received > 0)).all()
    assert len(rows) == 2 and sum(received for _shard, received in rows) == 2
