"""Tests for ticketing.mail on the project's own hand-written corpus
(tests/data/mail/*.eml) and on small synthetic messages."""

from __future__ import annotations

import hashlib
import re
import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ticketing.mail import (
    AutoClass,
    MailParseError,
    ParsedMail,
    bounced_message_ids,
    bounced_recipients,
    classify,
    decode_bytes,
    decode_header_text,
    find_ticket_codes,
    html_to_text,
    is_own_message_id,
    make_message_id,
    parse_header_params,
    parse_message,
    sanitize_html,
    strip_quoted_text,
    ticket_code_from_message_id,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "mail"
SECRET = b"test-secret"
DOMAIN = "helpdesk.diskopukm.palembangkota.go.id"

# Payloads of the attachments in the hand-written corpus (base64 in the files).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    b"% Surat permohonan sertifikat halal - UD Kue Lapis Palembang\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
JPEG_BYTES = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + bytes(range(256))
    + b"\xff\xd9"
)
PNG_SHA256_PREFIX = "89504e470d0a1a0a"  # PNG signature, checked on the decoded bytes
UU_TEXT = b"Daftar anggota koperasi: 25 orang\nSimpanan pokok Rp 100.000\n"

_C1 = re.compile("[\x80-\x9f]")
_MOJIBAKE = re.compile("Ã.|â€|Â[\xa0-\xbf]")


def load(name: str) -> ParsedMail:
    return parse_message((DATA / name).read_bytes())


def assert_clean(parsed: ParsedMail) -> None:
    """No C1 controls and no typical UTF-8-as-cp1252 mojibake in text fields."""
    for field in ("subject", "from_name", "text", "new_text"):
        value = getattr(parsed, field)
        assert not _C1.search(value), (field, value)
        assert not _MOJIBAKE.search(value), (field, value)


# ---------------------------------------------------------------------------
# Hand-written corpus: every file parses cleanly
# ---------------------------------------------------------------------------

ALL_FILES = sorted(p.name for p in DATA.glob("*.eml"))


@pytest.mark.parametrize("name", ALL_FILES)
def test_corpus_file_parses_cleanly(name: str) -> None:
    parsed = load(name)
    assert parsed.message_id.startswith("<") and parsed.message_id.endswith(">")
    assert parsed.from_email
    assert parsed.date is not None and parsed.date.tzinfo is not None
    assert_clean(parsed)


EXPECTED_KIND = {
    "bounce_dsn_own.eml": "bounce",
    "bounce_exchange_headers_only.eml": "bounce",
    "ooo_outlook_indonesian.eml": "auto_reply",
    "ooo_gmail_english.eml": "auto_reply",
    "ooo_subject_only.eml": "auto_reply",
    "newsletter_bulk.eml": "bulk",
}


@pytest.mark.parametrize("name", ALL_FILES)
def test_corpus_classification(name: str) -> None:
    parsed = load(name)
    assert parsed.auto.kind == EXPECTED_KIND.get(name, "normal"), parsed.auto
    assert parsed.auto == classify(parsed)
    if parsed.auto.kind != "normal":
        assert parsed.auto.reason


# ---------------------------------------------------------------------------
# Requests from the common clients
# ---------------------------------------------------------------------------


def test_gmail_new_request() -> None:
    m = load("gmail_new_request.eml")
    assert m.message_id == "<CAHx9kQ1f3pZr8vW2Lh0Xy7Qm5Jt6Nd4Bc2Ks8Ue0Rw1Gv9Tn3A@mail.gmail.com>"
    # Encoded words split across a folded line, with a multi-byte en dash.
    assert m.subject == "Permohonan Sertifikat Halal (Self Declare) – Pempek Cek Ina"
    assert m.from_name == "Dewi Lestari – UMKM Pempek Cek Ina"
    assert m.from_email == "dewi.pempek@gmail.com"  # lowercased
    assert m.to == ["layanan@diskopukm.palembangkota.go.id"]
    assert m.cc == ["budi.santoso@yahoo.co.id"]
    assert m.date == datetime(2026, 12, 28, 9, 14, 5, tzinfo=timezone(timedelta(hours=7)))
    # text/plain is preferred over the HTML alternative.
    assert m.text.startswith("Selamat pagi Bapak/Ibu,\n\nSaya Dewi, pemilik usaha mikro")
    assert "Terima kasih – salam," in m.text
    assert m.new_text == m.text  # nothing quoted
    assert m.html_sanitized and "<div>" in m.html_sanitized
    assert len(m.attachments) == 1
    att = m.attachments[0]
    assert (att.filename, att.content_type, att.payload) == (
        "Surat Permohonan Halal.pdf",
        "application/pdf",
        PDF_BYTES,
    )
    assert att.content_id == "f_lq2k3j4m0" and not att.is_inline
    assert m.headers["delivered-to"] == ["layanan@diskopukm.palembangkota.go.id"]
    assert find_ticket_codes(m.subject) == []


