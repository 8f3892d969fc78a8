"""The SQL a piece of work sends to the database, as a test counts or reads it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from ticketing.extensions import db


@contextmanager
def recorded_sql() -> Iterator[list[tuple[str, object]]]:
    """Within the block, every statement the application's engine runs, as (its text on one
    line, its parameters), in order."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, *args) -> None:
        seen.append((" ".join(statement.split()), parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
