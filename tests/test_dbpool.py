"""Pooled connections are pinged only after sitting idle (ticketing/dbpool.py): a request
right after another costs no extra round trip, and a connection the database dropped while
it was idle is replaced before anyone uses it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc, text

from ticketing.dbpool import ping_when_idle
from ticketing.extensions import db


def _engine(app, idle_seconds: float):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds)
    return engine


def _kill(pid: int) -> None:
    db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    db.session.commit()


def _pid(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()


@pytest.fixture
def postgresql(backend):
    if backend != "postgresql":
        pytest.skip("ending another session's connection needs PostgreSQL")


def test_a_connection_dropped_while_idle_is_replaced_before_use(app, postgresql):
    engine = _engine(app, idle_seconds=0)
    try:
        first = _pid(engine)
        _kill(first)
        second = _pid(engine)  # the ping found it dead: a new connection, no error
        assert second != first
    finally:
        engine.dispose()


def test_a_connection_used_a_moment_ago_is_handed_out_without_a_ping(app, postgresql):
    engine = _engine(app, idle_seconds=3600)
    try:
        _kill(_pid(engine))
        # not pinged: the dead connection is used, fails, and the pool starts over
        with pytest.raises(exc.OperationalError), engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_the_application_pings_only_idle_connections(app):
    assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert app.config["DB_PING_IDLE_SECONDS"] > 0
