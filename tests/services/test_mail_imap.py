"""IMAP polling against a real Dovecot (tests/support/dovecot.py), and the whole mail loop
end to end with the real SMTP server: request -> acknowledgement -> reply -> out-of-office."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from ticketing import ROOT
from ticketing.extensions import db
from ticketing.models import InboundMail, MailAutoReply, OutboxMail, Ticket
from ticketing.services.mail_imap import MailboxError, poll_mailbox
from ticketing.services.outbox import flush

from ..support.components import missing_component
from ..support.dovecot import PASSWORD, Dovecot, start_dovecot
from ..support.mail import (
    CORPUS_DOMAIN,
    CORPUS_SECRET,
    OUR_ADDRESS,
    build_mail,
    count,
    eml,
    mail_app,  # noqa: F401 - fixture
    ticket,
)

pytestmark = [pytest.mark.imap, pytest.mark.usefixtures("mail_app")]


def crlf(raw: bytes) -> bytes:
    """Line ends as IMAP stores them (imaplib's APPEND sends CRLF, as an MTA delivers)."""
    return re.sub(rb"\r\n|\r|\n", b"\r\n", raw)


def _running_dovecot():
    try:
        server = start_dovecot()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        missing_component(f"Dovecot IMAP server: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot():
    yield from _running_dovecot()


@dataclass
class Account:
    server: Dovecot
    user: str

    def deliver(self, *messages: bytes) -> None:
        self.server.deliver(self.user, *messages)

    def counts(self) -> dict[str, int]:
        return self.server.folder_counts(self.user)

    def raw(self, folder: str) -> list[bytes]:
        return self.server.raw_messages(self.user, folder)

    def flags(self, folder: str) -> list[tuple[str, ...]]:
        with self.server.mailbox(self.user) as box:
            box.folder.set(folder)
            return [m.flags for m in box.fetch(mark_seen=False, headers_only=True)]


@pytest.fixture
def imap(app, dovecot) -> Account:
    """A fresh mailbox on the test Dovecot, configured as the app's IMAP account."""
    user = dovecot.new_account()
    app.config.update(IMAP_HOST=dovecot.host, IMAP_PORT=dovecot.port, IMAP_SSL=False,
                           IMAP_USER=user, IMAP_PASSWORD=PASSWORD)
    return Account(dovecot, user)


def test_poll_stores_processes_and_moves_each_message(imap, now):
    request, bulk = crlf(eml("gmail_new_request.eml")), crlf(eml("newsletter_bulk.eml"))
    broken = b"garbage that is not a mail\r\n"
    imap.deliver(request, bulk, broken)

    results = poll_mailbox(now)

    assert [r.action for r in results] == ["created", "ignored", "failed"]
    assert imap.counts() == {"INBOX": 0, "processed": 2, "failed": 1}
    assert sorted(imap.raw("processed")) == sorted([request, bulk])  # moved byte for byte
    assert imap.raw("failed") == [broken]
    assert all("\\Seen" not in flags for flags in imap.flags("processed"))  # PEEK only
    rows = db.session.scalars(select(InboundMail).order_by(InboundMail.id)).all()
    assert [(r.source, r.imap_folder, r.raw) for r in rows] == [
        ("imap", "INBOX", request), ("imap", "INBOX", bulk), ("imap", "INBOX", broken)]
    assert count(Ticket) == 1 and ticket(results[0].ticket).channel == "email"
    assert poll_mailbox(now) == []  # nothing left: the next pass does nothing


def test_scheduler_job_polls_the_real_mailbox(imap, app, now):
    """The `mail_poll` job of ticketing/jobs.py, run as the scheduler runs it."""
    import time_machine

    from ticketing.jobs import JOBS

    poll = next(j for j in JOBS if j.name == "mail_poll")
    assert poll.enabled(app)
    imap.deliver(crlf(eml("gmail_new_request.eml")), crlf(eml("yahoo_request.eml")))
    with time_machine.travel(now, tick=False):
        assert poll.func(now) == {"created": 2}
        imap.deliver(crlf(eml("gmail_new_request.eml")))  # the same mail delivered again
        poll.wrap(app)()  # the scheduler's wrapper: own session, logged, never raises
    assert imap.counts() == {"INBOX": 0, "processed": 3, "failed": 0}
    assert count(Ticket) == 2
    assert count(InboundMail) == 2  # the byte-identical re-delivery was a duplicate, moved


def test_existing_folders_are_reused(imap, now):
    with imap.server.mailbox(imap.user) as box:
        box.folder.create("processed")
    imap.deliver(eml("yahoo_request.eml"))
    assert [r.action for r in poll_mailbox(now)] == ["created"]
    assert imap.counts() == {"INBOX": 0, "processed": 1, "failed": 0}


def test_message_over_the_size_limit_is_not_downloaded(imap, app, now):
    app.config["MAIL_MAX_INBOUND_BYTES"] = 20_000
    big = crlf(build_mail(sender="Andi <andi.kopi@icloud.com>", subject="Foto produk kopi",
                          attachments=[("foto.pdf", "application/pdf",
                                        b"%PDF-1.4\n" + b"x" * 40_000)]))
    small = build_mail(sender="rina@example.com", subject="Merek songket",
                       body="Bagaimana pendaftaran merek?")
    imap.deliver(big, small)

    results = poll_mailbox(now)

    assert [(r.action, r.is_too_large) for r in results] == [("ignored", True),
                                                             ("created", False)]
    stub = db.session.get(InboundMail, results[0].inbound_id)
    assert stub.is_headers_only and stub.size >= len(big) - 10 and len(stub.raw) < 2_000
    assert b"%PDF" not in stub.raw and stub.raw.startswith(big.split(b"\n\n", 1)[0][:40])
    [notice] = db.session.scalars(select(OutboxMail).where(
        OutboxMail.recipient == "andi.kopi@icloud.com")).all()
    assert notice.kind == "mail_too_large" and notice.headers["Auto-Submitted"] == "auto-replied"
    assert imap.counts() == {"INBOX": 0, "processed": 1, "failed": 1}
    assert imap.raw("failed") == [big]  # the message itself is kept in the mailbox


@pytest.mark.parametrize("how", ["client socket closed", "server kicked the session"])
def test_connection_dropped_mid_pass_loses_and_duplicates_nothing(imap, now, how):
    messages = [build_mail(sender=f"warga{i}@example.com", subject=f"Tanya halal {i}",
                           body="Syarat sertifikat halal?") for i in range(3)]
    imap.deliver(*messages)
    drops = []

    def drop_after_first_store(box, result):
        if drops:
            return
        drops.append(result)
        if how == "client socket closed":
            box.client.sock.shutdown(socket.SHUT_RDWR)
        else:
            imap.server.kick(imap.user)

    first = poll_mailbox(now, on_stored=drop_after_first_store)

    assert [r.action for r in first] == ["created"]  # stored and committed, not yet moved
    assert imap.counts()["INBOX"] == 3
    second = poll_mailbox(now)
    assert [r.action for r in second] == ["duplicate", "created", "created"]
    assert second[0].ticket == first[0].ticket
    assert imap.counts() == {"INBOX": 0, "processed": 3, "failed": 0}
    assert count(Ticket) == 3 and count(InboundMail) == 3
    assert count(OutboxMail) == 3 and count(MailAutoReply) == 3  # one acknowledgement each


def test_mailbox_unreachable_raises_a_clear_error(app, now):
    from ..support.components import free_port

    app.config.update(IMAP_HOST="127.0.0.1", IMAP_PORT=free_port(), IMAP_SSL=False,
                           IMAP_USER="x", IMAP_PASSWORD="y", IMAP_TIMEOUT=5)
    with pytest.raises(MailboxError, match="tidak dapat dibuka"):
        poll_mailbox(now)


@pytest.fixture
def own_dovecot():
    """A Dovecot for one test that is refused a login: after a refused login Dovecot holds
    back the next login from the same address for seconds (its auth penalty, kept per
    server), which the tests after it on the shared server would wait out."""
    yield from _running_dovecot()


def test_wrong_password_raises_a_clear_error(own_dovecot, app, now):
    app.config.update(IMAP_HOST=own_dovecot.host, IMAP_PORT=own_dovecot.port, IMAP_SSL=False,
                      IMAP_USER=own_dovecot.new_account(), IMAP_PASSWORD="salah")
    with pytest.raises(MailboxError):
        poll_mailbox(now)


def _poller_env(app, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "IMAP_", "MAIL_"))}
    cfg = app.config
    env.update(
        DATABASE_URL=cfg["SQLALCHEMY_DATABASE_URI"], SECRET_KEY=CORPUS_SECRET,
        MAIL_MESSAGE_ID_DOMAIN=CORPUS_DOMAIN, MAIL_OWN_ADDRESSES=OUR_ADDRESS,
        UPLOAD_DIR=cfg["UPLOAD_DIR"], INSTANCE_PATH=str(tmp_path / "instance"),
        IMAP_HOST=cfg["IMAP_HOST"], IMAP_PORT=str(cfg["IMAP_PORT"]), IMAP_SSL="false",
        IMAP_USER=cfg["IMAP_USER"], IMAP_PASSWORD=cfg["IMAP_PASSWORD"],
        MAIL_SERVER="127.0.0.1", MAIL_PORT="1")
    return env


