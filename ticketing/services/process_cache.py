"""Settings kept per process (per app) for a number of seconds: the office calendar, the
service catalogue and the routing rules. Every intake (form, API, mail, WhatsApp) needs them
and an admin changes them rarely. An edit through the owning module forgets its value at
once in this process; other processes (web workers, the scheduler, a CLI command) see it
within that time. A committed write through the ORM to a table a copy is read from (see
forget_on_commit) drops the copy too, whoever wrote it (an admin edit, `seed`, a script)."""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")

#: model class -> the copies read from its table
_WATCHED: dict[type, tuple[str, ...]] = {}
_CHANGED = "process_cache_changed"


def kept(name: str, seconds: float, build: Callable[[], T]) -> T:
    """build(), or its value from the last `seconds` in this process."""
    cache = current_app.extensions.setdefault("process_cache", {})
    hit = cache.get(name)
    if hit is not None and monotonic() - hit[0] < seconds:
        return hit[1]
    value = build()
    cache[name] = (monotonic(), value)
    return value


def forget(name: str) -> None:
    """Drop this process's copy of `name` (after an edit)."""
    current_app.extensions.get("process_cache", {}).pop(name, None)


def forget_on_commit(name: str, *models: type) -> None:
    """Drop `name` when a transaction that wrote any of `models` commits."""
    for model in models:
        _WATCHED[model] = (*_WATCHED.get(model, ()), name)


@event.listens_for(Session, "after_flush")
def _note_change(session: Session, flush_context) -> None:
    # new/dirty/deleted still hold what this flush wrote
    names = {name for obj in (*session.new, *session.dirty, *session.deleted)
             for name in _WATCHED.get(type(obj), ())}
    if names:
        session.info.setdefault(_CHANGED, set()).update(names)


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    # After the commit, not at the flush: a copy read in between would hold the old values.
    names = session.info.pop(_CHANGED, None)
    if names and has_app_context():
        for name in names:
            forget(name)


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(_CHANGED, None)