def test_outlook_new_request_crlf_related_inline_image() -> None:
    m = load("outlook_new_request.eml")  # CRLF line ends, as Exchange sends them
    assert (m.from_name, m.from_email) == ("Wijaya, Hendra", "hendra.wijaya@kopwanita-sumsel.or.id")
    assert m.subject == "Permohonan rekomendasi pendirian koperasi wanita"
    assert "\r" not in m.text
    assert "berencana mendirikan koperasi wanita. Mohon informasi syarat akta pendirian" in m.text
    # Nameless inline image: named from its Outlook Content-ID, kept for cid: links.
    [image] = m.attachments
    assert (image.filename, image.content_type, image.is_inline) == (
        "image001.png",
        "image/png",
        True,
    )
    assert image.content_id == "image001.png@01DB5E3A.12345670"
    assert image.payload.hex().startswith(PNG_SHA256_PREFIX)
    html = m.html_sanitized or ""
    assert 'src="cid:image001.png@01DB5E3A.12345670"' in html
    assert html.startswith("<div>") and "MsoNormal" not in html and "<style" not in html


def test_crlf_and_lf_give_the_same_result() -> None:
    raw = (DATA / "gmail_new_request.eml").read_bytes()
    crlf = parse_message(raw.replace(b"\n", b"\r\n"))
    lf = parse_message(raw)
    assert (crlf.subject, crlf.text, crlf.from_email) == (lf.subject, lf.text, lf.from_email)
    assert crlf.attachments[0].payload == PDF_BYTES


def test_yahoo_request_reply_to_and_sanitised_html() -> None:
    m = load("yahoo_request.eml")
    assert m.subject == "Pendaftaran merek dan hak cipta motif songket"  # base64 encoded word
    assert m.from_email == "rina_batik@yahoo.co.id"
    assert m.reply_to_email == "rina.kartika.batik@gmail.com"
    assert 'merek "Songket Rina" dan hak cipta' in m.text  # soft line breaks joined
    html = m.html_sanitized or ""
    assert "Songket Rina" in html
    for bad in ("onerror", "onclick", "javascript:", "s.yimg.com", "alert("):
        assert bad not in html


def test_iphone_request_rfc2231_filename_and_inline_image() -> None:
    m = load("iphone_request.eml")
    names = [a.filename for a in m.attachments]
    assert names == [
        "IMG_0417.jpeg",
        "Draf label – Kopi Bubuk Pak Andi.pdf",
    ]  # RFC 2231 continuation
    image, pdf = m.attachments
    assert image.is_inline and image.content_type == "image/jpeg" and image.payload == JPEG_BYTES
    assert not pdf.is_inline and pdf.payload == PDF_BYTES
    # The two text/plain parts around the attachments form the body.
    assert m.text.startswith("Selamat pagi, saya produksi kopi bubuk rumahan.")
    assert m.text.endswith("Dikirim dari iPhone saya")


# ---------------------------------------------------------------------------
# Replies: quoted text stripping and our own Message-IDs
# ---------------------------------------------------------------------------


def test_gmail_reply_indonesian_quote_header_wrapped() -> None:
    m = load("gmail_reply_quoted.eml")
    assert m.new_text == (
        "Baik Pak, dokumen NIB sudah saya lampirkan lewat akun SIHALAL.\n"
        "Kapan jadwal verifikasi oleh pendamping?"
    )
    assert "menulis:" in m.text  # the full text keeps the quote
    assert m.in_reply_to == ["<t.7KQ4-M9XD.n1A7.3f7609caa8@helpdesk.diskopukm.palembangkota.go.id>"]
    assert m.references == [
        "<CAHx9kQ1f3pZr8vW2Lh0Xy7Qm5Jt6Nd4Bc2Ks8Ue0Rw1Gv9Tn3A@mail.gmail.com>",
        "<t.7KQ4-M9XD.n1A7.3f7609caa8@helpdesk.diskopukm.palembangkota.go.id>",
    ]
    assert ticket_code_from_message_id(m.in_reply_to[0], SECRET, DOMAIN) == "7KQ4-M9XD"
    assert find_ticket_codes(m.subject) == ["7KQ4-M9XD"]


def test_gmail_html_only_reply_drops_gmail_quote_scripts_and_pixels() -> None:
    m = load("gmail_html_only_reply.eml")
    assert m.new_text == "Sudah saya unggah, terima kasih."
    assert "Mohon unggah foto produk." in m.text
    assert "alert" not in m.text and "color:red" not in m.text
    html = m.html_sanitized or ""
    assert "<script" not in html and "<style" not in html and "alert(" not in html
    assert "tracker.example.com" not in html  # remote image (tracking pixel) removed
    assert is_own_message_id(m.in_reply_to[0], SECRET, DOMAIN)


def test_outlook_reply_with_indonesian_header_block() -> None:
    m = load("outlook_reply_indonesian.eml")
    assert m.new_text.endswith("Pengurus KSP Sejahtera Bersama")
    assert "Dikirim:" not in m.new_text and "____" not in m.new_text
    assert "Mohon sampaikan jadwal RAT" in m.text
    assert m.to == ["layanan@diskopukm.palembangkota.go.id"]  # folded address header
    assert find_ticket_codes(m.subject) == ["HJ3C-8WQ2"]


def test_outlook_original_message_marker_and_windows_1252() -> None:
    m = load("outlook_original_message.eml")
    assert m.new_text.endswith("Rahmat Hidayat – Ketua Koperasi Mandiri")  # =96 is an en dash
    assert "Original Message" not in m.new_text
    assert "mohon lengkapi akta pendirian" in m.text


def test_outlook_pesan_asli_marker() -> None:
    m = load("outlook_pesan_asli.eml")
    assert m.new_text == "Terima kasih, berkas pembubaran akan kami antar hari Senin."


