"""Staff accounts and API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select

from ..domain import permissions as perm
from ..domain.lifecycle import OPEN_STATUSES
from ..extensions import db
from ..models import ROLES, ApiToken, Ticket, Unit, User
from ..security import hash_password

DEMO_PASSWORD = "demo-palembang"  # noqa: S105 - demo accounts only (seed --demo), documented


def create_user(email: str, name: str, role: str, unit_code: str | None,
                password: str | None, now: datetime) -> User:
    """Create a staff account (no commit)."""
    if role not in ROLES:
        raise ValueError(f"peran tidak dikenal: {role}")
    unit = None
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise ValueError(f"bidang tidak dikenal: {unit_code}")
    if role in ("staf", "ketua_tim", "kabid") and unit is None:
        raise ValueError("staf, ketua tim dan kabid harus punya bidang")
    user = User(email=email.strip().lower(), name=name, role=role, unit=unit,
                password_hash=hash_password(password) if password else None, created_dt=now)
    db.session.add(user)
    return user


def demo_accounts() -> list[dict]:
    """The demo staff: the standard's numbers (8 and 3 staf), a ketua tim and kabid each."""
    people = []
    for unit, count in (("PUMK", 8), ("KELEMBAGAAN", 3)):
        slug = unit.lower()
        people.append({"email": f"kabid.{slug}@demo.diskopukm.id", "name": f"Kabid {unit}",
                       "role": "kabid", "unit": unit})
        people.append({"email": f"ketua.{slug}@demo.diskopukm.id",
                       "name": f"Ketua Tim {unit}", "role": "ketua_tim", "unit": unit})
        for i in range(1, count + 1):
            people.append({"email": f"staf{i}.{slug}@demo.diskopukm.id",
                           "name": f"Staf {unit} {i}", "role": "staf", "unit": unit})
    people.append({"email": "kadis@demo.diskopukm.id", "name": "Kepala Dinas",
                   "role": "kepala_dinas", "unit": None})
    people.append({"email": "admin@demo.diskopukm.id", "name": "Admin Sistem",
                   "role": "admin", "unit": None})
    return people


def seed_demo_users(now: datetime) -> list[dict]:
    """Create the demo accounts that do not exist yet (idempotent). No commit."""
    created = []
    for person in demo_accounts():
        exists = db.session.scalar(select(User.id).where(User.email == person["email"]))
        if exists is None:
            create_user(person["email"], person["name"], person["role"], person["unit"],
                        DEMO_PASSWORD, now)
            created.append(person)
    db.session.flush()
    return created


def issue_token(user: User, now: datetime) -> str:
    """A new API token; only its hash is kept, so it is shown once. No commit."""
    token = "kukm_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=ApiToken.hash(token),
                            prefix=token[:10], created_dt=now))
    db.session.flush()
    return token


def user_by_token(token: str, now: datetime) -> User | None:
    record = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token),
                               ApiToken.revoked_dt.is_(None))
    )
    if record is None or not record.user.is_active:
        return None
    record.last_used_dt = now
    db.session.commit()  # authentication, not the use case: kept even when the call is refused
    return record.user


def unit_staff(unit_id: int | None) -> list[User]:
    """Active staff of a unit who can hold tickets, by name (without their load: counting
    each one's open tickets is the costly part, and the queue's lists need only names)."""
    if unit_id is None:
        return []
    return list(db.session.scalars(select(User).where(*_unit_staff(unit_id))
                                   .order_by(User.name)))


def unit_staff_with_load(unit_id: int | None) -> list[tuple[User, int]]:
    """Active staff of a unit with how many open tickets each holds (one query)."""
    if unit_id is None:
        return []
    open_count = (select(func.count(Ticket.id))
                  .where(Ticket.assignee_id == User.id, Ticket.status.in_(sorted(OPEN_STATUSES)))
                  .correlate(User).scalar_subquery())
    rows = db.session.execute(
        select(User, open_count).where(*_unit_staff(unit_id)).order_by(User.name))
    return [(user, load) for user, load in rows]


def _unit_staff(unit_id: int) -> tuple:
    """Who of a unit can hold tickets: active, in a unit role."""
    return (User.unit_id == unit_id, User.is_active_account,
            User.role.in_(sorted(perm.UNIT_ROLES)))