#: enough mail that one poller cannot clear the box before the other has started: their
#: start-up differs by a second or more on a fresh clone (each compiles the modules it
#: imports), and 24 messages took one poller less than that
MESSAGES = 80


def test_two_processes_polling_at_once_create_each_ticket_once(imap, app, tmp_path):
    messages = [build_mail(sender=f"Pemohon {i} <pemohon{i}@example.com>",
                           subject=f"Permohonan {i}: NIK koperasi",
                           body=f"Koperasi kami nomor {i} belum punya NIK koperasi di ODS.")
                for i in range(MESSAGES)]
    imap.deliver(*messages)
    db.session.commit()
    # ... and their bytecode written before they start, so neither waits on compiling it
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "ticketing")],
                   check=True)
    env = _poller_env(app, tmp_path)
    command = [sys.executable, "-m", "flask", "--app", "ticketing", "mail", "poll"]
    pollers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [p.communicate(timeout=180) for p in pollers]
    for poller, (_out, err) in zip(pollers, outputs, strict=False):
        assert poller.returncode == 0, err.decode()
    per_process = [[json.loads(line) for line in out.decode().splitlines()]
                   for out, _err in outputs]
    lines = [line for process_lines in per_process for line in process_lines]
    assert all(per_process), "the two pollers did not overlap"

    created = [line["message_id"] for line in lines if line["action"] == "created"]
    assert sorted(created) == sorted({line["message_id"] for line in lines})
    assert len(created) == MESSAGES  # each message became a ticket exactly once
    assert {line["action"] for line in lines} <= {"created", "duplicate"}
    db.session.expire_all()
    assert count(Ticket) == count(InboundMail) == count(OutboxMail) == MESSAGES
    counts = imap.counts()
    # moved once, never copied twice
    assert counts["INBOX"] == 0 and counts["processed"] == MESSAGES


