"""The Message-ID a stored mail carries before it is parsed (mail_ingest._peek_message_id):
read from the header block only, never from the body, with the parser's fallback."""

from __future__ import annotations

import hashlib

import pytest

from ticketing.services.mail_ingest import _peek_message_id


def _fallback(raw: bytes) -> str:
    return f"<{hashlib.sha256(raw).hexdigest()[:32]}@generated.invalid>"


@pytest.mark.parametrize(("raw", "expected"), [
    (b"From: a@example.com\r\nMessage-ID: <satu@example.com>\r\n\r\nIsi.\r\n",
     "<satu@example.com>"),
    # folded over two lines, LF line ends, a large body after it
    (b"Subject: x\nMessage-Id:\n <dua@example.com>\n\n" + b"isi panjang\n" * 200_000,
     "<dua@example.com>"),
    # headers and no body at all
    (b"From: a@example.com\r\nMessage-ID: <tiga@example.com>\r\n", "<tiga@example.com>"),
])
def test_the_message_id_comes_from_the_headers(raw, expected):
    assert _peek_message_id(raw) == expected


def test_a_message_id_in_the_body_is_not_taken():
    raw = (b"From: a@example.com\r\nSubject: tanpa id\r\n\r\n"
           b"Message-ID: <palsu@example.com>\r\n")
    assert _peek_message_id(raw) == _fallback(raw)
