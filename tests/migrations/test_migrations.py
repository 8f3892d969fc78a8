"""Migrations: a single head, and `upgrade` on an empty database gives exactly the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from ticketing import ROOT, create_app
from ticketing.extensions import db

from ..conftest import _config

pytestmark = pytest.mark.slow  # every migration, on fresh databases


def _empty_database(backend: str, tmp_path, request, name: str) -> str:
    """A new empty database of the backend under test (PostgreSQL: dropped afterwards)."""
    if backend == "postgresql":
        from ..support.components import PG_URL_ENV, create_pg_database

        url, drop = create_pg_database(PG_URL_ENV())
        request.addfinalizer(drop)
        return url
    return f"sqlite:///{tmp_path}/{name}.sqlite3"


def test_single_head():
    script = ScriptDirectory(str(ROOT / "migrations"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_upgrade_matches_models(backend, tmp_path, request):
    url = _empty_database(backend, tmp_path, request, "migrated")
    app = create_app(_config(url, tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], diff


def test_downgrade_to_base_and_back(tmp_path):
    """Every revision can be undone and redone (SQLite, batch mode)."""
    from flask_migrate import downgrade

    app = create_app(_config(f"sqlite:///{tmp_path}/roundtrip.sqlite3", tmp_path))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()


def test_0018_settles_news_nobody_needs_to_act_on(tmp_path):
    """The upgrade marks as read the news of tickets no longer open or now someone else's, so
    the partial index of unread news starts bounded by the open work."""
    from datetime import UTC, datetime

    from flask_migrate import downgrade
    from sqlalchemy import select

    from ticketing.models import StaffNotification
    from ticketing.services import staff_notify

    from ..factories import gen_ticket
    from ..support.staff import staff

    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    app = create_app(_config(f"sqlite:///{tmp_path}/settle.sqlite3", tmp_path))
    with app.app_context():
        upgrade()
        from ticketing.services.catalogue import seed_catalogue

        seed_catalogue()
        first, second = staff(now, "staf", name="Satu"), staff(now, "staf", name="Dua")
        kept, closed, taken = gen_ticket(now), gen_ticket(now), gen_ticket(now)
        staff_notify.run(now)
        closed.status = "ditutup"
        taken.assignee_id = first.id
        db.session.commit()
        downgrade(revision="0017_perf")
        upgrade()
        unread = {(n.user_id, n.ticket_id) for n in db.session.scalars(
            select(StaffNotification).where(StaffNotification.read_dt.is_(None)))}
        expected = {(first.id, kept.id), (second.id, kept.id), (first.id, taken.id)}
        db.session.remove()
        db.engine.dispose()
    assert unread == expected


def test_0021_fills_the_working_time_of_the_requests_answered_before(backend, tmp_path,
                                                                     request):
    """Undone and redone on a database with answers: the upgrade stores each answered
    request's working seconds as the answer did (the office calendar), committed in batches."""
    from datetime import UTC, datetime, timedelta

    from flask_migrate import downgrade
    from sqlalchemy import text

    from ticketing.services import tickets as svc
    from ticketing.services.catalogue import seed_catalogue
    from ticketing.services.transaction import run

    from ..factories import gen_ticket
    from ..support.staff import staff

    url = _empty_database(backend, tmp_path, request, "seconds")
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    query = text("SELECT id, first_response_seconds FROM tickets ORDER BY id")
    app = create_app(_config(url, tmp_path))
    with app.app_context():
        upgrade()
        seed_catalogue()
        worker = staff(now)
        for hours in (1, 20, 49, 0):
            ticket = gen_ticket(now)
            if hours:
                run(svc.claim, ticket, worker, now)
                run(svc.reply, ticket, worker, "Jawaban.", "selesai", now + timedelta(hours=hours))
        stored = db.session.execute(query).all()
        db.session.commit()
        downgrade(revision="0020_report_cache")
        upgrade()
        filled = db.session.execute(query).all()
        db.session.remove()
        db.engine.dispose()
    # Wed 10.00 + 1 h; + 20 h: Wed until 16.00; + 49 h: Fri 11.00 (6 + 8.5 + 3.5 hours)
    assert [s for _, s in stored] == [3600.0, 6 * 3600, 18 * 3600, None]
    assert filled == stored


def test_0023_keeps_the_facts_in_shards_and_undoes_them_summed(backend, tmp_path, request):
    """The upgrade keeps every fact (shard 0); the downgrade sums a key's shards into one row."""
    from datetime import date

    from flask_migrate import downgrade
    from sqlalchemy import text

    url = _empty_database(backend, tmp_path, request, "shards")
    insert = text("INSERT INTO daily_facts (day, unit_id, service_id, channel, type, {shard}"
                  "received, answered, answered_on_time, answer_seconds, open_late, "
                  "respondents, score_persyaratan, score_prosedur, score_waktu, score_biaya, "
                  "score_produk, score_kompetensi, score_perilaku, score_pengaduan, "
                  "score_sarana) VALUES (:day, 1, 2, 'web', 'informasi', {value}:received, "
                  "1, 1, 60.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)")
    read = text("SELECT * FROM daily_facts ORDER BY day")
    app = create_app(_config(url, tmp_path))
    with app.app_context():
        upgrade(revision="0022_perf")
        with db.engine.begin() as connection:
            connection.execute(text(str(insert).format(shard="", value="")),
                               {"day": date(2026, 11, 2), "received": 3})
        upgrade()
        with db.engine.begin() as connection:
            kept = connection.execute(read).mappings().one()
            assert (kept["shard"], kept["received"]) == (0, 3)
            for shard in (3, 4):
                connection.execute(text(str(insert).format(shard="shard, ", value=":shard, ")),
                                   {"day": date(2026, 11, 2), "received": 1, "shard": shard})
        downgrade(revision="0022_perf")
        with db.engine.begin() as connection:
            summed = connection.execute(read).mappings().all()
        assert [(r["received"], r["answered"], r["answer_seconds"]) for r in summed] == [
            (5, 3, 180.0)]
        assert "shard" not in summed[0]
        upgrade()
        db.engine.dispose()
