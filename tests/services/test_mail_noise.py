"""The noise-class table: every automated sender class in tests/data/mail/noise/ (bounce,
list-manager notice, feedback report, list mail, bulk, provider-flagged spam, auto-reply)
becomes no ticket and gets no automatic answer; human mail becomes a ticket and is
acknowledged. Zero tolerance: one acknowledgement to a machine fails the table."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import InboundMail, MailAutoReply, OutboxMail, Ticket
from ticketing.services.mail_ingest import ingest_raw

from ..support.mail import DATA, mail_app  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("mail_app")

NOISE = DATA / "noise"
#: file-name prefix -> the classifications that are right for it
EXPECTED = {
    "bounce": {"bounce", "list_notice"},
    "feedback": {"feedback_report"},
    "list_notice": {"list_notice"},
    "list_mail": {"bulk"},
    "bulk": {"bulk"},
    "spam": {"spam"},
    "auto_reply": {"auto_reply"},
    "human": {"normal"},
}


def expected_kinds(path: Path) -> set[str]:
    for prefix, kinds in EXPECTED.items():
        if path.name.startswith(prefix):
            return kinds
    raise AssertionError(f"{path.name}: unknown class prefix")


def test_noise_class_table(now, backend, capsys):
    files = sorted(NOISE.glob("*.eml"))
    assert len(files) >= 20
    assert {next(p for p in EXPECTED if f.name.startswith(p)) for f in files} == set(EXPECTED)
    problems: list[str] = []
    rows: dict[str, list[int]] = {}
    for path in files:
        result = ingest_raw(path.read_bytes(), now, source="file")
        row = db.session.get(InboundMail, result.inbound_id)
        kinds = expected_kinds(path)
        rows.setdefault(path.name.split("_", 1)[0], []).append(row.id)
        if row.classification not in kinds:
            problems.append(f"{path.name}: classified {row.classification}, expected {kinds}")
        acks = db.session.scalar(select(db.func.count(MailAutoReply.id)).where(
            MailAutoReply.inbound_mail_id == row.id))
        if kinds == {"normal"}:
            if result.action != "created" or acks != 1:
                problems.append(f"{path.name}: human mail {result.action}, {acks} acks")
        elif result.action == "created" or acks:
            problems.append(f"{path.name}: automated mail {result.action}, {acks} acks")
    human = [f for f in files if f.name.startswith("human")]
    automated = len(files) - len(human)
    outbox_to_machines = db.session.scalar(select(db.func.count(OutboxMail.id)).where(
        OutboxMail.recipient.not_in([
            db.session.get(InboundMail, i).from_email for i in rows.get("human", [])])))
    with capsys.disabled():
        print(f"\nnoise classes ({backend}): {len(files) - len(problems)}/{len(files)} as "
              f"expected; {automated} automated mails: 0 tickets expected, "
              f"{outbox_to_machines} automatic mails to them; {len(human)} human mails: "
              f"ticket and acknowledgement each")
    assert outbox_to_machines == 0
    assert not problems, "\n".join(problems)


def test_human_mail_with_a_bad_byte_in_the_name_keeps_its_sender(now):
    """A raw UTF-8 display name with one invalid byte was once decoded as UTF-16 and the
    mail lost its sender ("failed: no sender")."""
    result = ingest_raw((NOISE / "human_8bit_from_bad_byte.eml").read_bytes(), now,
                        source="file")
    assert result.action == "created"
    row = db.session.get(InboundMail, result.inbound_id)
    assert row.from_email == "dwi.pramono@gmail.com"
    ticket = db.session.get(Ticket, row.ticket_id)
    assert ticket.requester_name.startswith("Dwi Pr")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in ticket.requester_name)
