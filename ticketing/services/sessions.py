"""Server-side staff sessions: the cookie carries a random key, the database says whether it
still works (logout, password change/reset and deactivation end it; idle and absolute limits).

A replayed cookie is worth nothing once its row has ended. Functions flush; the caller commits.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import User, UserSession

#: last_seen_dt is written at most this often (one UPDATE a minute per active user, not per page)
TOUCH_EVERY = timedelta(minutes=1)


def start(user: User, now: datetime) -> str:
    """A new session for `user`; returns the key for the cookie."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=UserSession.hash(key),
                               created_dt=now, last_seen_dt=now))
    db.session.flush()
    return key


def find_valid(user_id: int, key: str | None, now: datetime, *, idle: timedelta,
               lifetime: timedelta) -> UserSession | None:
    """The live session of that user with that key, or None (unknown, ended, idle, too old).

    A session found idle or too old is ended on the spot, so it cannot come back.
    """
    if not key or not isinstance(key, str) or len(key) > 100:
        return None
    row = db.session.scalar(select(UserSession).where(
        UserSession.key_hash == UserSession.hash(key)))
    if row is None or row.user_id != user_id or row.ended_dt is not None:
        return None
    if now - row.last_seen_dt > idle or now - row.created_dt > lifetime:
        row.ended_dt = now
        db.session.flush()
        return None
    return row


def touch(row: UserSession, now: datetime) -> bool:
    """Record activity (at most once per TOUCH_EVERY). True when something was written."""
    if now - row.last_seen_dt < TOUCH_EVERY:
        return False
    row.last_seen_dt = now
    db.session.flush()
    return True


def end(key: str | None, now: datetime) -> None:
    """End the session with that key (logout)."""
    if key and isinstance(key, str):
        db.session.execute(update(UserSession).where(
            UserSession.key_hash == UserSession.hash(key), UserSession.ended_dt.is_(None))
            .values(ended_dt=now))


def end_all(user: User, now: datetime) -> None:
    """End every session of `user` (password change or reset, deactivation)."""
    db.session.execute(update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_dt.is_(None)).values(ended_dt=now))
