"""Hostile and broken mail at the parser (issue 9 items 2 and 9): linear header repair, a
per-message time budget, undecodable RFC 2231 filenames, bidi controls."""

from __future__ import annotations

import base64
import time

import pytest

from ticketing.mail import MailParseTimeout, parse_message
from ticketing.mail.senders import automated_sender

MB = 1024 * 1024


def _cpu_seconds(raw: bytes) -> float:
    """CPU time of one parse (not wall time: the machine is shared with other work)."""
    start = time.process_time()
    parse_message(raw)
    return time.process_time() - start


@pytest.mark.parametrize("shape", [
    # unindented lines that are not headers, with a header after them: every one of them
    # asks "does a real header follow?", which used to rescan the rest of the block
    b"From: a@example.id\n" + b"junk line without colon\n" * (MB // 24) + b"Subject: x\n",
    b"From: a@example.id\n" + b"X-Junk: some value here\n" * (MB // 24),
    b"From: a@example.id\n" + b"a:b\n" * (MB // 4),
    b"From: a@example.id\nSubject: " + b"a" * MB,
    b"From: " + b"<" * MB,
    b"From: a@example.id\nTo: " + b"x@example.id, " * (MB // 14),
], ids=["junk-lines", "many-fields", "tiny-fields", "one-line", "angles", "recipients"])
def test_a_1mb_header_block_without_a_blank_line_parses_in_under_a_second(shape: bytes):
    assert len(shape) >= MB - 64
    assert _cpu_seconds(shape) < 1.0


def test_the_repaired_header_block_keeps_the_headers_after_the_junk():
    raw = (b"From: Budi <budi@example.id>\n" + b"junk without colon\n" * 50_000
           + b"Subject: Tanya halal\nMessage-ID: <x1@example.id>\n\nIsi.\n")
    m = parse_message(raw)
    assert m.from_email == "budi@example.id"
    assert m.subject == "Tanya halal" and m.message_id == "<x1@example.id>"


def test_key_fields_after_thousands_of_junk_fields_still_count():
    raw = (b"From: promo@example.com\n" + b"X-Junk: 1\n" * 5000
           + b"X-Spam-Flag: YES\nSubject: Hadiah\n\nKlik.\n")
    m = parse_message(raw)
    assert m.auto.kind == "spam"
    assert any("header block trimmed" in d for d in m.defects)


def test_a_message_over_its_time_budget_raises_mail_parse_timeout():
    raw = b"From: a@example.id\nSubject: s\n\n" + b"> quoted line\n" * 100_000
    with pytest.raises(MailParseTimeout):
        parse_message(raw, budget_seconds=1e-9)
    assert parse_message(raw, budget_seconds=60).from_email == "a@example.id"


def _with_filename(disposition: bytes, from_: bytes = b"Warga <warga@example.id>") -> bytes:
    return (b"From: " + from_ + b"\nTo: layanan@example.id\nSubject: Berkas\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\n"
            b"Terlampir.\n--x\nContent-Type: application/pdf\nContent-Disposition: attachment; "
            + disposition + b"\n\n%PDF-1.4 data\n--x--\n")


@pytest.mark.parametrize("disposition", [
    b"filename*=utf-8''caf%E9%ED%A0%80.pdf",     # not UTF-8 at all
    b"filename*=utf-8''%FF%FE%C3.pdf",
    b"filename*=utf-7''+2ADYAA-x.pdf",           # decodes to lone surrogates
    b"filename*=x-unknown-charset''%A4%B3.pdf",
    b"filename*0*=utf-8''%F0%9F; filename*1*=%98.pdf",  # a character split mid-sequence
    b'filename="=?utf-7?Q?+2AA-?=.pdf"',
])
def test_undecodable_rfc2231_filenames_are_decoded_with_replacement(disposition: bytes):
    m = parse_message(_with_filename(disposition))
    [attachment] = m.attachments
    attachment.filename.encode("utf-8")  # storable and showable: no lone surrogates
    assert attachment.filename.endswith(".pdf")
    assert attachment.payload.startswith(b"%PDF")
    assert m.text == "Terlampir."


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                                     "\u2066", "\u2067", "\u2068", "\u2069"])
def test_bidi_controls_are_stripped_from_filenames_names_and_subjects(control: str):
    encoded = control.encode("utf-8")
    raw = _with_filename(b"filename*=utf-8''" + b"".join(b"%%%02X" % b for b in
                                                          ("invoice" + control + "fdp.exe")
                                                          .encode("utf-8")),
                         from_=b"=?utf-8?b?" + base64.b64encode(
                             ("Bud" + control + "i").encode("utf-8")) + b"?= <budi@example.id>")
    raw = raw.replace(b"Subject: Berkas", b"Subject: Berkas " + encoded + b"lampiran")
    m = parse_message(raw)
    assert m.attachments[0].filename == "invoicefdp.exe"
    assert m.from_name == "Budi"
    assert m.subject == "Berkas lampiran"


@pytest.mark.parametrize(("address", "kind"), [
    ("MAILER-DAEMON@mx.example.id", "bounce"), ("post_master@example.ne.jp", "bounce"),
    ("MAILER-DAEMON", "bounce"),
    ("postmaster@example.id", "bounce"), ("koperasi-request@lists.example.org", "list_notice"),
    ("koperasi-admin@ml.example.jp", "list_notice"), ("koperasi-owner@example.org",
                                                      "list_notice"),
    ("koperasi-bounces+warga=example.id@lists.example.org", "list_notice"),
    ("owner-koperasi@example.org", "list_notice"), ("majordomo@example.org", "list_notice"),
    ("noreply@example.id", "auto_reply"), ("do-not-reply@example.id", "auto_reply"),
    ("admin@kspsejahtera.example.id", None), ("owner@tokokue.example.id", None),
    ("noreplyfan@example.id", None), ("budi.request.santoso@gmail.com", None),
])
def test_one_list_of_automated_senders(address: str, kind: str | None):
    found = automated_sender(address)
    assert (found[0] if found else None) == kind


@pytest.mark.parametrize("body_charset", [b"utf-8", b"utf-16", b"utf-16-be", b"utf-32", b""])
def test_8bit_header_bytes_are_never_read_as_utf16_or_32(body_charset: bytes):
    """One invalid byte in a raw UTF-8 display name once made a charset guess pick UTF-16:
    the address became CJK characters and the mail was lost as "no sender"."""
    raw = (b'From: "Dwi Pr\xc3\xa1\xffmono" <dwi.pramono@gmail.com>\nTo: layanan@example.id\n'
           b"Subject: Tanya izin \xc3\xa9\xff koperasi\nContent-Type: text/plain; charset="
           + body_charset + b"\n\nIsi.\n")
    m = parse_message(raw)
    assert m.from_email == "dwi.pramono@gmail.com"
    assert m.from_name.startswith("Dwi Pr\u00e1")
    assert m.subject.startswith("Tanya izin")
    cjk = [ch for ch in m.from_name + m.subject if "\u3000" <= ch <= "\u9fff"]
    assert not cjk