def test_iphone_reply_with_quoted_header_and_forged_message_id() -> None:
    m = load("iphone_reply.eml")
    assert (
        m.new_text
        == "Siap, besok saya datang ke kantor membawa sampel.\n\nDikirim dari iPhone saya"
    )
    # Looks like ours, but the HMAC is wrong: must not be trusted.
    assert not is_own_message_id(m.in_reply_to[0], SECRET, DOMAIN)
    assert ticket_code_from_message_id(m.in_reply_to[0], SECRET, DOMAIN) is None
    assert find_ticket_codes(m.subject) == ["JX7P-4K2M"]


def test_forwarded_message_kept_in_new_text_and_nested_bytes_exact() -> None:
    raw = (DATA / "forward_nested.eml").read_bytes()
    m = parse_message(raw)
    assert "Forwarded message" in m.new_text and "Mohon hadir pada RAT" in m.new_text
    # the nested message whole, and its file taken out beside it (marked as forwarded)
    assert [(a.filename, a.from_forward) for a in m.attachments] == [
        ("Undangan RAT.eml", False), ("agenda.txt", True)]
    att = m.attachments[0]
    assert att.content_type == "message/rfc822"
    assert att.filename == "Undangan RAT.eml"  # named after the nested subject
    start = raw.index(b"From: Notaris <notaris@example.id>\nTo:")
    end = raw.index(b"\n--outer--")
    assert att.payload == raw[start:end]
    nested = parse_message(att.payload)
    assert nested.message_id == "<notaris-1@example.id>"
    assert [a.filename for a in nested.attachments] == ["agenda.txt"]


# ---------------------------------------------------------------------------
# Bounces, auto-replies, bulk
# ---------------------------------------------------------------------------


def test_bounce_of_our_message() -> None:
    raw = (DATA / "bounce_dsn_own.eml").read_bytes()
    m = parse_message(raw)
    assert m.auto.kind == "bounce"
    ours = "<t.7KQ4-M9XD.n1A7.3f7609caa8@helpdesk.diskopukm.palembangkota.go.id>"
    ids = bounced_message_ids(m)
    assert ids[0] == ours
    assert (
        "<CAHx9kQ1f3pZr8vW2Lh0Xy7Qm5Jt6Nd4Bc2Ks8Ue0Rw1Gv9Tn3A@mail.gmail.com>" in ids
    )  # References
    assert is_own_message_id(ids[0], SECRET, DOMAIN)
    assert ticket_code_from_message_id(ids[0], SECRET, DOMAIN) == "7KQ4-M9XD"
    assert bounced_recipients(m) == ["dewi.pempek@gmial.com"]
    assert {a.content_type for a in m.attachments} == {"message/delivery-status", "message/rfc822"}
    assert "Delivery report.txt" in [a.filename for a in m.attachments]  # from Content-Description


def test_bounce_with_text_rfc822_headers_only() -> None:
    m = load("bounce_exchange_headers_only.eml")
    assert m.auto.kind == "bounce"
    assert bounced_message_ids(m) == [
        "<t.HJ3C-8WQ2.n9Z1.20d4e77695@helpdesk.diskopukm.palembangkota.go.id>"
    ]
    assert bounced_recipients(m) == ["bendahara@kspsejahtera.co.id"]


def test_bounce_ids_from_body_text_fallback() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.id\nTo: layanan@example.id\nSubject: failure notice\n"
        b"Return-Path: <>\n\nHi. This is the qmail-send program.\n\n"
        b"--- Below this line is a copy.\n\n"
        b"Message-ID: <t.7KQ4-M9XD.n1A7.3f7609caa8@helpdesk.diskopukm.palembangkota.go.id>\n"
        b"Subject: [7KQ4-M9XD] test\n"
    )
    m = parse_message(raw)
    assert m.auto.kind == "bounce"
    assert bounced_message_ids(m) == [
        "<t.7KQ4-M9XD.n1A7.3f7609caa8@helpdesk.diskopukm.palembangkota.go.id>"
    ]


def _mail(headers: str, body: str = "Halo") -> ParsedMail:
    base = "From: Budi <budi@example.id>\nTo: layanan@example.id\nSubject: Tanya\n"
    return parse_message((base + headers + "\n" + body + "\n").encode("utf-8"))


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ("", "normal"),
        ("Auto-Submitted: no\n", "normal"),
        ("Auto-Submitted: auto-replied\n", "auto_reply"),
        ("Auto-Submitted: auto-generated\n", "auto_reply"),
        ("X-Autoreply: yes\n", "auto_reply"),
        ("X-Autorespond: Out of office\n", "auto_reply"),
        ("X-Auto-Response-Suppress: OOF, AutoReply\n", "auto_reply"),
        ("X-Auto-Response-Suppress: DR, RN\n", "normal"),
        ("Precedence: auto_reply\n", "auto_reply"),
        ("X-Precedence: bulk\n", "bulk"),
        ("Precedence: list\n", "bulk"),
        ("Precedence: junk\n", "bulk"),
        ("List-Id: <umkm.lists.example.id>\n", "bulk"),
        ("List-Unsubscribe: <mailto:u@example.id>\n", "bulk"),
        ("Return-Path: <>\n", "auto_reply"),
        ("X-Failed-Recipients: a@example.id\n", "bounce"),
        ("X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\n", "auto_reply"),
    ],
)
def test_classify_headers(headers: str, kind: str) -> None:
    assert _mail(headers).auto.kind == kind


