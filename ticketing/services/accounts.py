"""Staff accounts: logging in (with per-account lockout), passwords, admin management, tokens.

Account changes go to the audit log (with no ticket). Creating accounts and issuing tokens
themselves live in services.people; this module adds what a person does with them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..domain import permissions as perm
from ..domain.passwords import MIN_LENGTH, password_problem
from ..extensions import db
from ..models import ApiToken, LoginThrottle, Unit, User
from ..security import hash_password, needs_rehash, verify_password, waste_verify
from . import audit, sessions
from .people import create_user, issue_token

MIN_PASSWORD_LENGTH = MIN_LENGTH


class AccountError(ValueError):
    """Refused, with `errors` mapping a field (or "") to an Indonesian message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class LoginResult:
    user: User | None
    #: set when the account is locked (now or by this attempt)
    locked_until: datetime | None = None


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def authenticate(email: str, password: str, now: datetime) -> LoginResult:
    """Check a login. Wrong passwords count per account; too many lock it for a while.
    Commits: a failed attempt must count even though the request is refused.

    The answer does not tell a wrong address from a wrong password or an inactive account.
    """
    cfg = current_app.config
    user = find_user(email)
    if user is None:
        waste_verify(password)
        return LoginResult(None, _unknown_login_failed(email, now))
    if user.locked_until_dt is not None and user.locked_until_dt > now:
        waste_verify(password)
        return LoginResult(None, user.locked_until_dt)
    if not verify_password(user.password_hash, password) or not user.is_active:
        user.failed_login_count = (user.failed_login_count or 0) + 1
        locked = None
        if user.failed_login_count >= cfg.get("LOGIN_MAX_FAILURES", 5):
            locked = now + timedelta(minutes=cfg.get("LOGIN_LOCKOUT_MINUTES", 15))
            user.locked_until_dt = locked
            user.failed_login_count = 0
            audit.record(None, "login_locked", now, actor_label=audit.SYSTEM, new=user.email,
                         detail={"until": locked.isoformat()})
        db.session.commit()
        return LoginResult(None, locked)
    user.failed_login_count = 0
    user.locked_until_dt = None
    user.last_login_dt = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.commit()
    return LoginResult(user)


def _unknown_login_failed(email: str, now: datetime) -> datetime | None:
    """Count a failed login for a name that matches no account exactly as for an account, so
    the answer (lockout included) does not tell which addresses exist. Commits."""
    cfg = current_app.config
    key = LoginThrottle.hash_name(email)
    row = db.session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key_hash=key, failed_count=0, updated_dt=now)
        db.session.add(row)
    if row.locked_until_dt is not None and row.locked_until_dt > now:
        return row.locked_until_dt
    row.failed_count += 1
    row.updated_dt = now
    locked = None
    if row.failed_count >= cfg.get("LOGIN_MAX_FAILURES", 5):
        locked = now + timedelta(minutes=cfg.get("LOGIN_LOCKOUT_MINUTES", 15))
        row.locked_until_dt = locked
        row.failed_count = 0
    try:
        db.session.commit()
    except IntegrityError:  # a parallel attempt inserted the row first: count this one less
        db.session.rollback()
    return locked


def check_new_password(password: str, user_email: str = "", user_name: str = "") -> str | None:
    """An Indonesian reason the password may not be used (domain/passwords.py), or None."""
    return password_problem(password, user_email, user_name)


def _set_password(user: User, password: str, now: datetime, *, temporary: bool) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_dt = now
    #: an admin-issued password is changed by its owner at the next login
    user.must_change_password = temporary
    # Every session opened with the old password ends (server-side, and see User.get_id).
    user.session_epoch = (user.session_epoch or 0) + 1
    sessions.end_all(user, now)
    user.failed_login_count = 0
    user.locked_until_dt = None


def change_password(user: User, current: str, new: str, now: datetime) -> None:
    """The staff member changes their own password. No commit."""
    if not verify_password(user.password_hash, current):
        raise AccountError({"current": "Kata sandi saat ini salah."})
    problem = check_new_password(new, user.email, user.name)
    if problem is None and verify_password(user.password_hash, new):
        problem = "Kata sandi baru harus berbeda dari kata sandi saat ini."
    if problem:
        raise AccountError({"new": problem})
    _set_password(user, new, now, temporary=False)
    audit.record(None, "password_changed", now, actor=user, new=user.email)
    db.session.flush()


