"""One transaction per use case.

Services add and flush; the caller (a request, a CLI command, a job) runs the use case
through `run`, which commits once when it returns and rolls everything back when it raises:
a refused change leaves nothing behind, and the mail it queued (outbox rows are written in
the same session) disappears with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from .errors import STALE, Conflict

T = TypeVar("T")


def commit() -> None:
    """Commit the session; a concurrent change to a versioned row becomes Conflict."""
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict(STALE) from exc


def run(use_case: Callable[..., T], *args, retries: int = 1, **kwargs) -> T:
    """Call `use_case(*args, **kwargs)` and commit once; roll back on any exception.

    retries > 1: a lost optimistic-lock race (another writer changed the same row) is redone
    on fresh rows, for use cases that are safe to repeat (a reply is an insert).
    """
    for attempt in range(max(retries, 1)):
        try:
            result = use_case(*args, **kwargs)
            db.session.commit()
            return result
        except StaleDataError as exc:
            db.session.rollback()
            if attempt + 1 >= retries:
                raise Conflict(STALE) from exc
        except BaseException:
            db.session.rollback()
            raise
    raise Conflict(STALE)  # pragma: no cover - the loop always returns or raises
