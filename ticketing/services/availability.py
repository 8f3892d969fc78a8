"""Is the database there? One home for telling "the database cannot be reached" (try again
later: HTTP 503, exit code 75) from an error about the work itself."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from ..extensions import db

log = logging.getLogger(__name__)

#: SQLSTATEs that mean the database or its schema is not there (yet): undefined table,
#: invalid schema, invalid catalog; like a dropped connection, a reason to try again later
NOT_READY_SQLSTATES = {"42P01", "3F000", "3D000"}


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached (or is not migrated): nothing was decided, try later.
    The MTA pipe answers EX_TEMPFAIL so the mail is delivered again."""


def is_db_unavailable(exc: BaseException) -> bool:
    """A connection-level problem, as opposed to a problem with this one piece of work."""
    if isinstance(exc, DatabaseUnavailable):
        return True
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = exc.orig
        return getattr(orig, "sqlstate", None) in NOT_READY_SQLSTATES or getattr(
            orig, "pgcode", None) in NOT_READY_SQLSTATES
    return False


#: SQLite reports these as OperationalError too, but they are about the statement, not about
#: reaching the database
_SQLITE_STATEMENT_ERRORS = ("no such table", "no such column", "syntax error")


def is_connection_problem(exc: BaseException) -> bool:
    """The database cannot be reached right now (HTTP 503), as opposed to a failed statement
    (a bug, HTTP 500)."""
    if isinstance(exc, DatabaseUnavailable):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (OperationalError, InterfaceError)):
        text = str(getattr(exc, "orig", None) or exc).lower()
        return not any(marker in text for marker in _SQLITE_STATEMENT_ERRORS)
    return False


def rollback_quietly() -> None:
    """Roll the session back after a lost connection (the rollback may fail too)."""
    try:
        db.session.rollback()
    except DBAPIError as again:
        log.debug("rollback after a lost connection: %s", again)


@contextmanager
def database() -> Iterator[None]:
    """Turn "the database is not there" into DatabaseUnavailable."""
    try:
        yield
    except DBAPIError as exc:
        if not is_db_unavailable(exc):
            raise
        rollback_quietly()
        raise DatabaseUnavailable(str(exc.orig or exc)) from exc
