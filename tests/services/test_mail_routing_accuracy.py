"""How well the routing rules (as seeded into the database) send the hand-written corpus's
requests to the right queue, through the whole intake pipeline. Prints the accuracy that
the README reports; fails if a request lands in the *wrong unit* or the accuracy drops."""

from __future__ import annotations

import pytest

from ticketing.mail import parse_message

from ..support.mail import DATA, eml, mail_app, ticket  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("mail_app")

P, K, TRIAGE = "PUMK", "KELEMBAGAAN", None

#: file -> the unit a ketua tim would choose (None: a general question, triage is right)
EXPECTED_UNIT = {
    "gmail_new_request.eml": P,
    "yahoo_request.eml": P,
    "iphone_request.eml": P,
    "outlook_new_request.eml": K,
    "outlook_original_message.eml": K,
    "outlook_pesan_asli.eml": K,
    "mislabelled_charset.eml": K,
    "broken_mime.eml": K,
    "no_message_id.eml": K,
    "forward_nested.eml": K,
    "intake/complaint_pengaduan.eml": K,
    "intake/cooperative_halal.eml": P,  # a cooperative asking about halal: PUMK
    "intake/attachment_refused.eml": P,
    "intake/stranger_guess_code.eml": P,
    "intake/mixed_topics.eml": TRIAGE,  # two topics: a person splits it
    "intake/triage_general.eml": TRIAGE,
    "intake/saran_layanan.eml": TRIAGE,
    "intake/nik_identity.eml": TRIAGE,  # a bare NIK is an identity number
    "intake/routing_bunga_koperasi.eml": K,
    "intake/routing_merek_koperasi.eml": P,  # a cooperative's trademark: PUMK
    "intake/routing_rat_daring.eml": K,
    # Known misses: no strong keyword, so they wait in triage (safe, but slower).
    "intake/routing_iumk.eml": P,
    "intake/routing_pelatihan.eml": P,
    "intake/routing_kur.eml": P,
}


def test_every_listed_file_exists_and_parses():
    for name in EXPECTED_UNIT:
        parsed = parse_message((DATA / name).read_bytes())
        assert parsed.from_email and parsed.auto.kind == "normal", name
    listed = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*.eml")}
    noise = {"bounce_dsn_own.eml", "bounce_exchange_headers_only.eml", "newsletter_bulk.eml",
             "ooo_gmail_english.eml", "ooo_outlook_indonesian.eml", "ooo_subject_only.eml",
             "intake/noreply_sender.eml"}
    # replies to tickets: follow-ups, not routed
    replies = {"gmail_reply_quoted.eml", "gmail_html_only_reply.eml", "iphone_reply.eml",
               "outlook_reply_indonesian.eml"}
    # noise/ has its own table (tests/services/test_mail_noise.py)
    noise |= {name for name in listed if name.startswith("noise/")}
    assert listed == set(EXPECTED_UNIT) | noise | replies  # a new file needs an expectation


def test_routing_accuracy_on_the_hand_written_corpus(now, backend, capsys):
    right, triaged, wrong = [], [], []
    for name, expected in EXPECTED_UNIT.items():
        result = ingest(name, now)
        assert result.action == "created", (name, result)
        t = ticket(result.ticket)
        unit = t.unit.code if t.unit else None
        if unit == expected:
            right.append(name)
        elif unit is None:
            triaged.append(name)
        else:
            wrong.append(f"{name}: {unit} instead of {expected}")
    total = len(EXPECTED_UNIT)
    accuracy = len(right) / total
    with capsys.disabled():
        print(f"\nrouting on the hand-written corpus ({backend}): {len(right)}/{total} right "
              f"({accuracy:.0%}), {len(triaged)} left in triage instead of a unit "
              f"({', '.join(n.split('/')[-1] for n in triaged) or '-'}), {len(wrong)} "
              f"sent to the wrong unit")
    assert not wrong, wrong
    assert sorted(triaged) == ["intake/routing_iumk.eml", "intake/routing_kur.eml",
                               "intake/routing_pelatihan.eml"]
    assert accuracy >= 0.85


def ingest(name: str, now):
    from ticketing.services.mail_ingest import ingest_raw

    return ingest_raw(eml(name), now, source="file")
