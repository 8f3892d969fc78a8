"""`flask mail ingest FILE... | -` and `flask mail retry` (INTERFACE.md), and the routing
rules seeded by `flask seed`. `mail poll` is tested against Dovecot in
tests/services/test_mail_imap.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from ticketing import ROOT, create_app
from ticketing.domain.routing import DEFAULT_RULES
from ticketing.extensions import db
from ticketing.models import InboundMail, RoutingRule, Ticket

from ..conftest import _config
from ..support.components import free_port
from ..support.mail import DATA, build_mail, eml, mail_app  # noqa: F401 - fixture

KEYS = {"message_id", "action", "ticket", "reason"}


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.mark.usefixtures("mail_app")
def test_ingest_files_prints_one_json_line_per_message(app, runner):
    names = ["gmail_new_request.eml", "newsletter_bulk.eml", "gmail_new_request.eml"]
    result = runner.invoke(args=["mail", "ingest", *(str(DATA / n) for n in names)])
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    assert [o["action"] for o in out] == ["created", "ignored", "duplicate"]
    assert all(set(o) == KEYS for o in out)
    assert out[0]["ticket"] and out[2]["ticket"] == out[0]["ticket"] and out[1]["ticket"] is None
    assert db.session.scalar(select(InboundMail.source).limit(1)) == "file"


@pytest.mark.usefixtures("mail_app")
def test_ingest_of_many_files_answers_each_in_order(app, runner, tmp_path):
    """More files than one chunk (15 with the default claim time and parse budget): the later
    chunks are parsed ahead in a helper process, and the lines still come in the files'
    order, a reply still lands on the request it answers, a repeat is still a duplicate."""
    files, first = [], "<awal.banyak@warga.example>"
    for i in range(40):
        if i == 0:
            raw = build_mail(sender="Dewi <dewi@example.com>", subject="Sertifikat halal",
                             body="Bagaimana cara daftar sertifikat halal?", message_id=first)
        elif i == 33:  # a reply, two chunks after the request
            raw = build_mail(sender="Dewi <dewi@example.com>", subject="Re: Sertifikat halal",
                             body="Terima kasih, satu pertanyaan lagi.", in_reply_to=first,
                             references=first)
        elif i == 34:
            raw = files[5].read_bytes()  # the same file again
        else:
            raw = build_mail(sender=f"Warga {i} <warga{i}@example.com>",
                             subject=f"Pertanyaan {i}", body=f"Mohon informasi nomor {i}.")
        path = tmp_path / f"{i:02}.eml"
        path.write_bytes(raw)
        files.append(path)
    result = runner.invoke(args=["mail", "ingest", *map(str, files)])
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    expected = ["created"] * 40
    expected[33], expected[34] = "appended", "duplicate"
    assert [o["action"] for o in out] == expected
    assert out[33]["ticket"] == out[0]["ticket"] and out[34]["ticket"] == out[5]["ticket"]
    assert out[0]["message_id"] == first and out[33]["message_id"] != first
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 38


@pytest.mark.usefixtures("mail_app")
def test_ingest_stdin_reads_one_message_from_the_pipe(app, runner):
    result = runner.invoke(args=["mail", "ingest", "-"], input=eml("yahoo_request.eml"))
    assert result.exit_code == 0, result.output
    [out] = lines(result.output)
    assert out["action"] == "created"
    row = db.session.scalar(select(InboundMail))
    assert row.source == "pipe" and row.raw == eml("yahoo_request.eml")


@pytest.mark.usefixtures("mail_app")
def test_ingest_unparseable_is_failed_but_exit_zero(app, runner):
    result = runner.invoke(args=["mail", "ingest", "-"], input=b"no headers here at all")
    assert result.exit_code == 0  # kept for review: the MTA must not bounce or retry it
    [out] = lines(result.output)
    assert out["action"] == "failed" and "MailParseError" in out["reason"]


@pytest.mark.usefixtures("mail_app")
def test_ingest_dash_cannot_be_mixed_with_files(app, runner):
    result = runner.invoke(args=["mail", "ingest", "-", str(DATA / "yahoo_request.eml")])
    assert result.exit_code == 2
    assert db.session.scalar(select(func.count(InboundMail.id))) == 0


@pytest.mark.usefixtures("mail_app")
def test_ingest_missing_file_is_a_usage_error(app, runner):
    result = runner.invoke(args=["mail", "ingest", "/nonexistent/x.eml"])
    assert result.exit_code == 2


@pytest.mark.parametrize("url", [
    "sqlite:////nonexistent-dir/ticketing.sqlite3",
    "postgresql+psycopg://nobody@127.0.0.1:{port}/nothing?connect_timeout=3",
])
def test_ingest_with_the_database_unreachable_exits_tempfail(tmp_path, url):
    app = create_app(_config(url.format(port=free_port()), tmp_path))
    result = app.test_cli_runner().invoke(args=["mail", "ingest", "-"],
                                          input=eml("yahoo_request.eml"))
    assert result.exit_code == 75, result.output
    assert "coba lagi" in result.output


@pytest.mark.slow  # two `flask mail ingest` processes
def test_ingest_through_a_real_pipe_with_sysexits(app, tmp_path):
    """What an MTA does: run the command with the message on stdin, read the exit code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(SECRET_KEY="x", INSTANCE_PATH=str(tmp_path), UPLOAD_DIR=str(tmp_path / "up"))
    command = [sys.executable, "-m", "flask", "--app", "ticketing", "mail", "ingest", "-"]
    raw = build_mail(sender="warga@example.com", subject="Tanya RAT", body="Kapan RAT?")
    db.session.commit()
    ok = subprocess.run(command, input=raw, capture_output=True, cwd=ROOT, timeout=120, check=False,
                        env={**env, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert ok.returncode == 0, ok.stderr.decode()
    assert json.loads(ok.stdout)["action"] == "created"
    down = subprocess.run(command, input=raw, capture_output=True, cwd=ROOT, timeout=120,
                          check=False,
                          env={**env, "DATABASE_URL": "sqlite:////nonexistent-dir/x.sqlite3"})
    assert down.returncode == 75 and down.stdout == b""
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


@pytest.mark.usefixtures("mail_app")
def test_retry_one_and_all_failed(app, runner):
    runner.invoke(args=["mail", "ingest", "-"], input=b"broken one")
    runner.invoke(args=["mail", "ingest", "-"], input=b"broken two")
    runner.invoke(args=["mail", "ingest", str(DATA / "newsletter_bulk.eml")])
    ids = db.session.scalars(select(InboundMail.id).order_by(InboundMail.id)).all()

    one = runner.invoke(args=["mail", "retry", str(ids[0])])
    assert one.exit_code == 0 and [o["action"] for o in lines(one.output)] == ["failed"]
    every = runner.invoke(args=["mail", "retry", "--all-failed"])
    assert every.exit_code == 0 and [o["action"] for o in lines(every.output)] == ["failed"] * 2
    assert db.session.get(InboundMail, ids[0]).attempts == 3

    not_failed = runner.invoke(args=["mail", "retry", str(ids[2])])
    assert not_failed.exit_code == 1 and "berstatus ignored" in not_failed.output
    forced = runner.invoke(args=["mail", "retry", str(ids[2]), "--as-request"])
    assert forced.exit_code == 0 and lines(forced.output)[0]["action"] == "created"
    assert runner.invoke(args=["mail", "retry", "999999"]).exit_code == 1
    assert runner.invoke(args=["mail", "retry"]).exit_code == 2


@pytest.mark.usefixtures("mail_app")
def test_poll_without_imap_credentials_exits_tempfail(app, runner):
    app.config.update(IMAP_USER=None, IMAP_PASSWORD=None)
    result = runner.invoke(args=["mail", "poll"])
    assert result.exit_code == 75 and "IMAP_USER" in result.output


def test_seed_adds_the_routing_rules_once(runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert f"Aturan rute surel baru: {len(DEFAULT_RULES)}." in first.output
    again = runner.invoke(args=["seed"])
    assert "Aturan rute surel baru: 0." in again.output
    assert db.session.scalar(select(func.count(RoutingRule.id))) == len(DEFAULT_RULES)
