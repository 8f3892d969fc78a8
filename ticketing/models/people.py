"""Staff accounts and their API tokens."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .catalogue import Unit

ROLES = ("staf", "ketua_tim", "kabid", "kepala_dinas", "admin")


class User(UserMixin, db.Model):
    """A member of staff. Citizens have no accounts: they track with code + email/phone."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login name, lower-case
    email: Mapped[str] = mapped_column(db.String(254), unique=True)
    name: Mapped[str] = mapped_column(db.String(200))
    #: argon2 hash; None until a password is set
    password_hash: Mapped[str | None] = mapped_column(db.String(255))
    #: one of ROLES (the standard's internal oversight: kabid, ketua tim, staf)
    role: Mapped[str] = mapped_column(db.String(20), default="staf")
    #: the bidang; None for kepala_dinas and admin
    unit_id: Mapped[int | None] = mapped_column(db.ForeignKey("units.id"), index=True)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    last_login_dt = mapped_column(UTCDateTime, nullable=True)
    #: wrong passwords since the last successful login (per-account lockout)
    failed_login_count: Mapped[int] = mapped_column(default=0, server_default="0")
    #: logins are refused until then after too many wrong passwords
    locked_until_dt = mapped_column(UTCDateTime, nullable=True)
    #: bumped on password change/reset: sessions signed with an older value are logged out
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    #: news about new work: "segera" (a mail each run), "ringkasan" (daily), "mati" (queue only)
    notify_pref: Mapped[str] = mapped_column(db.String(10), default="segera",
                                             server_default="segera")
    password_changed_dt = mapped_column(UTCDateTime, nullable=True)
    #: the password was issued by an admin (new account, reset): it must be changed at login
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    unit: Mapped[Unit | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    def get_id(self) -> str:
        """Flask-Login's session id: '<id>:<epoch>', so a password reset ends old sessions."""
        return f"{self.id}:{self.session_epoch}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserSession(db.Model):
    """A signed-in browser session, kept server-side: the cookie only carries its random key.

    Ended at logout, and for all of a user's sessions at a password change or reset and at
    deactivation; also refused once idle or old beyond SESSION_IDLE_MINUTES/SESSION_MAX_HOURS.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"), index=True)
    #: sha256 hex of the random key in the session cookie
    key_hash: Mapped[str] = mapped_column(db.String(64), unique=True)
    created_dt = mapped_column(UTCDateTime, nullable=False)
    #: last request seen (updated at most once a minute)
    last_seen_dt = mapped_column(UTCDateTime, nullable=False)
    #: set at logout, password change/reset or deactivation; the session never works again
    ended_dt = mapped_column(UTCDateTime, nullable=True)

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class LoginThrottle(db.Model):
    """Failed logins for a login name that matches no account, so that an unknown address
    gets the same lockout answer as a known one (accounts keep their own counters)."""

    __tablename__ = "login_throttles"

    #: sha256 hex of the lower-cased login name (the name itself is not kept)
    key_hash: Mapped[str] = mapped_column(db.String(64), primary_key=True)
    failed_count: Mapped[int] = mapped_column(default=0)
    locked_until_dt = mapped_column(UTCDateTime, nullable=True)
    updated_dt = mapped_column(UTCDateTime, nullable=False)

    @staticmethod
    def hash_name(login_name: str) -> str:
        return hashlib.sha256((login_name or "").strip().lower().encode()).hexdigest()


class ApiToken(db.Model):
    """A bearer token for the staff API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"), index=True)
    #: sha256 hex of the token
    token_hash: Mapped[str] = mapped_column(db.String(64), unique=True)
    #: first characters, to tell tokens apart on the account page
    prefix: Mapped[str] = mapped_column(db.String(12))
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    last_used_dt = mapped_column(UTCDateTime, nullable=True)
    revoked_dt = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