def test_cli_mail_poll_prints_json_lines(imap, runner):
    imap.deliver(eml("outlook_new_request.eml"), eml("ooo_gmail_english.eml"))
    result = runner.invoke(args=["mail", "poll"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(line["action"], bool(line["ticket"])) for line in lines] == [
        ("created", True), ("ignored", False)]
    assert set(lines[0]) == {"message_id", "action", "ticket", "reason"}


def test_cli_mail_poll_unreachable_mailbox_exits_tempfail(app, runner):
    from ..support.components import free_port

    app.config.update(IMAP_HOST="127.0.0.1", IMAP_PORT=free_port(), IMAP_SSL=False,
                           IMAP_USER="x", IMAP_PASSWORD="y", IMAP_TIMEOUT=5)
    result = runner.invoke(args=["mail", "poll"])
    assert result.exit_code == 75 and "tidak dapat dibuka" in result.output


def test_request_acknowledgement_reply_and_out_of_office_end_to_end(imap, smtp_server, now):
    imap.deliver(build_mail(sender="Dewi Lestari <dewi.pempek@gmail.com>",
                            subject="Permohonan sertifikat halal pempek",
                            body="Bagaimana cara daftar sertifikat halal self declare?",
                            message_id="<req-1@mail.gmail.com>"))
    [created] = poll_mailbox(now)
    assert created.action == "created"
    assert flush(now)["sent"] == 1
    [ack] = smtp_server.to("dewi.pempek@gmail.com")
    message = ack.message
    assert f"[{created.ticket}]" in ack.subject and created.ticket in ack.text()
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["In-Reply-To"] == "<req-1@mail.gmail.com>"
    ack_id = str(message["Message-ID"]).strip()
    assert ack_id.startswith(f"<t.{created.ticket}.")

    # The citizen answers the acknowledgement from their phone.
    imap.deliver(build_mail(sender="Dewi Lestari <dewi.pempek@gmail.com>",
                            subject=f"Re: {ack.subject}", in_reply_to=ack_id,
                            references=f"<req-1@mail.gmail.com> {ack_id}",
                            body=f"Terlampir NIB saya.\n\nPada {ack.message['Date']} Dinas "
                                 f"menulis:\n> {created.ticket}\n"))
    # ...and a colleague's out-of-office answers it too.
    imap.deliver(build_mail(sender="Budi <budi.santoso@gmail.com>",
                            subject=f"Out of Office: {ack.subject}", in_reply_to=ack_id,
                            headers={"Auto-Submitted": "auto-replied"},
                            body="I am out of the office until January 4th."))
    results = poll_mailbox(now)

    assert [(r.action, r.ticket) for r in results] == [("appended", created.ticket),
                                                       ("ignored", created.ticket)]
    t = ticket(created.ticket)
    assert [m.body_text for m in t.messages if m.direction == "in"][-1] == "Terlampir NIB saya."
    assert len(t.messages) == 2 and count(Ticket) == 1
    assert flush(now)["sent"] == 0  # neither the reply nor the auto-reply is answered
    assert len(smtp_server.messages) == 1
    assert imap.counts() == {"INBOX": 0, "processed": 3, "failed": 0}
