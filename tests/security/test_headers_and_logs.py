"""Response headers (no-store, CSP, HSTS, Permissions-Policy), the Link header, ProxyFix,
the requester contact in a header, and personal data kept out of the logs."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from ticketing import ROOT, create_app
from ticketing.extensions import db, limiter

from ..factories import gen_ticket
from ..support.staff import bearer, login, staff

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
BODY = {"name": "Rina", "email": "rina@example.com", "type": "informasi",
        "service": "sertifikat-halal", "subject": "Tanya halal",
        "message": "Bagaimana cara mendaftar sertifikat halal gratis?"}


def test_no_store_on_staff_tracking_and_api_pages(client, app):
    code = gen_ticket(NOW).code
    db.session.commit()
    assert client.get(f"/api/v1/requests/{code}?email=siti@example.com") \
        .headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/services").headers["Cache-Control"] == "no-store"
    assert client.get("/lacak").headers["Cache-Control"] == "no-store"
    client.post("/lacak", data={"code": code, "contact": "siti@example.com"})
    assert client.get(f"/lacak/{code}").headers["Cache-Control"] == "no-store"
    assert client.get("/permohonan").headers["Cache-Control"] == "no-store"
    assert client.get("/masuk").headers["Cache-Control"] == "no-store"
    staff_client = app.test_client()
    login(staff_client, staff(NOW, "ketua_tim", "PUMK"))
    for path in ("/staf/antrian", f"/staf/tiket/{code}", "/akun", "/pengawasan/"):
        assert staff_client.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_csp_and_permissions_policy(client):
    headers = client.get("/").headers
    assert "base-uri 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # not over plain http in development


def test_production_cookie_secure_and_hsts(app):
    config = {**app.config, "ENV_NAME": "production", "SESSION_COOKIE_SECURE": None}
    production = create_app(config)
    assert production.config["SESSION_COOKIE_SECURE"] is True
    with production.app_context():
        headers = production.test_client().get("/").headers
        db.session.remove()
        db.engine.dispose()
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "camera=()" in headers["Permissions-Policy"]
    assert create_app({**app.config, "SESSION_COOKIE_SECURE": None}) \
        .config["SESSION_COOKIE_SECURE"] is False


def test_link_header_uses_public_base_url_not_the_host_header(client, app):
    app.config["PUBLIC_BASE_URL"] = "https://layanan.example.go.id"
    user = staff(NOW, "ketua_tim", "PUMK")
    for _ in range(3):
        gen_ticket(NOW)
    db.session.commit()
    response = client.get("/api/v1/tickets?per_page=1", headers={
        **bearer(user, NOW), "Host": "evil.example"})
    assert response.status_code == 200
    link = response.headers["Link"]
    assert link.startswith("<https://layanan.example.go.id/api/v1/tickets?")
    assert "evil.example" not in link


@pytest.mark.parametrize("trusted, second", [(1, 201), (0, 429)])
def test_rate_limit_sees_the_citizen_behind_trusted_proxies(app, trusted, second):
    config = {**app.config, "TRUSTED_PROXIES": trusted, "RATELIMIT_ENABLED": True,
              "INTAKE_RATE_LIMIT": "1 per minute",
              "RATELIMIT_KEY_PREFIX": f"proxy-test-{trusted}-{time.time_ns()}"}
    proxied = create_app(config)
    limiter.init_app(proxied)
    try:
        with proxied.app_context():
            client = proxied.test_client()
            first = client.post("/api/v1/requests", json=BODY,
                                headers={"X-Forwarded-For": "203.0.113.7"})
            again = client.post("/api/v1/requests", json=BODY,
                                headers={"X-Forwarded-For": "203.0.113.7"})
            other = client.post("/api/v1/requests", json=BODY,
                                headers={"X-Forwarded-For": "198.51.100.9"})
            db.session.remove()
            db.engine.dispose()
    finally:
        limiter.init_app(app)
    assert (first.status_code, again.status_code, other.status_code) == (201, 429, second)
    # the refusal says when to come back and which limit it met; an accepted request reads
    # nothing more from the limiter's store, so it carries none of these headers
    assert 1 <= int(again.headers["Retry-After"]) <= 60
    assert again.headers["X-RateLimit-Limit"] == "1"
    assert again.headers["X-RateLimit-Remaining"] == "0"
    assert int(again.headers["X-RateLimit-Reset"]) > time.time()
    assert not [name for name, _value in first.headers
                if name.lower().startswith(("x-ratelimit", "retry-after"))]


def test_status_api_takes_the_contact_from_a_header(client):
    code = gen_ticket(NOW).code
    db.session.commit()
    for name in ("X-Requester-Contact", "X-Requester-Email"):
        response = client.get(f"/api/v1/requests/{code}", headers={name: "siti@example.com"})
        assert response.status_code == 200 and response.get_json()["code"] == code
    wrong = client.get(f"/api/v1/requests/{code}",
                       headers={"X-Requester-Contact": "lain@example.com"})
    assert wrong.status_code == 404
    assert client.get(f"/api/v1/requests/{code}?email=siti@example.com").status_code == 200
    bad = client.get(f"/api/v1/requests/{code}",
                     headers={"X-Requester-Contact": "siti@example.com\x00"})
    assert bad.status_code in (400, 422)


def test_sql_parameters_are_not_logged(app, client, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    staff(NOW, email="rahasia.pribadi@example.go.id")

    @app.get("/_uji_duplikat")
    def _duplicate():
        db.session.execute(text(
            "INSERT INTO users (email, name, role, is_active_account, failed_login_count, "
            "session_epoch, must_change_password) VALUES (:email, 'X', 'staf', true, 0, 0, "
            "false)"), {"email": "rahasia.pribadi@example.go.id"})
        return "tidak sampai"

    with caplog.at_level(logging.ERROR):
        assert client.get("/_uji_duplikat").status_code == 500
    logged = caplog.text
    assert "IntegrityError" in logged or "UniqueViolation" in logged
    assert "rahasia.pribadi" not in logged


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_access_log_leaves_out_contacts_and_tokens(sqlite_template, tmp_path):
    database = tmp_path / "gunicorn.sqlite3"
    shutil.copyfile(sqlite_template, database)
    port = _free_port()
    log = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "INSTANCE_PATH": str(tmp_path),
           "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
           "GUNICORN_ACCESS_LOG": str(log), "GUNICORN_ERROR_LOG": str(tmp_path / "error.log")}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c",
                               str(ROOT / "gunicorn.conf.py")], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/v1/services", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        for path in ("/api/v1/requests/ABCD-EFGH?email=rina.rahasia%40example.com",
                     "/lacak/ABCD-EFGH?t=token-rahasia-123",
                     "/api/v1/services?phone=081234567890&lang=id"):
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(base + path, timeout=5)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    written = log.read_text()
    assert "/api/v1/requests/ABCD-EFGH?[disembunyikan]" in written
    assert "/api/v1/services?phone=[disembunyikan]&lang=id" in written
    for secret in ("rina.rahasia", "token-rahasia", "081234567890"):
        assert secret not in written
