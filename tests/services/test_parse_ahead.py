"""`mail ingest FILE...` parses the next chunk in a helper process while it writes the current
one (services.parse_ahead): the outcome is the one of parsing everything in the one process,
in order (a reply still finds the request before it); a message that cannot be parsed is
kept `failed` with its traceback; a helper that dies costs nothing but its speed."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import InboundMail, Message, Ticket
from ticketing.services.mail_ingest import ingest_many

from ..support.mail import build_mail, mail_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("mail_app")


@pytest.fixture
def small_chunks(app):
    """Two messages per chunk (MAIL_CLAIM_STALE_MINUTES * 60 / (2 * the parse budget))."""
    app.config.update(MAIL_CLAIM_STALE_MINUTES=4, MAIL_PARSE_BUDGET_SECONDS=60)


def _batch(run: str) -> list[bytes]:
    """Seven messages over four chunks: new requests, a reply to the first (in a later chunk
    than it), and one that is not a mail at all."""
    first = f"<awal.{run}@warga.example>"
    return [
        build_mail(sender=f"Dewi <dewi.{run}@example.com>", subject="Sertifikat halal",
                   body="Bagaimana cara daftar sertifikat halal?", message_id=first),
        build_mail(sender=f"Budi <budi.{run}@example.com>", subject="Merek dagang",
                   body="Syarat pendaftaran merek?"),
        build_mail(sender=f"Sari <sari.{run}@example.com>", subject="Izin koperasi",
                   body="Rekomendasi izin KSP?"),
        build_mail(sender=f"Dewi <dewi.{run}@example.com>", subject="Re: Sertifikat halal",
                   body="Terima kasih, satu pertanyaan lagi.", in_reply_to=first,
                   references=first),
        b" " * len(run) + b"\r\n",  # not a mail (its length makes it this batch's own)
        build_mail(sender=f"Andi <andi.{run}@example.com>", subject="HKI",
                   body="Hak cipta lagu daerah?"),
        build_mail(sender=f"Rina <rina.{run}@example.com>", subject="Halal",
                   body="Biaya sertifikat halal?"),
    ]


def _outcome(results) -> list[tuple[str, str | None]]:
    return [(r.action, r.reason) for r in results]


def _helpers() -> list[multiprocessing.Process]:
    return multiprocessing.active_children()


def test_parsing_ahead_gives_the_outcome_of_parsing_here(app, now, small_chunks):
    app.config["MAIL_PARSE_AHEAD"] = False
    alone = list(ingest_many(_batch("sendirian"), lambda: now, source="file"))
    app.config["MAIL_PARSE_AHEAD"] = True
    helpers_seen = []
    ahead = []
    for result in ingest_many(_batch("dibantu"), lambda: now, source="file"):
        helpers_seen.append(len(_helpers()))
        ahead.append(result)

    assert max(helpers_seen) == 1  # a helper process parsed while the first chunk was written
    assert _helpers() == []  # and is gone once the batch is done
    assert [r.action for r in ahead] == ["created", "created", "created", "appended", "failed",
                                          "created", "created"]
    assert _outcome(ahead) == _outcome(alone)
    # the reply, parsed in the helper, was threaded onto the request written before it
    reply, request = ahead[3], ahead[0]
    assert reply.ticket == request.ticket
    bodies = db.session.scalars(select(Message.body_text).join(Ticket)
                                .where(Ticket.code == request.ticket)
                                .order_by(Message.id)).all()
    assert bodies[-1].startswith("Terima kasih, satu pertanyaan lagi.")


def test_a_message_the_helper_cannot_parse_is_kept_failed_with_its_traceback(now, small_chunks):
    results = list(ingest_many(_batch("gagal"), lambda: now, source="file"))
    failed = results[4]
    assert failed.action == "failed" and "empty message" in failed.reason
    row = db.session.get(InboundMail, failed.inbound_id)
    assert row.action == "failed" and row.raw == b" " * len("gagal") + b"\r\n"
    assert "Traceback" in row.error and "MailParseError: empty message" in row.error


def test_a_helper_that_dies_costs_only_speed(now, small_chunks):
    results = []
    for result in ingest_many(_batch("mati"), lambda: now, source="file"):
        for helper in _helpers():  # the helper killed as soon as it is there (SIGKILL; one
            helper.kill()            # that ended meanwhile, reaped by the pool, is left be)
            helper.join(timeout=10)
        results.append(result)
    assert [r.action for r in results] == ["created", "created", "created", "appended",
                                           "failed", "created", "created"]
    assert db.session.scalar(select(db.func.count()).select_from(InboundMail)
                             .where(InboundMail.action == "processing")) == 0


def test_a_helper_that_hangs_is_stopped_and_its_chunk_parsed_here(app, now, caplog):
    """It may take the parse budget per message of its chunk, no more (three messages per
    chunk of 0.5 s each here): then it is killed and the rest is parsed in this process."""
    app.config.update(MAIL_CLAIM_STALE_MINUTES=0.05, MAIL_PARSE_BUDGET_SECONDS=0.5)
    results, stopped = [], []
    for result in ingest_many(_batch("macet"), lambda: now, source="file"):
        for helper in _helpers():
            if helper.pid not in stopped:  # frozen, as a helper stuck on a message would be
                with contextlib.suppress(ProcessLookupError):  # unless it ended meanwhile
                    os.kill(helper.pid, signal.SIGSTOP)
                    stopped.append(helper.pid)
        results.append(result)
    assert stopped and _helpers() == []
    assert "parsing ahead took too long" in caplog.text
    assert [r.action for r in results] == ["created", "created", "created", "appended",
                                           "failed", "created", "created"]
