"""Quote stripping over the fixture table in tests/data/mail/quotes/cases.txt: every marker
family (many languages, plain and HTML). Printed as a rate, like the routing accuracy; the
table must stay at 90% exact or better, and no case may lose the sender's own words."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from ticketing.mail import parse_message

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "mail" / "quotes" / "cases.txt"
MIN_EXACT = 0.90


def load_cases() -> list[tuple[str, str, str, str]]:
    """(name, kind, body, expected) from the table."""
    cases = []
    text = CASES_FILE.read_text(encoding="utf-8")
    for block in text.split("\n=== ")[1:]:
        head, rest = block.split("\n", 1)
        name, kind = (part.strip() for part in head.split("|"))
        body, expected = rest.split("\n--- expected\n", 1)
        cases.append((name, kind, body.rstrip("\n"), expected.strip("\n")))
    return cases


CASES = load_cases()


def as_mail(kind: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Warga <warga@example.id>"
    msg["To"] = "layanan@example.id"
    msg["Subject"] = "Re: Permohonan"
    msg["Message-ID"] = "<quote-case@example.id>"
    msg.set_content(body, subtype="plain" if kind == "plain" else "html", charset="utf-8")
    return msg.as_bytes()


def test_the_table_covers_every_marker_family() -> None:
    names = {name.split("_", 1)[0] for name, *_ in CASES}
    for family in ("en", "gmail", "android", "outlook", "id", "fr", "de", "da", "nl", "sv",
                   "no", "pl", "it", "pt", "ru", "fi", "vi", "html"):
        assert family in names, family
    assert len(CASES) >= 60


def test_quote_stripping_rate(capsys: pytest.CaptureFixture[str]) -> None:
    exact, lost, wrong = 0, [], []
    for name, kind, body, expected in CASES:
        got = parse_message(as_mail(kind, body)).new_text
        if got == expected:
            exact += 1
            continue
        wrong.append(name)
        # Never lose the sender's words: every line of the expected text must still be there.
        if any(line.strip() and line.strip() not in got for line in expected.split("\n")):
            lost.append(name)
    rate = exact / len(CASES)
    with capsys.disabled():
        print(f"\nquote stripping: {exact}/{len(CASES)} exact new text ({rate:.0%}); "
              f"{len(lost)} lost own words" + (f"; differ: {', '.join(wrong)}" if wrong else ""))
    assert not lost, f"own words lost in {lost}"
    assert rate >= MIN_EXACT
