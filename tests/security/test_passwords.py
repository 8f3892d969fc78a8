"""Password rules (common and personal passwords), forced change of admin-issued passwords,
no demo accounts in production, the same lockout answer for unknown accounts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from ticketing.domain.passwords import password_problem
from ticketing.extensions import db
from ticketing.models import User

from ..support.staff import login, staff

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
PASSWORD = "kata-sandi-kuat-1"


@pytest.mark.parametrize("password", [
    "password123", "1234567890", "qwertyuiop", "Password123!", "iloveyou12", "bismillah123",
    "1q2w3e4r5t", "aaaaaaaaaaaa", "qwerty123456", "sayangku2024",
])
def test_common_and_guessable_passwords_are_refused(password):
    assert password_problem(password, "ani.lestari@example.go.id", "Ani Lestari")


@pytest.mark.parametrize("password", [
    "ani.lestari@example.go.id", "lestari-2026-xyz", "Ani.Lestari!99", "kopi-ANILESTARI",
])
def test_passwords_with_the_name_or_email_are_refused(password):
    problem = password_problem(password, "ani.lestari@example.go.id", "Ani Lestari")
    assert problem and "nama atau alamat email" in problem


@pytest.mark.parametrize("password", ["Gajah-terbang-di-Musi-7", "kata-sandi-kuat-1",
                                      "pempek kapal selam 1987"])
def test_good_passwords_pass(password):
    assert password_problem(password, "ani.lestari@example.go.id", "Ani Lestari") is None


def test_the_account_page_refuses_a_common_password(client):
    user = staff(NOW, password=PASSWORD, name="Ani Lestari", email="ani.lestari@example.go.id")
    login(client, user)
    for new in ("password123", "ani-lestari-2026", PASSWORD):
        response = client.post("/akun/sandi", data={"current": PASSWORD, "new": new,
                                                    "confirm": new})
        assert response.status_code == 422, new
    db.session.refresh(user)
    from ticketing.security import verify_password

    assert verify_password(user.password_hash, PASSWORD)


def test_admin_issued_password_must_be_changed_at_login(app, client):
    login(client, staff(NOW, "admin", None))
    response = client.post("/admin/akun/baru", data={
        "email": "baru@example.go.id", "name": "Budi Santoso", "role": "staf", "unit": "PUMK"})
    assert response.status_code == 200
    temporary = re.search(r'data-testid="temp-password">([^<]+)<',
                          response.get_data(as_text=True)).group(1)
    newcomer = app.test_client()
    response = newcomer.post("/masuk", data={"email": "baru@example.go.id",
                                             "password": temporary})
    assert response.status_code == 303
    for path in ("/staf/antrian", "/staf/", "/staf/laporan/"):
        response = newcomer.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/akun")
    page = newcomer.get("/akun")
    assert page.status_code == 200 and "kata sandi sementara" in page.get_data(as_text=True)
    response = newcomer.post("/akun/sandi", data={
        "current": temporary, "new": "Gajah-terbang-di-Musi-7",
        "confirm": "Gajah-terbang-di-Musi-7"})
    assert response.status_code == 303
    assert newcomer.get("/staf/antrian").status_code == 200


def test_admin_reset_forces_a_change_too(app, client):
    admin = staff(NOW, "admin", None)
    user = staff(NOW, password=PASSWORD)
    from ticketing.services import accounts

    temporary = accounts.reset_password(admin, user, NOW)
    browser = app.test_client()
    assert browser.post("/masuk", data={"email": user.email,
                                        "password": temporary}).status_code == 303
    assert browser.get("/staf/antrian").headers["Location"].endswith("/akun")


def test_seed_demo_is_refused_in_production(app, runner):
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code != 0
    assert "production" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    app.config["ENV_NAME"] = "testing"
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0


def _errors(response) -> str:
    html = response.get_data(as_text=True)
    return " ".join(re.findall(r'role="alert"[^>]*>(.*?)</', html, re.DOTALL))


def test_unknown_accounts_get_the_same_lockout_answer(app):
    app.config["LOGIN_MAX_FAILURES"] = 3
    user = staff(NOW, password=PASSWORD)
    answers = {}
    with time_machine.travel(NOW, tick=False):
        for email in (user.email, "tidak-ada@example.go.id"):
            client = app.test_client()
            replies = [client.post("/masuk", data={"email": email, "password": f"salah{i}"})
                       for i in range(4)]
            answers[email] = [(r.status_code, _errors(r)) for r in replies]
    known, unknown = answers.values()
    assert known == unknown
    assert "Terlalu banyak percobaan masuk" in known[-1][1]
    assert "Terlalu banyak percobaan masuk" in known[-2][1]  # the attempt that locks
