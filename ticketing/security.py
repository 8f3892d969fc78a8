"""Login manager wiring, password hashing and response headers."""

from __future__ import annotations

import functools
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app, g, has_app_context, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from .extensions import db, login_manager


@functools.cache
def _hasher_with(params: tuple[tuple[str, int], ...]) -> PasswordHasher:
    return PasswordHasher(**dict(params))


def _hasher() -> PasswordHasher:
    """argon2id with the library's defaults (RFC 9106), or ARGON2_PARAMS from the config
    (the tests use cheap ones: a default hash costs 0.2 s and 64 MiB)."""
    params = current_app.config.get("ARGON2_PARAMS") if has_app_context() else None
    return _hasher_with(tuple(sorted((params or {}).items())))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with older argon2 parameters than today's."""
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_hex(16))


def waste_verify(password: str) -> None:
    """Verify against a throw-away hash: an unknown e-mail takes as long as a wrong password,
    so response times do not tell which accounts exist."""
    verify_password(_dummy_hash(_hasher()), password)


#: the session cookie's key for the server-side session (services/sessions.py)
SESSION_KEY = "_sid"
#: what a user with an admin-issued password may still open before changing it
TEMPORARY_PASSWORD_ENDPOINTS = {"auth.account", "auth.change_password", "auth.logout", "static"}


def open_staff_session(user, now: datetime) -> None:
    """Log `user` in with a new server-side session (the caller commits)."""
    from flask_login import login_user

    from .services import sessions

    login_user(user)
    session[SESSION_KEY] = sessions.start(user, now)


def close_staff_session(now: datetime) -> None:
    """End this browser's server-side session (the caller commits)."""
    from .services import sessions

    sessions.end(session.get(SESSION_KEY), now)


def _session_limits() -> tuple[timedelta, timedelta]:
    cfg = current_app.config
    return (timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]),
            timedelta(hours=cfg["SESSION_MAX_HOURS"]))


def check_staff_session():
    """Before every request: a staff cookie counts only with a live server-side session."""
    from .services import sessions

    g.staff_session_user_id = None
    g.pop("_login_user", None)  # decided afresh on every request (tests share one context)
    user_ref = session.get("_user_id")
    if not user_ref:
        return
    user_id = str(user_ref).partition(":")[0]
    idle, lifetime = _session_limits()
    now = datetime.now(UTC)
    row = sessions.find_valid(int(user_id) if user_id.isascii() and user_id.isdigit() else -1,
                              session.get(SESSION_KEY), now, idle=idle, lifetime=lifetime)
    if row is None:
        db.session.commit()  # an idle or expired session was just ended
        for key in ("_user_id", "_fresh", "_id", SESSION_KEY):
            session.pop(key, None)
        return
    if sessions.touch(row, now):
        db.session.commit()
    g.staff_session_user_id = row.user_id
    return


def require_password_change():
    """An admin-issued (temporary) password must be replaced before anything else."""
    from .models import User

    user_id = g.get("staff_session_user_id")
    if user_id is None or request.endpoint in TEMPORARY_PASSWORD_ENDPOINTS:
        return None
    user = db.session.get(User, user_id)
    if user is not None and user.must_change_password:
        return redirect(url_for("auth.account"))
    return None


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, its signer made once per set of keys: Flask builds a
    new one twice per request (open and save), a cost every request paid (issue 13)."""

    def __init__(self) -> None:
        self._signers: dict[tuple, object] = {}

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        made = self._signers.get(keys)
        if made is None:
            made = self._signers[keys] = super().get_signing_serializer(app)
        return made


def init_app(app: Flask) -> None:
    from .models import User

    app.session_interface = CookieSessions()

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Silakan masuk untuk membuka halaman ini."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def _load_user(session_id: str):
        # "<id>:<epoch>" (see User.get_id): a reset password or a deactivated account ends
        # every session that was opened before; and only with a live server-side session.
        user_id, _, epoch = session_id.partition(":")
        if not (user_id.isascii() and user_id.isdigit() and epoch.isascii()
                and epoch.isdigit()):
            return None
        if g.get("staff_session_user_id") != int(user_id):
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.is_active or user.session_epoch != int(epoch):
            return None
        return user

    app.before_request(check_staff_session)
    app.before_request(require_password_change)
