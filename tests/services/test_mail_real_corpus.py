"""The real-world corpus (tests/data/corpus/email: imap_tools, Zammad, RT) through the whole
intake pipeline: every message ends as created/appended/ignored/duplicate/failed with its
raw bytes kept, and no bounce or auto-reply becomes a ticket or gets an acknowledgement."""

from __future__ import annotations

import functools
from collections import Counter

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.mail import MailParseError, parse_message
from ticketing.models import InboundMail, MailAutoReply, OutboxMail, Ticket
from ticketing.services.mail_ingest import ingest_raw

from ..domain.test_mail_corpus import CORPUS, EXPECTED_AUTOMATED, FILES
from ..support.components import missing_component
from ..support.mail import mail_app  # noqa: F401 - fixture

pytestmark = [pytest.mark.usefixtures("mail_app"), pytest.mark.slow]

ACTIONS = {"created", "appended", "ignored", "duplicate", "failed"}


@functools.cache  # the same file, the same answer: parsed once for both backends
def _automated(rel: str, raw: bytes) -> bool:
    """Bounces and auto-replies: listed by the corpus test, or classified so by the parser."""
    if rel in EXPECTED_AUTOMATED or "/multipart_report_emails/" in rel:
        return True
    try:
        return parse_message(raw).auto.kind in ("bounce", "auto_reply")
    except MailParseError:
        return False


def test_real_world_corpus_through_ingest(now, backend, capsys):
    if not FILES:
        missing_component(f"mail corpus at {CORPUS}")
    counts: Counter[str] = Counter()
    by_source: dict[str, Counter[str]] = {}
    automated_rows: list[tuple[str, int]] = []
    problems: list[str] = []
    for rel in FILES:
        raw = (CORPUS / rel).read_bytes()
        try:
            result = ingest_raw(raw, now, source="file")
        except Exception as exc:  # noqa: BLE001 - nothing may crash the pipeline
            problems.append(f"{rel}: raised {type(exc).__name__}: {exc}")
            continue
        counts[result.action] += 1
        by_source.setdefault(rel.split("/", 1)[0], Counter())[result.action] += 1
        if result.action not in ACTIONS:
            problems.append(f"{rel}: action {result.action}")
            continue
        row = db.session.get(InboundMail, result.inbound_id) if result.inbound_id else None
        if row is None:
            row = db.session.scalar(select(InboundMail).where(
                InboundMail.message_id == result.message_id, InboundMail.raw == raw))
        if row is None or row.raw != raw:
            problems.append(f"{rel}: raw bytes not kept")
            continue
        if _automated(rel, raw):
            automated_rows.append((rel, row.id))
            if result.action == "created":
                problems.append(f"{rel}: automatic mail became ticket {result.ticket}")
    for rel, row_id in automated_rows:
        if db.session.scalar(select(MailAutoReply.id).where(
                MailAutoReply.inbound_mail_id == row_id)) is not None:
            problems.append(f"{rel}: automatic mail got an automatic answer")

    tickets = db.session.scalar(select(db.func.count(Ticket.id)))
    acks = db.session.scalar(select(db.func.count(OutboxMail.id)))
    stored = db.session.scalar(select(db.func.count(InboundMail.id)))
    with capsys.disabled():
        print(f"\nreal-world corpus through ingest_raw ({backend}): {sum(counts.values())} "
              f"messages: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
              + f"; {len(automated_rows)} bounces/auto-replies, none a ticket; {tickets} "
              f"tickets, {acks} automatic mails, {stored} raw messages kept")
        for source, source_counts in sorted(by_source.items()):
            print(f"  {source}: " + ", ".join(f"{k} {v}" for k, v in sorted(source_counts.items())))
    assert not problems, problems
    assert sum(counts.values()) == len(FILES)
    assert counts["created"] == tickets
    # Every message was stored once; only identical bytes share a row.
    assert stored == len(FILES) - counts["duplicate"]
    assert len(automated_rows) >= 20  # the corpus's bounces really were exercised