@pytest.mark.parametrize(
    ("sender", "subject", "kind"),
    [
        ("MAILER-DAEMON@mx.example.id", "Undeliverable: Tanya", "bounce"),
        ("postmaster@example.id", "Delivery Status Notification (Failure)", "bounce"),
        ("noreply@sihalal.example.id", "Status pengajuan", "auto_reply"),
        ("no-reply@example.id", "Info", "auto_reply"),
        ("do-not-reply@example.id", "Info", "auto_reply"),
        ("budi@example.id", "Automatic reply: Tanya", "auto_reply"),
        ("budi@example.id", "Balasan otomatis: Tanya", "auto_reply"),
        ("budi@example.id", "Out of Office: Tanya", "auto_reply"),
        ("budi@example.id", "Di luar kantor - Tanya", "auto_reply"),
        ("budi@example.id", "Re: Out of office hours service?", "normal"),
        ("budi@example.id", "Undangan RAT", "normal"),
    ],
)
def test_classify_sender_and_subject(sender: str, subject: str, kind: str) -> None:
    raw = f"From: {sender}\nTo: layanan@example.id\nSubject: {subject}\n\nisi\n".encode()
    assert parse_message(raw).auto.kind == kind


def test_read_receipt_is_auto_reply() -> None:
    raw = (
        b"From: budi@example.id\nTo: layanan@example.id\nSubject: Dibaca: Tanya\n"
        b"MIME-Version: 1.0\n"
        b"Content-Type: multipart/report; report-type=disposition-notification; boundary=x\n\n"
        b"--x\nContent-Type: text/plain\n\nPesan telah dibaca.\n"
        b"--x\nContent-Type: message/disposition-notification\n\n"
        b"Disposition: manual-action/MDN-sent-manually; displayed\n"
        b"--x--\n"
    )
    assert parse_message(raw).auto == AutoClass(
        "auto_reply", "read receipt (disposition-notification)"
    )


# ---------------------------------------------------------------------------
# Broken and mislabelled input
# ---------------------------------------------------------------------------


def test_broken_mime() -> None:
    m = load("broken_mime.eml")
    # Unindented continuation line in the header block: From/Subject survive.
    assert m.subject == "Data anggota koperasi untuk NIK koperasi"
    assert m.from_email == "warga.palembang@mail.example.id"
    # No Message-ID header: deterministic id from the raw bytes.
    raw = (DATA / "broken_mime.eml").read_bytes()
    assert m.message_id == f"<{hashlib.sha256(raw).hexdigest()[:32]}@generated.invalid>"
    # "7-bit" transfer encoding, no charset: UTF-8 text, source mojibake repaired.
    assert "Hj. Nur’aini" in m.text and "“dua puluh lima”" in m.text
    assert "begin 644" not in m.text  # the uuencoded block became an attachment
    by_name = {a.filename: a for a in m.attachments}
    assert by_name["anggota.txt"].payload == UU_TEXT
    # Non-standard encoded word inside a quoted filename.
    assert by_name["KTP Budi.pdf"].payload == PDF_BYTES
    # Unquoted boundary with "=" and no closing boundary: the last part survives,
    # nameless, named after its content type.
    png = by_name["attachment-3.png"]
    assert png.content_type == "image/png" and png.payload.hex().startswith(PNG_SHA256_PREFIX)
    assert m.defects


def test_mislabelled_charsets() -> None:
    m = load("mislabelled_charset.eml")
    assert m.subject == "Pertanyaan RAT – KSU “Maju Jaya”"  # raw UTF-8 header bytes
    assert m.from_name == "Ratna Nur’aini"  # UTF-8 bytes inside an iso-8859-1 encoded word
    assert m.text.split("\n") == [
        "Koperasi Serba Usaha “Maju Jaya” – simpanan pokok Rp 100.000.",  # UTF-8 declared latin-1
        "Rapat anggota tahunan “RAT” – bulan depan, café koperasi.",  # cp1252 declared latin-1
        "Catatan: bendahara baru – Ibu Ratna.",  # unknown charset label, cp1252 bytes
    ]


@pytest.mark.parametrize(
    "raw", [b"", b"   \r\n\r\n", b"Hanya teks tanpa header sama sekali.\nBaris kedua.\n"]
)
def test_unusable_input_raises_mail_parse_error(raw: bytes) -> None:
    with pytest.raises(MailParseError):
        parse_message(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"From: a@example.id\n\n" + bytes(range(256)),
        b"Subject: only a subject\n",
        b"From: a@example.id\nContent-Type: multipart/mixed\n\nno boundary at all\n",
        (b"From: a@example.id\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
        b"Content-Type: text/plain; charset=nonexistent\n\n\xff\xfe\n"),
        b"From: a@example.id\nContent-Transfer-Encoding: base64\n\n!!!not base64!!!=\n",
        (b'From: a@example.id\nContent-Type: text/plain; charset="utf-8\n'
        b"Subject: =?utf-8?B?broken\n\nx"),
        b"From: a@example.id\nDate: yesterday-ish\nMessage-ID: no brackets@example.id\n\nbody",
        b"From: a@example.id\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner body",
    ],
)
def test_malformed_input_never_raises(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMail)
    assert parsed.message_id.startswith("<")


