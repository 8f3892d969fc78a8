"""Property-based fuzzing of the mail parser (hypothesis): for any bytes, parse_message()
returns a ParsedMail whose texts can be stored and shown, or raises MailParseError; it
never raises anything else, and quote stripping never invents or reorders text.

MAIL_FUZZ_EXAMPLES (or FUZZ_EXAMPLES) sets the number of generated messages per property
(default 200, bounded for CI); e.g. MAIL_FUZZ_EXAMPLES=5000 for a longer run."""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketing.mail import MailParseError, MailParseTimeout, parse_message, strip_quoted_text
from ticketing.mail.classify import KINDS

EXAMPLES = int(os.environ.get("MAIL_FUZZ_EXAMPLES") or os.environ.get("FUZZ_EXAMPLES") or 200)
FIXTURES = sorted((Path(__file__).resolve().parents[1] / "data" / "mail").rglob("*.eml"))
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
TALLY: Counter = Counter()
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])

CHARSETS = ["utf-8", "iso-8859-1", "windows-1251", "koi8-r", "gb2312", "iso-2022-jp",
            "utf-16", "utf-7", "shift_jis", "x-unknown", "", "utf-8*id"]
FIELDS = ["From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References", "Date",
          "Reply-To", "Return-Path", "Content-Type", "Content-Transfer-Encoding",
          "Content-Disposition", "Auto-Submitted", "Precedence", "List-Id", "X-Spam-Flag",
          "X-Spam-Status", "Authentication-Results", "MIME-Version", "X-Junk"]

nasty_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["\x00", "\u202egpj.exe", "=?utf-8?b?", "=?", "<<<>>>", "\r\n", "\ud800".encode(
        "utf-8", "surrogatepass").decode("utf-8", "replace"), "On Mon, 1 Jan 2027 wrote:",
     "> >>> quoted", "-----Original Message-----", "From: x@y\nSent: 1 Jan 2027 10:00"])


def _encoded_word(charset: str, data: bytes, b64: bool) -> bytes:
    import base64
    import quopri

    body = base64.b64encode(data) if b64 else quopri.encodestring(data, header=True)
    return b"=?" + charset.encode() + (b"?B?" if b64 else b"?Q?") + body + b"?="


header_values = st.one_of(
    st.binary(max_size=60),
    nasty_text.map(lambda s: s.encode("utf-8")),
    st.builds(_encoded_word, st.sampled_from(CHARSETS), st.binary(max_size=30), st.booleans()),
    st.builds(lambda n, a: n.encode() + b" <" + a.encode() + b">", nasty_text,
              st.emails().map(str)),
    st.builds(lambda cs, raw: b"attachment; filename*=" + cs.encode() + b"''" + b"".join(
        b"%%%02X" % c for c in raw), st.sampled_from(CHARSETS), st.binary(max_size=20)),
    st.builds(lambda sub, b: b"multipart/" + sub.encode() + b"; boundary=" + b,
              st.sampled_from(["mixed", "alternative", "related", "report"]),
              st.sampled_from([b"x", b'"b=1"', b"", b'"unterminated'])),
)
header_lines = st.lists(st.tuples(st.sampled_from(FIELDS) | st.text(max_size=10),
                                  header_values), max_size=12).map(
    lambda pairs: b"".join(n.encode("utf-8", "replace") + b": " + v + b"\r\n" for n, v in pairs))


def _multipart(parts: list[bytes], boundary: bytes) -> bytes:
    return (b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n"
            + b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts)
            + b"--" + boundary + b"--\r\n")


leaf = st.builds(lambda h, body: h + b"\r\n" + body, header_lines, st.binary(max_size=300)
                 | nasty_text.map(lambda s: s.encode("utf-8")))
mime = st.recursive(leaf, lambda inner: st.builds(
    _multipart, st.lists(inner, max_size=4), st.sampled_from([b"b1", b"b2", b"=_x"])),
    max_leaves=8)
messages = st.builds(lambda h, m: b"From: Warga <warga@example.id>\r\n" + h + m, header_lines,
                     mime)


def _mutate(data: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    buf = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        op = rng.randrange(4)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[min(pos, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:
            buf[pos:pos] = rng.choice([b"\x00", b"\r\n", b"=?utf-8?q?", b"\xff\xfe", b"--",
                                       b"\n\n", b"Content-Type: multipart/mixed\n", b">"])
        elif op == 2:
            del buf[pos:pos + rng.randint(1, 200)]
        else:
            buf = buf[:pos]
    return bytes(buf)


mutated_fixtures = st.builds(lambda path, seed: _mutate(path.read_bytes(), seed),
                             st.sampled_from(FIXTURES), st.integers(0, 2**32))
any_input = st.one_of(messages, mutated_fixtures, st.binary(max_size=2000))


def _check(parsed) -> None:
    for text in (parsed.subject, parsed.from_name, parsed.text, parsed.new_text,
                 parsed.html_sanitized or "", *(a.filename for a in parsed.attachments)):
        text.encode("utf-8")  # no lone surrogates: storable in PostgreSQL, showable
    for name in (parsed.subject, parsed.from_name, *(a.filename for a in parsed.attachments)):
        assert not BIDI & set(name), name
        assert "\x00" not in name
    assert parsed.auto.kind in KINDS
    assert parsed.message_id.startswith("<")


@SETTINGS
@given(raw=any_input)
def test_parse_message_never_raises_anything_but_mail_parse_error(raw: bytes) -> None:
    try:
        parsed = parse_message(raw, budget_seconds=20)
    except MailParseTimeout:
        TALLY["timeout"] += 1
        raise
    except MailParseError:
        TALLY["not a mail"] += 1
        return
    TALLY[parsed.auto.kind] += 1
    _check(parsed)


quote_lines = st.lists(st.one_of(
    nasty_text, st.sampled_from(["", ">", "> quoted", ">> deeper", "Terima kasih.",
                                 "Pada Sen, 4 Jan 2027 pukul 09.00 Budi <b@x.id> menulis:",
                                 "From: a@b.id", "Sent: Monday, 4 January 2027 09:00",
                                 "Subject: x", "---- Budi wrote ----", "____________"])),
    max_size=30)


@SETTINGS
@given(lines=quote_lines)
def test_quote_stripping_only_removes_whole_lines_in_order(lines: list[str]) -> None:
    text = "\n".join(lines)
    result = strip_quoted_text(text)
    if text.strip():
        assert result.strip()
    source = list(text.replace("\r\n", "\n").split("\n"))
    it = iter(source)
    for line in result.split("\n"):
        assert any(line.strip() == src.strip() or line.strip() in src for src in it), line


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    if TALLY:
        print(f"\nmail parser fuzz: {sum(TALLY.values())} inputs, "
              + ", ".join(f"{k} {v}" for k, v in sorted(TALLY.items())))
