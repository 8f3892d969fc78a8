"""The development mail page: what the app sent, caught by the real catcher (aiosmtpd +
ticketing.devmail.MailSink) through the real outbox, listed and rendered for staff; absent
outside development."""

from __future__ import annotations

import re
import shutil

import pytest
from aiosmtpd.controller import Controller

from ticketing import create_app
from ticketing.extensions import db
from ticketing.services import outbox
from ticketing.services.catalogue import seed_catalogue

from ..conftest import _config
from ..factories import gen_ticket
from ..support.components import free_port
from ..support.staff import StaffClient, login, staff


def make_app(tmp_path, sqlite_template, env_name: str, **extra):
    shutil.copyfile(sqlite_template, tmp_path / "dev.sqlite3")
    app = create_app({**_config(f"sqlite:///{tmp_path}/dev.sqlite3", tmp_path),
                      "ENV_NAME": env_name, "DEV_MAIL_DIR": str(tmp_path / "devmail"),
                      **extra})
    app.test_client_class = StaffClient
    return app


@pytest.fixture
def catcher(tmp_path):
    from ticketing.devmail import MailSink

    controller = Controller(MailSink(tmp_path / "devmail"), hostname="127.0.0.1",
                            port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def dev_app(tmp_path, sqlite_template, catcher):
    app = make_app(tmp_path, sqlite_template, "development", MAIL_SERVER="127.0.0.1",
                   MAIL_PORT=catcher.port, PUBLIC_BASE_URL="http://127.0.0.1:5101")
    with app.app_context():
        seed_catalogue()
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_staff_read_the_mail_the_app_sent(dev_app, now):
    ticket = gen_ticket(now, subject="Sertifikat <b>halal</b>")
    db.session.commit()
    assert outbox.flush(now)["sent"] >= 1
    client = dev_app.test_client()
    assert client.get("/staf/dev/surat-keluar/").status_code == 302  # staff only
    login(client, staff(now))
    page = client.get("/staf/dev/surat-keluar/").get_data(as_text=True)
    assert "siti@example.com" in page and ticket.code in page
    assert "Surel terkirim (dev)" in page  # the staff menu links to it
    names = re.findall(r'href="/staf/dev/surat-keluar/([^"]+\.eml)"', page)
    assert len(names) == 1
    shown = client.get(f"/staf/dev/surat-keluar/{names[0]}")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert f"http://127.0.0.1:5101/lacak/{ticket.code}?t=" in html  # the link to follow
    assert "<b>halal</b>" not in html  # the citizen's text stays escaped


def test_a_page_of_mail_and_an_empty_folder(dev_app, now, tmp_path):
    from ticketing.devmail import MailSink

    client = dev_app.test_client()
    login(client, staff(now))
    assert "Belum ada surel terkirim" in client.get("/staf/dev/surat-keluar/").get_data(
        as_text=True)
    sink = MailSink(tmp_path / "devmail")
    for i in range(30):
        sink.store("a@example.com", ["b@example.com"],
                   f"From: a@example.com\r\nTo: b@example.com\r\nSubject: Nomor {i:02d}\r\n"
                   f"\r\nIsi {i}\r\n".encode())
    first = client.get("/staf/dev/surat-keluar/").get_data(as_text=True)
    assert "Nomor 29" in first and "Nomor 00" not in first and "Halaman 1 dari 2" in first
    second = client.get("/staf/dev/surat-keluar/?hal=2").get_data(as_text=True)
    assert "Nomor 00" in second and "Nomor 29" not in second


@pytest.mark.parametrize("name", ["..%2Fsecret_key", "secret_key", "x.eml",
                                  "20261202T030000000000Z-000000000000.eml"])
def test_only_caught_messages_can_be_opened(dev_app, now, name):
    client = dev_app.test_client()
    login(client, staff(now))
    assert client.get(f"/staf/dev/surat-keluar/{name}").status_code == 404


@pytest.mark.parametrize("env_name", ["production", "testing"])
def test_absent_outside_development(tmp_path, sqlite_template, now, env_name):
    app = make_app(tmp_path, sqlite_template, env_name, SECRET_KEY="k" * 64)
    with app.app_context():
        client = app.test_client()
        login(client, staff(now, "admin", None))
        assert client.get("/staf/dev/surat-keluar/").status_code == 404
        assert "surat-keluar" not in client.get("/staf/").get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()