def test_deeply_nested_multipart_does_not_explode() -> None:
    depth = 60
    parts = [b"From: a@example.id\nSubject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n"]
    for i in range(depth):
        parts.append(f"--b{i}\nContent-Type: multipart/mixed; boundary=b{i + 1}\n\n".encode())
    parts.append(f"--b{depth}\nContent-Type: text/plain\n\nisi terdalam\n--b{depth}--\n".encode())
    for i in reversed(range(depth)):
        parts.append(f"--b{i}--\n".encode())
    parsed = parse_message(b"".join(parts))
    assert parsed.subject == "deep"


def test_generated_message_id_is_deterministic() -> None:
    raw = (DATA / "no_message_id.eml").read_bytes()
    a, b = parse_message(raw), parse_message(raw)
    assert (
        a.message_id
        == b.message_id
        == f"<{hashlib.sha256(raw).hexdigest()[:32]}@generated.invalid>"
    )
    assert a.date == datetime(2027, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=7)))


def test_message_id_without_brackets_is_normalised() -> None:
    m = parse_message(
        b"From: a@example.id\nMessage-ID: abc@example.id\nIn-Reply-To: x@y.id\n\nbody"
    )
    assert m.message_id == "<abc@example.id>"
    assert m.in_reply_to == ["<x@y.id>"]


def test_naive_date_becomes_utc_and_bad_date_is_none() -> None:
    m = parse_message(b"From: a@example.id\nDate: Mon, 28 Dec 2026 10:00:00 -0000\n\nbody")
    assert m.date == datetime(2026, 12, 28, 10, 0, tzinfo=UTC)
    assert parse_message(b"From: a@example.id\nDate: kemarin sore\n\nbody").date is None


# ---------------------------------------------------------------------------
# Charsets and headers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("测试工单".encode("gb18030"), "gb2312", "测试工单"),
        ("测试工单".encode("gb18030"), "GB18030", "测试工单"),
        ("テスト".encode("iso2022_jp"), "ISO-2022-JP", "テスト"),
        ("①１都".encode("cp932"), "shift_jis", "①１都"),
        ("Koperasi “Maju” – café".encode(), "iso-8859-1", "Koperasi “Maju” – café"),
        ("Koperasi “Maju” – café".encode("cp1252"), "iso-8859-1", "Koperasi “Maju” – café"),
        ("Koperasi “Maju” – café".encode("cp1252"), None, "Koperasi “Maju” – café"),
        ("Koperasi “Maju” – café".encode("cp1252"), "x-bogus-charset", "Koperasi “Maju” – café"),
        ("Koperasi “Maju” – café".encode("cp1252"), "utf-8", "Koperasi “Maju” – café"),
        ("Привет, как дела".encode("koi8_r"), "koi8-r", "Привет, как дела"),
        ("Привет, как дела".encode("cp1251"), None, "Привет, как дела"),
        ("스티해".encode("cp949"), "ks_c_5601-1987", "스티해"),
        (b"abc\x85def\x81", "iso-8859-1", "abc…def"),  # C1 mapped via cp1252, undefined dropped
    ],
)
def test_decode_bytes(data: bytes, charset: str | None, expected: str) -> None:
    result = decode_bytes(data, charset)
    assert result == expected
    assert not _C1.search(result)


def test_encoded_words_split_inside_a_multibyte_character() -> None:
    # "Sertifikat – Halal" with the UTF-8 en dash split across two B words.
    assert (
        decode_header_text("=?UTF-8?B?U2VydGlmaWthdCDi?= =?UTF-8?B?gJMgSGFsYWw=?=")
        == "Sertifikat – Halal"
    )
    assert decode_header_text("=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=") == "テスト"
    assert decode_header_text("=?NONE?B?VEVTVA=?=") == "TEST"  # unknown charset, bad padding
    assert (
        decode_header_text("Re: =?utf-8?q?RAT_koperasi?= =?utf-8?q?_2027?=")
        == "Re: RAT koperasi 2027"
    )


def test_rfc2231_parameters() -> None:
    value, params = parse_header_params(
        "attachment;\n filename*0*=utf-8''Akta%20Pendirian%20%E2%80%93%20KSP;"
        "\n filename*1*=%20Maju.pdf"
    )
    assert value == "attachment"
    assert params["filename"] == "Akta Pendirian – KSP Maju.pdf"
    _v, params = parse_header_params(
        'text/plain; charset="iso-8859-1"; name="=?utf-8?q?Nota_=E2=80=93_1.txt?="'
    )
    assert params == {"charset": "iso-8859-1", "name": "Nota – 1.txt"}


# ---------------------------------------------------------------------------
# TNEF (winmail.dat)
# ---------------------------------------------------------------------------


def _tnef_object(level: int, name: int, typ: int, data: bytes) -> bytes:
    return (
        struct.pack("<BHHI", level, name, typ, len(data))
        + data
        + struct.pack("<H", sum(data) & 0xFFFF)
    )


def _winmail(filename: str, payload: bytes) -> bytes:
    return (
        struct.pack("<IH", 0x223E9F78, 1)
        + _tnef_object(1, 0x9006, 0x0009, struct.pack("<I", 0x10000))  # TNEF version
        + _tnef_object(
            2, 0x9002, 0x0006, b"\x01\x00\xff\xff\xff\xff" + b"\x00" * 8
        )  # starts an attachment
        + _tnef_object(2, 0x8010, 0x0001, filename.encode() + b"\x00")  # title
        + _tnef_object(2, 0x800F, 0x0006, payload)  # data
    )