# ------------------------------------------------------------------ admin

def _require_admin(actor: User) -> None:
    if not perm.can(actor.role, actor.unit_id, perm.ACCOUNTS, None):
        raise PermissionError("hanya admin yang dapat mengelola akun")


def temporary_password() -> str:
    """A password to hand over once; the person changes it on the account page."""
    return secrets.token_urlsafe(9)


def _check_role_unit(role: str, unit_code: str | None) -> Unit | None:
    if role not in perm.ROLES:
        raise AccountError({"role": "Peran tidak dikenal."})
    unit = None
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise AccountError({"unit": "Bidang tidak dikenal."})
    if role in perm.UNIT_ROLES and unit is None:
        raise AccountError({"unit": "Staf, ketua tim dan kabid harus punya bidang."})
    if role not in perm.UNIT_ROLES:
        unit = None  # kepala dinas and admin stand above the units
    return unit


def create_account(actor: User, email: str, name: str, role: str, unit_code: str | None,
                   now: datetime) -> tuple[User, str]:
    """A new account with a temporary password (returned, shown once). No commit."""
    _require_admin(actor)
    email = (email or "").strip().lower()
    unit = _check_role_unit(role, unit_code)
    if db.session.scalar(select(func.count(User.id)).where(User.email == email)):
        raise AccountError({"email": "Email ini sudah dipakai akun lain."})
    password = temporary_password()
    user = create_user(email, name.strip(), role, unit.code if unit else None, password, now)
    user.password_changed_dt = now
    user.must_change_password = True
    db.session.flush()
    audit.record(None, "account_created", now, actor=actor, new=email,
                 detail={"role": role, "unit": unit.code if unit else None})
    db.session.flush()
    return user, password


def update_account(actor: User, user: User, name: str, role: str, unit_code: str | None,
                   now: datetime) -> None:
    """Change name, role and unit. No commit."""
    _require_admin(actor)
    unit = _check_role_unit(role, unit_code)
    if user.id == actor.id and role != actor.role:
        raise AccountError({"role": "Anda tidak dapat mengubah peran akun Anda sendiri."})
    before = {"name": user.name, "role": user.role, "unit": user.unit.code if user.unit else None}
    user.name = name.strip() or user.name
    user.role = role
    user.unit = unit
    after = {"name": user.name, "role": role, "unit": unit.code if unit else None}
    if before != after:
        audit.record(None, "account_updated", now, actor=actor, new=user.email,
                     detail={"before": before, "after": after})
    db.session.flush()


def set_active(actor: User, user: User, active: bool, now: datetime) -> None:
    """Deactivate (sessions and API tokens stop working at once) or reactivate. No commit."""
    _require_admin(actor)
    if user.id == actor.id and not active:
        raise AccountError({"": "Anda tidak dapat menonaktifkan akun Anda sendiri."})
    if user.is_active_account == active:
        return
    user.is_active_account = active
    if not active:
        sessions.end_all(user, now)
    audit.record(None, "account_activated" if active else "account_deactivated", now,
                 actor=actor, new=user.email)
    db.session.flush()


def reset_password(actor: User, user: User, now: datetime) -> str:
    """A new temporary password (returned, shown once); old sessions end, lock lifted."""
    _require_admin(actor)
    password = temporary_password()
    _set_password(user, password, now, temporary=True)
    audit.record(None, "password_reset", now, actor=actor, new=user.email)
    db.session.flush()
    return password


# ------------------------------------------------------------------ API tokens

def new_token(user: User, now: datetime) -> str:
    """A new API token for the user's own use (shown once). No commit."""
    token = issue_token(user, now)
    audit.record(None, "token_issued", now, actor=user, new=token[:10])
    db.session.flush()
    return token


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def revoke_token(user: User, token_id: int, now: datetime) -> bool:
    """Revoke one of the user's own tokens. No commit. False when there is no such token."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return False
    if token.revoked_dt is None:
        token.revoked_dt = now
        audit.record(None, "token_revoked", now, actor=user, new=token.prefix)
        db.session.flush()
    return True
