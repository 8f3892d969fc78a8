"""The scheduler's heartbeats, GET /healthz (200 and 503), the "scheduler stopped" banner,
and the database being unreachable: 503 pages and JSON, exit code 75."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from ticketing import create_app
from ticketing.config import TestConfig
from ticketing.extensions import db
from ticketing.jobs import JOBS
from ticketing.models import JobHeartbeat
from ticketing.services import sla
from ticketing.services.mail_ingest import ingest_raw

from ..factories import gen_ticket
from ..support.components import free_port
from ..support.staff import login, staff

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


def run_enabled_jobs(app, when: datetime) -> list[str]:
    ran = []
    with time_machine.travel(when, tick=False):
        for job in JOBS:
            if job.enabled(app):
                job.wrap(app)()
                ran.append(job.name)
    return ran


def heartbeat(name: str) -> JobHeartbeat:
    db.session.expire_all()
    return db.session.get(JobHeartbeat, name)


def test_every_job_run_records_a_heartbeat_and_a_failure_its_error(app, monkeypatch):
    ran = run_enabled_jobs(app, NOW)
    assert {"mail_flush", "sla_check", "sla_digest", "auto_close"} <= set(ran)
    assert "mail_poll" not in ran  # no IMAP credentials: not configured
    for name in ran:
        beat = heartbeat(name)
        assert beat.last_start_dt == NOW and beat.last_success_dt == NOW, name
        assert beat.last_error is None

    def boom(now):
        raise RuntimeError("siti@example.com kept secret\nsecond line")

    monkeypatch.setattr(sla, "run_sla_check", boom)
    later = NOW + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        next(j for j in JOBS if j.name == "sla_check").wrap(app)()
    beat = heartbeat("sla_check")
    assert beat.last_start_dt == later and beat.last_error_dt == later
    assert beat.last_success_dt == NOW  # the failed run is not a success
    assert beat.last_error.startswith("RuntimeError:") and "second line" not in beat.last_error


def test_healthz_200_with_last_runs_and_counts_and_no_personal_data(app, client):
    gen_ticket(NOW - timedelta(minutes=10), email="siti.rahasia@example.com", name="Siti Rahasia")
    ingest_raw(b"tidak ada kepala surel", NOW, source="pipe")  # one failed inbound mail
    db.session.commit()
    run_enabled_jobs(app, NOW - timedelta(minutes=1))  # flushes: SMTP is the test server
    gen_ticket(NOW, email="budi@example.com")
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok" and body["late"] == []
    assert body["jobs"]["mail_flush"] == (NOW - timedelta(minutes=1)).isoformat()
    assert body["jobs"]["mail_poll"] is None  # not configured, never run, not late
    assert body["outbox"] == {"pending": 1, "failed": 0}
    assert body["inbound_failed"] == 1
    text = response.get_data(as_text=True)
    assert "siti" not in text.lower() and "budi" not in text and "@" not in text
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_503_when_a_job_is_late_and_when_it_never_ran(app, client):
    with time_machine.travel(NOW, tick=False):
        assert client.get("/healthz").status_code == 503  # the scheduler never ran
    run_enabled_jobs(app, NOW)
    with time_machine.travel(NOW + timedelta(minutes=4), tick=False):
        assert client.get("/healthz").status_code == 200  # 1-minute jobs: 2 x 1 + 3 min grace
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert {"mail_flush", "sla_check"} <= set(response.get_json()["late"])
    assert "mail_poll" not in response.get_json()["late"]
    # A job that keeps failing is late too: it runs, but its work is not done.
    app.config.update(IMAP_USER="desk@example.com", IMAP_PASSWORD="x", IMAP_HOST="127.0.0.1",
                      IMAP_PORT=free_port(), IMAP_SSL=False, IMAP_TIMEOUT=2)
    run_enabled_jobs(app, NOW + timedelta(minutes=10))
    assert heartbeat("mail_poll").last_error
    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        body = client.get("/healthz").get_json()
    assert body["late"] == ["mail_poll"] and body["jobs"]["mail_poll"]


def _unreachable_app(backend: str, tmp_path):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = (
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"
        if backend == "postgresql" else f"sqlite:///{tmp_path}/missing/dir/db.sqlite3")
    config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return create_app(config)


@pytest.fixture(params=["postgresql", "sqlite"])
def down(request, tmp_path):
    """The app with its database unreachable: a port nothing listens on / a missing file."""
    return _unreachable_app(request.param, tmp_path)


def test_healthz_503_when_the_database_is_down(down):
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


PAGES = ["/", "/permohonan", "/layanan/sertifikat-halal", "/kinerja"]


def test_pages_answer_an_indonesian_503_that_claims_nothing_was_saved(down):
    client = down.test_client()
    for path in PAGES:
        response = client.get(path)
        if response.status_code == 404:
            continue  # a page that does not exist under that name
        html = response.get_data(as_text=True)
        assert response.status_code == 503, path
        assert "Layanan sedang terganggu" in html and "belum tersimpan" in html
        assert "tidak hilang" not in html
        assert response.headers["Retry-After"]
    posted = client.post("/permohonan", data={
        "name": "Siti", "email": "siti@example.com", "type": "informasi",
        "service": "sertifikat-halal", "subject": "Tanya", "message": "Syarat halal?",
        "consent": "y"})
    assert posted.status_code == 503
    assert "belum tersimpan" in posted.get_data(as_text=True)
    tracked = client.post("/lacak", data={"code": "ABCD-EFGH", "contact": "siti@example.com"})
    assert tracked.status_code == 503


def test_a_signed_in_staff_member_gets_the_503_page_too(app, down):
    from ticketing.security import SESSION_KEY
    from ticketing.services import sessions

    user = staff(NOW, "staf", "PUMK")
    key = sessions.start(user, NOW)  # a real server-side session, in the reachable database
    db.session.commit()
    client = down.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[SESSION_KEY] = key
    for path in ("/staf/", "/pengawasan/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "Layanan sedang terganggu" in response.get_data(as_text=True)


def test_the_api_answers_json_503(down):
    client = down.test_client()
    for response in (client.get("/api/v1/services"),
                     client.post("/api/v1/requests", json={
                         "name": "Siti Aminah", "email": "siti@example.com", "type": "informasi",
                         "service": "sertifikat-halal", "subject": "Tanya halal",
                         "message": "Apa syarat sertifikat halal?", "consent": True}),
                     client.get("/api/v1/requests/ABCD-EFGH?email=siti@example.com"),
                     client.get("/api/v1/tickets", headers={"Authorization": "Bearer x"})):
        assert response.status_code == 503
        assert response.is_json and response.get_json()["error"] == "Layanan sedang terganggu"


@pytest.mark.parametrize("command", [["mail", "flush"], ["sla", "check"]])
def test_flush_and_sla_check_exit_75_when_the_database_is_down(down, command):
    result = down.test_cli_runner().invoke(args=command)
    assert result.exit_code == 75, result.output
    assert "Basis data tidak dapat dihubungi" in result.output


# ------------------------------------------------------------------ the banner

def test_board_and_admin_home_show_a_red_banner_when_the_scheduler_is_silent(app):
    from ..support.staff import StaffClient

    app.test_client_class = StaffClient
    kabid, admin = staff(NOW, "kabid", "PUMK"), staff(NOW, "admin", None)
    board, home = app.test_client(), app.test_client()
    login(board, kabid)
    login(home, admin)
    banner = "Penjadwal tidak berjalan"

    # Later than the logins: a session cookie signed "in the future" would not be accepted.
    start = NOW + timedelta(minutes=10)
    with time_machine.travel(start, tick=False):
        assert "belum pernah berjalan" in board.get("/pengawasan/").get_data(as_text=True)
        assert banner in home.get("/admin/", follow_redirects=True).get_data(as_text=True)
    run_enabled_jobs(app, start)
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        assert banner not in board.get("/pengawasan/").get_data(as_text=True)
        assert banner not in home.get("/admin/", follow_redirects=True).get_data(as_text=True)
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        page = board.get("/pengawasan/").get_data(as_text=True)
        assert banner in page and "alert-error" in page
        assert banner in home.get("/admin/", follow_redirects=True).get_data(as_text=True)
        # Citizens and staff queues are not alarmed.
        assert banner not in app.test_client().get("/").get_data(as_text=True)
