"""Logging in with lockout, passwords, admin account management, API tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import AuditEntry, User
from ticketing.security import verify_password
from ticketing.services import accounts
from ticketing.services.people import user_by_token
from ticketing.services.transaction import run

from ..support.staff import staff

PASSWORD = "kata-sandi-kuat-1"


@pytest.fixture
def person(app, now):
    return staff(now, password=PASSWORD)


def test_login_succeeds_case_insensitively_and_records_time(app, now, person):
    result = accounts.authenticate(person.email.upper(), PASSWORD, now)
    assert result.user.id == person.id
    assert db.session.get(User, person.id).last_login_dt == now


def test_wrong_password_unknown_email_and_inactive_look_the_same(app, now, person):
    assert accounts.authenticate(person.email, "salah", now).user is None
    assert accounts.authenticate("tidak.ada@example.go.id", PASSWORD, now).user is None
    person.is_active_account = False
    db.session.commit()
    result = accounts.authenticate(person.email, PASSWORD, now)
    assert result.user is None and result.locked_until is None


def test_lockout_after_repeated_failures_then_unlocks(app, now, person):
    app.config["LOGIN_MAX_FAILURES"] = 3
    assert accounts.authenticate(person.email, "salah-1", now).locked_until is None
    assert accounts.authenticate(person.email, "salah-2", now).locked_until is None
    locked = accounts.authenticate(person.email, "salah-3", now).locked_until
    assert locked == now + timedelta(minutes=app.config["LOGIN_LOCKOUT_MINUTES"])
    # Even the right password is refused while locked.
    assert accounts.authenticate(person.email, PASSWORD, now + timedelta(minutes=1)).user is None
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.action == "login_locked")) == "login_locked"
    assert accounts.authenticate(person.email, PASSWORD, locked).user is not None
    assert db.session.get(User, person.id).failed_login_count == 0


def test_change_password_checks_current_and_strength_and_ends_sessions(app, now, person):
    epoch = person.session_epoch
    with pytest.raises(accounts.AccountError) as err:
        accounts.change_password(person, "salah", "baru-yang-panjang", now)
    assert "current" in err.value.errors
    with pytest.raises(accounts.AccountError) as err:
        accounts.change_password(person, PASSWORD, "pendek", now)
    assert "10 karakter" in err.value.errors["new"]
    accounts.change_password(person, PASSWORD, "baru-yang-panjang", now)
    user = db.session.get(User, person.id)
    assert verify_password(user.password_hash, "baru-yang-panjang")
    assert user.session_epoch == epoch + 1
    assert user.get_id() == f"{user.id}:{epoch + 1}"


def test_admin_manages_accounts(app, now):
    admin = staff(now, "admin")
    user, password = run(accounts.create_account, admin, " Rina@Example.go.id ", "Rina", "staf",
                                             "KELEMBAGAAN", now)
    assert user.email == "rina@example.go.id" and user.unit.code == "KELEMBAGAAN"
    assert accounts.authenticate(user.email, password, now).user is not None
    with pytest.raises(accounts.AccountError) as err:
        run(accounts.create_account, admin, "rina@example.go.id", "Rina 2", "staf", "PUMK", now)
    assert "email" in err.value.errors
    with pytest.raises(accounts.AccountError) as err:
        run(accounts.create_account, admin, "x@example.go.id", "X", "ketua_tim", None, now)
    assert "unit" in err.value.errors

    accounts.update_account(admin, user, "Rina S.", "ketua_tim", "PUMK", now)
    assert (user.name, user.role, user.unit.code) == ("Rina S.", "ketua_tim", "PUMK")
    accounts.update_account(admin, user, "Rina S.", "kepala_dinas", "PUMK", now)
    assert user.unit is None  # roles above the units have none

    new_password = accounts.reset_password(admin, user, now)
    assert new_password != password
    assert accounts.authenticate(user.email, password, now).user is None
    assert accounts.authenticate(user.email, new_password, now).user is not None

    accounts.set_active(admin, user, False, now)
    assert accounts.authenticate(user.email, new_password, now).user is None
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.ticket_id.is_(None), AuditEntry.actor_id == admin.id)
        .order_by(AuditEntry.id)).all()
    assert actions == ["account_created", "account_updated", "account_updated",
                       "password_reset", "account_deactivated"]


def test_admin_cannot_lock_themselves_out_and_others_cannot_manage(app, now):
    admin = staff(now, "admin")
    with pytest.raises(accounts.AccountError):
        accounts.set_active(admin, admin, False, now)
    with pytest.raises(accounts.AccountError):
        accounts.update_account(admin, admin, "Admin", "staf", "PUMK", now)
    with pytest.raises(PermissionError):
        run(accounts.create_account, staff(now, "kabid"), "a@b.id", "A", "staf", "PUMK", now)


def test_tokens_are_revocable_and_die_with_the_account(app, now, person):
    token = run(accounts.new_token, person, now)
    assert user_by_token(token, now).id == person.id
    record = accounts.tokens_of(person)[0]
    assert token.startswith(record.prefix)
    assert not accounts.revoke_token(staff(now), record.id, now)  # not theirs
    assert accounts.revoke_token(person, record.id, now)
    assert user_by_token(token, now) is None
    second = run(accounts.new_token, person, now)
    person.is_active_account = False
    db.session.commit()
    assert user_by_token(second, now) is None
