"""Helpers for the staff workspace tests: fast accounts, logging a test client in, tokens."""

from __future__ import annotations

import itertools
from datetime import datetime

from flask.testing import FlaskClient

from ticketing.extensions import db
from ticketing.models import User
from ticketing.services.people import create_user, issue_token
from ticketing.services.transaction import run

_seq = itertools.count(1)


def staff(now: datetime, role: str = "staf", unit: str | None = "PUMK", *,
          password: str | None = None, name: str | None = None,
          email: str | None = None) -> User:
    """An account; without a password no argon2 hash is computed (0.2 s each)."""
    # "u12", not "12": a bare number is a piece of the name that a test's password with
    # digits could contain (password_problem refuses a password holding the name), so a
    # test would fail only when the counter reached that number
    n = f"u{next(_seq)}"
    unit = unit if role in ("staf", "ketua_tim", "kabid") else None
    user = create_user(email or f"{role}.{(unit or 'dinas').lower()}.{n}@example.go.id",
                       name or f"{role.replace('_', ' ').title()} {unit or 'Dinas'} {n}", role,
                       unit, password, now)
    db.session.commit()
    return user


def login(client, user: User) -> None:
    """Log the test client in as `user` without going through the (slow) password check:
    a real server-side session (services/sessions.py), its key in the cookie."""
    from datetime import UTC

    from ticketing.security import SESSION_KEY
    from ticketing.services import sessions

    key = sessions.start(user, datetime.now(UTC))
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[SESSION_KEY] = key
    forget_cached_user()


def bearer(user: User, now: datetime) -> dict[str, str]:
    return {"Authorization": f"Bearer {run(issue_token, user, now)}"}


def forget_cached_user() -> None:
    """Tests share one app context with the requests they make, so Flask-Login's per-request
    cache (g._login_user) would survive from one request to the next; production never does."""
    from flask import g

    g.pop("_login_user", None)


class StaffClient(FlaskClient):
    """A test client that starts each request without a cached user, as production does."""

    def open(self, *args, **kwargs):
        forget_cached_user()
        return super().open(*args, **kwargs)