def _mail_with_winmail(blob: bytes) -> bytes:
    import base64

    return (
        b"From: ksp@example.id\nTo: layanan@example.id\nSubject: Laporan RAT\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=w\n\n--w\nContent-Type: text/plain\n\n"
        b"Terlampir.\n"
        b'--w\nContent-Type: application/ms-tnef; name="winmail.dat"\n'
        b'Content-Disposition: attachment; filename="winmail.dat"\n'
        b"Content-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(blob)
        + b"--w--\n"
    )


def test_winmail_dat_is_unpacked() -> None:
    payload = b"Laporan RAT 2026\n" * 10
    m = parse_message(_mail_with_winmail(_winmail("laporan-rat.txt", payload)))
    assert [(a.filename, a.payload) for a in m.attachments] == [("laporan-rat.txt", payload)]
    assert m.text == "Terlampir."


def test_broken_winmail_dat_is_kept_as_is() -> None:
    blob = b"not really tnef at all" * 3
    m = parse_message(_mail_with_winmail(blob))
    assert [(a.filename, a.content_type, a.payload) for a in m.attachments] == [
        ("winmail.dat", "application/ms-tnef", blob)
    ]


# ---------------------------------------------------------------------------
# Quote stripping, HTML helpers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Oke.\n\nOn Mon, Dec 28, 2026 at 10:00 AM Budi <b@x.id> wrote:\n> lama", "Oke."),
        ("Oke.\n\nOn Mon, Dec 28, 2026 at 10:00 AM Budi <\nb@x.id> wrote:\n> lama", "Oke."),
        ("Siap.\n\nPada Sen, 28 Des 2026 pukul 10.00 Budi <b@x.id> menulis:\n> lama", "Siap."),
        ("Siap.\nPada tanggal Sen, 28 Des 2026 10.00, Budi\n<b@x.id> menulis:\n\n> lama", "Siap."),
        (  # an inline reply: the answers only make sense with the questions, keep all
            "Jawab di bawah.\n> pertanyaan 1\njawaban 1\n> pertanyaan 2\njawaban 2",
            "Jawab di bawah.\n> pertanyaan 1\njawaban 1\n> pertanyaan 2\njawaban 2",
        ),
        (
            ("Baik.\n\nFrom: Petugas <p@x.id>\nSent: Monday, December 28, 2026 10:00\n"
            "To: Budi\nSubject: RAT\n\nlama"),
            "Baik.",
        ),
        ("Baik.\n-----Pesan Asli-----\nDari: Petugas\nlama", "Baik."),
        ("> semuanya kutipan\n> saja", "> semuanya kutipan\n> saja"),  # nothing left: keep all
        (
            "Pada hari Senin kami menulis: laporan sudah siap.",
            "Pada hari Senin kami menulis: laporan sudah siap.",
        ),
        (
            "Catatan rapat.\nPada rapat itu beliau menulis:\nsemua hadir.",
            "Catatan rapat.\nPada rapat itu beliau menulis:\nsemua hadir.",
        ),
    ],
)
def test_strip_quoted_text(text: str, expected: str) -> None:
    assert strip_quoted_text(text) == expected


def test_html_to_text() -> None:
    html = (
        "<html><head><title>judul</title><style>p{}</style></head><body><p>Satu&nbsp;dua</p>"
        "<script>var x=1;</script><ul><li>a</li><li>b</li></ul>baris<br>baru</body></html>"
    )
    assert html_to_text(html) == "Satu dua\n\n- a\n- b\nbaris\nbaru"
    quoted = ('<div>Baru</div><div class="gmail_quote">Pada ... menulis:'
              "<blockquote>lama</blockquote></div>")
    assert html_to_text(quoted, drop_quotes=True) == "Baru"
    assert "lama" in html_to_text(quoted)


def test_sanitize_html_keeps_cid_images_and_drops_remote_ones() -> None:
    out = sanitize_html(
        '<p onclick="x()">Hi<img src="cid:image001.png@01D"><img src="http://evil/p.gif">'
        '<a href="data:text/html;base64,AAAA">x</a><iframe src="https://x"></iframe></p>'
    )
    assert 'src="cid:image001.png@01D"' in out
    assert (
        "evil" not in out
        and "onclick" not in out
        and "data:text" not in out
        and "iframe" not in out
    )


# ---------------------------------------------------------------------------
# Our Message-IDs and ticket codes
# ---------------------------------------------------------------------------


def test_make_and_verify_message_id() -> None:
    msgid = make_message_id("7kq4-m9xd", SECRET, DOMAIN, "n1A7")
    assert msgid == "<t.7KQ4-M9XD.n1A7.3f7609caa8@helpdesk.diskopukm.palembangkota.go.id>"
    assert is_own_message_id(msgid, SECRET, DOMAIN)
    assert is_own_message_id(msgid.strip("<>"), SECRET, DOMAIN)  # brackets optional
    assert is_own_message_id(msgid, SECRET, DOMAIN.upper())  # domains are case-insensitive
    assert ticket_code_from_message_id(msgid, SECRET, DOMAIN) == "7KQ4-M9XD"
    assert not is_own_message_id(msgid, b"other-secret", DOMAIN)
    assert not is_own_message_id(msgid, SECRET, "example.com")
    # Changing the code, the nonce or the MAC breaks it.
    assert not is_own_message_id(msgid.replace("7KQ4-M9XD", "7KQ4-M9XE"), SECRET, DOMAIN)
    assert not is_own_message_id(msgid.replace("n1A7", "n1A8"), SECRET, DOMAIN)
    assert not is_own_message_id(msgid.replace("3f7609caa8", "3f7609caa9"), SECRET, DOMAIN)
    assert not is_own_message_id("<CAHx9kQ@mail.gmail.com>", SECRET, DOMAIN)
    assert not is_own_message_id("", SECRET, DOMAIN)


