"""Pooled database connections checked only when they may have gone stale.

SQLAlchemy's `pool_pre_ping` asks the database `SELECT 1` at every checkout: one round trip
more on every request, a tenth of a public intake's work (issue 13). A connection given back
to the pool a moment ago is alive as far as anyone can know without asking, so it is handed
out as is; one that sat unused for DB_PING_IDLE_SECONDS or more (a database restart, a
firewall dropping idle connections) is pinged first and replaced when dead. A connection that
dies while in use anyway makes SQLAlchemy invalidate the whole pool, so the next request
reconnects.
"""

from __future__ import annotations

from time import monotonic

from sqlalchemy import Engine, event, exc

#: where a pooled connection's last check-in time is kept (its record's info dictionary,
#: emptied when the connection is replaced)
_RETURNED = "returned_at"


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection at checkout only after idle_seconds unused."""

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record) -> None:
        record.info[_RETURNED] = monotonic()

    @event.listens_for(engine, "checkout")
    def _handed_out(dbapi_connection, record, proxy) -> None:
        returned = record.info.get(_RETURNED)
        if returned is None or monotonic() - returned < idle_seconds:
            return  # new, or used a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error
        if not alive:
            raise exc.DisconnectionError("the database did not answer the ping")
