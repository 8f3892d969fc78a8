"""The deployment kit in deploy/: the web unit's command really serves the app (gunicorn, the
production configuration, two workers), the units share one environment file whose settings
the app knows, and nginx passes what the app expects (proxy headers, upload size)."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ticketing import ROOT
from ticketing.config import Config

from .support.components import free_port

pytestmark = pytest.mark.slow  # real processes: gunicorn, the scheduler

DEPLOY = Path(ROOT) / "deploy"
UNITS = ["diskopukm-web.service", "diskopukm-scheduler.service", "diskopukm-backup.service"]
#: read by gunicorn, systemd or create_app rather than ticketing.config.Config
OUTSIDE_CONFIG = {"GUNICORN_BIND", "WEB_CONCURRENCY", "INSTANCE_PATH", "APP_ENV",
                  "DATABASE_URL", "TRUSTED_PROXIES"}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / name)
    return parser


def example_env() -> dict[str, str]:
    out = {}
    for line in (DEPLOY / "diskopukm.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key] = value
    return out


def test_units_share_one_environment_the_app_understands():
    files = {unit(name)["Service"]["EnvironmentFile"] for name in UNITS}
    assert files == {"/etc/diskopukm/diskopukm.env"}
    env = example_env()
    unknown = {k for k in env if not hasattr(Config, k) and k not in OUTSIDE_CONFIG}
    assert unknown == set()
    assert env["APP_ENV"] == "production" and env["SECRET_KEY"] == ""  # no secret in the repo
    assert env["TRUSTED_PROXIES"] == "1"
    assert env["RATELIMIT_STORAGE_URI"].startswith("redis://")
    for name in UNITS:
        service = unit(name)["Service"]
        assert service["User"] == "diskopukm" and "/var/lib/diskopukm" in service["ReadWritePaths"]
    assert "scheduler.py" in unit("diskopukm-scheduler.service")["Service"]["ExecStart"]
    assert " backup " in unit("diskopukm-backup.service")["Service"]["ExecStart"]


def test_nginx_passes_what_the_app_expects():
    site = (DEPLOY / "nginx-diskopukm.conf").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", site)
    assert size and int(size.group(1)) * 1024 * 1024 >= Config.MAX_CONTENT_LENGTH
    # exactly one proxy, which replaces (not appends to) what the client sent
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "listen 443 ssl" in site and "return 301 https://" in site
    upstream = re.search(r"server (127\.0\.0\.1:\d+);", site).group(1)
    assert upstream == example_env()["GUNICORN_BIND"]


@pytest.mark.real_clock
def test_the_web_units_command_serves_the_app(tmp_path, sqlite_template):
    shutil.copyfile(sqlite_template, tmp_path / "prod.sqlite3")
    port = free_port()
    env = {**os.environ, **example_env(), "SECRET_KEY": "k" * 64,
           "DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3", "GUNICORN_BIND":
           f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "INSTANCE_PATH": str(tmp_path),
           "UPLOAD_DIR": str(tmp_path / "uploads"), "RATELIMIT_STORAGE_URI": "memory://"}
    exec_start = unit("diskopukm-web.service")["Service"]["ExecStart"]
    command = [part.replace("/opt/diskopukm", str(ROOT)) for part in exec_start.split()]
    assert command[0] == f"{ROOT}/.venv/bin/gunicorn"
    command[0] = str(Path(sys.executable).parent / "gunicorn")
    assert Path(command[command.index("--config") + 1]).is_file()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        status = None
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    status = response.status
                    break
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert status == 200, err.decode()[-2000:]
    assert proc.returncode == 0, err.decode()[-2000:]
    assert err.decode().count("Booting worker") == 2