@pytest.mark.parametrize(
    ("code", "nonce", "domain"),
    [
        ("7KQ4-M9X0", "n1", DOMAIN),
        ("7KQ4M9XD", "n1", DOMAIN),
        ("7KQ4-M9XD", "a.b", DOMAIN),
        ("7KQ4-M9XD", "", DOMAIN),
        ("7KQ4-M9XD", "n1", "bad domain"),
    ],
)
def test_make_message_id_rejects_invalid_input(code: str, nonce: str, domain: str) -> None:
    with pytest.raises(ValueError):
        make_message_id(code, SECRET, domain, nonce)


@pytest.mark.parametrize(
    ("subject", "codes"),
    [
        ("Re: [7KQ4-M9XD] Permohonan", ["7KQ4-M9XD"]),
        ("Re: [7kq4-m9xd] huruf kecil", ["7KQ4-M9XD"]),
        ("Balasan 7KQ4-M9XD soal RAT", ["7KQ4-M9XD"]),
        ("[#HJ3C-8WQ2] dan juga 7KQ4-M9XD", ["HJ3C-8WQ2", "7KQ4-M9XD"]),
        ("[7KQ4-M9XD] Re: [7KQ4-M9XD]", ["7KQ4-M9XD"]),
        ("Tahun 2026-2027", []),  # 0 is not in the alphabet
        ("Kode ABCD-EFGI", []),  # I is not in the alphabet
        ("Nomor 7KQ4-M9XD-ZZ", []),  # part of a longer token
        ("X7KQ4-M9XD", []),
        ("", []),
    ],
)
def test_find_ticket_codes(subject: str, codes: list[str]) -> None:
    assert find_ticket_codes(subject) == codes


