"""Subjects of outgoing mail, as received by a real SMTP server and read back with Python's
email policy: "Subject: " is followed by the text on the same line (never a fold right after
the colon, which leaves a leading space for many parsers), lines stay within 78 characters,
and the subject reads back exactly."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from ticketing.extensions import db
from ticketing.services import outbox

from ..factories import gen_ticket

CITIZEN_SUBJECTS = [
    "Sertifikat <b>halal</b>",  # the case that used to fold right after "Subject:"
    "Cara daftar sertifikat halal gratis untuk usaha mikro di Kecamatan Ilir Barat I",
    "Pendaftaran merek (HKI) — biaya dan syaratnya, mohon penjelasan lengkap",
    "Ünïcödé dan emoji 🙏 di subjek yang cukup panjang untuk dilipat dua kali atau lebih",
    "Tanya",
    "https://example.com/" + "sangat-panjang-" * 6 + "tanpa-spasi",
]


def subject_lines(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")
    start = next(i for i, line in enumerate(head) if line.lower().startswith("subject:"))
    lines = [head[start]]
    for line in head[start + 1:]:
        if not line[:1].isspace():
            break
        lines.append(line)
    return lines


def assert_well_folded(raw: bytes, expected: str) -> None:
    lines = subject_lines(raw)
    assert lines[0].startswith("Subject: ") and lines[0][9:10].strip(), lines
    for line in lines:
        assert len(line) <= 78 or " " not in line.strip(), lines  # only one unbreakable word
    assert BytesParser(policy=policy.default).parsebytes(raw)["Subject"] == expected


@pytest.mark.parametrize("subject", CITIZEN_SUBJECTS)
def test_acknowledgement_subjects_through_smtp(app, smtp_server, now, subject):
    ticket = gen_ticket(now, subject=subject, email="warga@example.com")
    db.session.commit()
    assert outbox.flush(now)["sent"] == 1
    (caught,) = smtp_server.to("warga@example.com")
    assert_well_folded(caught.raw, f"[{ticket.code}] Permohonan Anda telah kami terima: {subject}")


def test_every_length_and_every_kind_of_mail(app, now):
    """Subjects of every length for every mail template the outbox renders (the message is
    built exactly as it goes to SMTP)."""
    from pathlib import Path

    from ticketing import ROOT

    kinds = sorted(p.stem for p in (Path(ROOT) / "templates" / "email").glob("*.txt"))
    assert {"acknowledgement", "staff_reply", "sla_warning", "survey_invitation"} <= set(kinds)
    words = ["Ringkasan", "harian", "permohonan", "informasi", "sertifikat", "halal", "dan",
             "merek", "usaha"]
    for length in range(1, 140, 7):
        text = ""
        while len(text) < length:
            text = f"{text} {words[len(text) % len(words)]}".strip()
        for kind in kinds:
            item = outbox.OutboxMail(kind=kind, recipient="warga@example.com", subject=text,
                                     body_text="isi", body_html="<p>isi</p>",
                                     message_id=f"<{kind}.{length}@example.go.id>",
                                     headers=dict(outbox.AUTO_HEADERS))
            assert_well_folded(outbox._to_mail_message(item).as_bytes(), text)
