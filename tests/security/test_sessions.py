"""Staff sessions live on the server: a replayed cookie after logout, password change or
deactivation is refused; idle timeout and absolute lifetime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from ticketing.extensions import db
from ticketing.models import User, UserSession
from ticketing.services import accounts

from ..support.staff import staff

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
PASSWORD = "kata-sandi-kuat-1"


def sign_in(app, user: User):
    client = app.test_client()
    response = client.post("/masuk", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303
    return client


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """A different browser presenting a stolen or saved session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/staf/antrian")


def test_a_replayed_cookie_after_logout_does_not_work(app):
    user = staff(NOW, password=PASSWORD)
    client = sign_in(app, user)
    saved = cookie_of(client)
    assert replay(app, saved).status_code == 200  # the copy works while the session lives
    assert client.post("/keluar").status_code == 303
    response = replay(app, saved)
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    assert db.session.query(UserSession).filter(UserSession.ended_dt.is_(None)).count() == 0


def test_logout_ends_only_this_browsers_session(app):
    user = staff(NOW, password=PASSWORD)
    office, phone = sign_in(app, user), sign_in(app, user)
    office.post("/keluar")
    assert office.get("/staf/antrian").status_code == 302
    assert phone.get("/staf/antrian").status_code == 200


def test_password_change_ends_the_other_sessions(app):
    user = staff(NOW, password=PASSWORD)
    office, phone = sign_in(app, user), sign_in(app, user)
    saved = cookie_of(phone)
    response = office.post("/akun/sandi", data={
        "current": PASSWORD, "new": "Gajah-terbang-di-Musi-7", "confirm":
        "Gajah-terbang-di-Musi-7"})
    assert response.status_code == 303
    assert office.get("/staf/antrian").status_code == 200  # a new session for this browser
    assert replay(app, saved).status_code == 302


def test_reset_and_deactivation_end_every_session(app):
    admin = staff(NOW, "admin", None)
    user = staff(NOW, password=PASSWORD)
    saved = cookie_of(sign_in(app, user))
    accounts.reset_password(admin, user, NOW)
    assert replay(app, saved).status_code == 302

    other = staff(NOW, password=PASSWORD)
    saved = cookie_of(sign_in(app, other))
    accounts.set_active(admin, other, False, NOW)
    assert replay(app, saved).status_code == 302
    accounts.set_active(admin, other, True, NOW)
    assert replay(app, saved).status_code == 302  # reactivation does not revive old sessions


def test_idle_timeout(app):
    app.config.update(SESSION_IDLE_MINUTES=120, SESSION_MAX_HOURS=12)
    user = staff(NOW, password=PASSWORD)
    with time_machine.travel(NOW, tick=False) as clock:
        client = sign_in(app, user)
        clock.move_to(NOW + timedelta(minutes=119))
        assert client.get("/staf/antrian").status_code == 200  # activity: the clock restarts
        clock.move_to(NOW + timedelta(minutes=119 + 119))
        assert client.get("/staf/antrian").status_code == 200
        clock.move_to(NOW + timedelta(minutes=119 + 119 + 121))
        assert client.get("/staf/antrian").status_code == 302


def test_absolute_lifetime_even_when_active(app):
    app.config.update(SESSION_IDLE_MINUTES=120, SESSION_MAX_HOURS=12)
    user = staff(NOW, password=PASSWORD)
    with time_machine.travel(NOW, tick=False) as clock:
        client = sign_in(app, user)
        for hour in range(1, 12):
            clock.move_to(NOW + timedelta(hours=hour))
            assert client.get("/staf/antrian").status_code == 200
        clock.move_to(NOW + timedelta(hours=12, minutes=1))
        assert client.get("/staf/antrian").status_code == 302
        assert sign_in(app, user).get("/staf/antrian").status_code == 200  # log in again


def test_limits_are_configurable(app):
    app.config.update(SESSION_IDLE_MINUTES=5, SESSION_MAX_HOURS=1)
    user = staff(NOW, password=PASSWORD)
    with time_machine.travel(NOW, tick=False) as clock:
        client = sign_in(app, user)
        clock.move_to(NOW + timedelta(minutes=6))
        assert client.get("/staf/antrian").status_code == 302