def test_part_that_breaks_the_modern_policy_is_reread_with_compat32(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ticketing.mail import mime

    original = mime._Walker._process_leaf

    def flaky(self: mime._Walker, leaf: mime._Leaf) -> None:
        if leaf.part.policy is mime.MODERN_POLICY and leaf.ctype == "application/pdf":
            raise ValueError("modern policy failed")
        original(self, leaf)

    monkeypatch.setattr(mime._Walker, "_process_leaf", flaky)
    m = load("gmail_new_request.eml")
    assert [a.payload for a in m.attachments] == [PDF_BYTES]
    assert any("re-read with compat32" in d for d in m.defects)


def test_outlook_forward_keeps_the_forwarded_header_block() -> None:
    raw = (
        b"From: ksp@example.id\nTo: layanan@example.id\nSubject: FW: Undangan RAT\n\n"
        b"Mohon ditindaklanjuti.\n\n________________________________\n"
        b"From: Notaris <n@example.id>\nSent: Friday, January 1, 2027 9:00 AM\n"
        b"To: ksp@example.id\nSubject: Undangan RAT\n\nMohon hadir pada RAT 20 Februari 2027.\n"
    )
    m = parse_message(raw)
    assert "Mohon hadir pada RAT" in m.new_text
    # The same block in a reply is stripped.
    m = parse_message(raw.replace(b"Subject: FW: Undangan RAT", b"Subject: RE: Undangan RAT"))
    assert m.new_text == "Mohon ditindaklanjuti."


def _attached(inner: bytes, subject: str, outer_type: str = "multipart/mixed") -> bytes:
    """`inner` attached as message/rfc822 to a mail with a line of its own."""
    return (
        b"From: Sinta <sinta@example.id>\nTo: layanan@example.id\nSubject: " + subject.encode()
        + b"\nMIME-Version: 1.0\nContent-Type: " + outer_type.encode() + b'; boundary="b'
        + str(len(inner)).encode() + b'"\n\n--b' + str(len(inner)).encode()
        + b"\nContent-Type: text/plain\n\nLihat lampiran.\n--b" + str(len(inner)).encode()
        + b"\nContent-Type: message/rfc822\n\n" + inner + b"\n--b" + str(len(inner)).encode()
        + b"--\n")


def test_a_forward_as_attachment_is_read_three_deep_and_text_stays_this_mails() -> None:
    inner = (b"From: Pak Rudi <rudi@example.id>\nTo: sinta@example.id\nSubject: Kerupuk\n"
             b"Date: Thu, 03 Dec 2026 10:30:00 +0700\n\nApakah kerupuk perlu sertifikat halal?\n")
    m = parse_message(_attached(inner, "Fw: tanya"))
    assert m.text == m.new_text == "Lihat lampiran."  # this mail's own words, as sent
    assert m.forwarded == [("---------- Pesan terusan (lampiran) ----------\n"
                            "Dari: Pak Rudi <rudi@example.id>\n"
                            "Tanggal: Thu, 03 Dec 2026 10:30:00 +0700\n"
                            "Perihal: Kerupuk\nKepada: sinta@example.id\n\n"
                            "Apakah kerupuk perlu sertifikat halal?")]
    assert m.new_content == "Lihat lampiran.\n\n" + m.forwarded[0]
    assert [a.filename for a in m.attachments] == ["Kerupuk.eml"]  # the original, kept
    # a file the forwarded message carried comes out beside it
    with_file = inner.replace(b"Subject: Kerupuk\n", b'Subject: Kerupuk\nMIME-Version: 1.0\n'
                              b'Content-Type: multipart/mixed; boundary="i"\n').replace(
        b"\n\nApakah", b"\n\n--i\nContent-Type: text/plain\n\nApakah") + (
        b"--i\nContent-Type: application/pdf\nContent-Disposition: attachment; "
        b"filename=nib.pdf\n\n%PDF-1.4\n--i--\n")
    m = parse_message(_attached(with_file, "Fw: tanya"))
    assert "Apakah kerupuk perlu sertifikat halal?" in m.forwarded[0]
    assert [a.filename for a in m.attachments] == ["Kerupuk.eml", "nib.pdf"]
    # forwards inside forwards: read three deep, the rest kept only as attachments
    nested = inner
    for level in range(5):
        nested = _attached(nested, f"Fw{level}")
    text = parse_message(nested).full_content
    assert text.count("Pesan terusan (lampiran)") == 3
    assert "Apakah kerupuk" not in text


def test_the_message_in_a_delivery_report_is_not_a_forward() -> None:
    bounced = b"From: layanan@example.id\nTo: x@example.id\nSubject: Jawaban\n\nJawaban kami.\n"
    raw = _attached(bounced, "Undelivered Mail Returned to Sender",
                    'multipart/report; report-type="delivery-status"')
    m = parse_message(raw)
    assert m.forwarded == [] and "Jawaban kami" not in m.full_content


@pytest.mark.parametrize("closing", [b"--x--\r\n", b""])
def test_a_multipart_without_a_boundary_is_read_not_made_a_file(closing: bytes) -> None:
    raw = (b"From: warga@example.id\r\nTo: layanan@example.id\r\nSubject: rusak\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n"
           b"Content-Type: text/plain\r\n\r\nMohon info sertifikat halal.\r\n" + closing)
    m = parse_message(raw)
    assert m.attachments == []
    if closing:  # the boundary read from the body: the parts as sent
        assert m.text == "Mohon info sertifikat halal."
        assert "multipart without a boundary: 'x' read from its body" in m.defects
    else:  # no boundary to be read: the body as text, nothing lost
        assert "Mohon info sertifikat halal." in m.text


def _flowed(body: bytes, params: bytes = b"; format=flowed", subject: bytes = b"Tanya") -> bytes:
    return (b"From: warga@example.id\r\nTo: layanan@example.id\r\nSubject: " + subject
            + b"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8" + params
            + b"\r\n\r\n" + body)


def test_format_flowed_text_reads_as_its_paragraphs() -> None:
    """iOS Mail and Thunderbird send format=flowed (RFC 3676): a line ending in a space goes
    on in the next; quoted lines keep their marks, the signature separator stays."""
    body = (b"Saya ingin bertanya tentang sertifikat \r\nhalal untuk kerupuk \r\nkemplang.\r\n"
            b"\r\nBaris tetap.\r\n>> kutipan \r\n>> dalam\r\n -- bukan tanda tangan\r\n-- \r\n"
            b"Sinta\r\n")
    m = parse_message(_flowed(body))
    assert m.text == ("Saya ingin bertanya tentang sertifikat halal untuk kerupuk kemplang.\n\n"
                      "Baris tetap.\n>> kutipan dalam\n-- bukan tanda tangan\n-- \nSinta")
    # DelSp=yes: the space before each soft break was added by the sender's program
    m = parse_message(_flowed(b"sertifi \r\nkat  \r\nhalal\r\n", b"; format=flowed; delsp=yes"))
    assert m.text == "sertifikat halal"
    # without format=flowed the lines stay as sent
    m = parse_message(_flowed(body.replace(b"-- \r\n", b""), b""))
    assert m.text.startswith("Saya ingin bertanya tentang sertifikat \nhalal")


def test_a_flowed_reply_keeps_only_its_new_words() -> None:
    raw = _flowed(b"Baik, saya kirim \r\nberkasnya besok.\r\n\r\n"
                  b"Pada 3 Des 2026 10.00, Dinas Koperasi <x@example.id> menulis:\r\n"
                  b"> Mohon kirim \r\n> berkas KTP.\r\n", subject=b"Re: Tanya")
    assert parse_message(raw).new_text == "Baik, saya kirim berkasnya besok."


def test_at_most_twenty_attached_messages_are_read_into_the_text() -> None:
    inner = b"From: a@example.id\nSubject: Satu\n\nIsi pesan.\n"
    parts = b"".join(b"--m\nContent-Type: message/rfc822\n\n" + inner + b"\n" for _ in range(25))
    raw = (b"From: s@example.id\nTo: layanan@example.id\nSubject: banyak\nMIME-Version: 1.0\n"
           b'Content-Type: multipart/mixed; boundary="m"\n\n' + parts + b"--m--\n")
    m = parse_message(raw)
    assert len(m.forwarded) == 20 and len(m.attachments) == 25  # every one kept
