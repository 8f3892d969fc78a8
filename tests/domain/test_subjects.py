"""A subject for a request that came without one (domain.subjects): what staff read in the
queue for a WhatsApp message, or a mail sent with an empty subject."""

from __future__ import annotations

import pytest

from ticketing.domain.subjects import LIMIT, says_nothing, subject_from

LETTER = """Kepada Yth.
Kepala Dinas Koperasi dan UKM Kota Palembang
di Tempat

Dengan hormat,
Kami pengurus Koperasi Maju Bersama ingin menanyakan syarat rekomendasi izin.

Terima kasih."""


@pytest.mark.parametrize(("text", "subject"), [
    # a letter's address block and salutation say nothing
    (LETTER, "Kami pengurus Koperasi Maju Bersama ingin menanyakan syarat rekomendasi izin."),
    # its "Perihal:" line is its subject, wherever it sits above the body
    (("Nomor : 12/KOP/XII/2026\nLampiran : 1 berkas\nPerihal : Permohonan rekomendasi izin "
      "koperasi\n\n" + LETTER), "Permohonan rekomendasi izin koperasi"),
    ("Hal: info HKI merek\nYth. Bapak/Ibu", "info HKI merek"),
    # place and date, salutations in several forms
    ("Palembang, 7 Desember 2026\n\nYth. Bapak/Ibu\nSaya mau tanya HKI merek",
     "Saya mau tanya HKI merek"),
    ("Assalamualaikum wr. wb.\nBapak/Ibu yang terhormat,\nbagaimana cara daftar merek?",
     "bagaimana cara daftar merek?"),
    (("Assalamu'alaikum warahmatullahi wabarakatuh\nSelamat siang Bapak/Ibu,\n"
      "Sertifikat halal saya belum keluar"), "Sertifikat halal saya belum keluar"),
    ("Yth Admin,\nsaya mau daftar", "saya mau daftar"),
    ("Dengan hormat,\n\nKami dari Koperasi Maju Jaya", "Kami dari Koperasi Maju Jaya"),
    # a question that begins like a frame line is still a question
    ("Di mana kantornya?", "Di mana kantornya?"),
    ("halo\nselamat pagi kak\nmau tanya\nsyarat halal apa?", "syarat halal apa?"),
    ("[gambar]\nini NIB saya", "ini NIB saya"),
])
def test_the_first_line_that_says_something(text, subject):
    assert subject_from([text]) == subject


def test_nothing_to_say_gives_the_first_line_or_the_default():
    assert subject_from(["halo"]) == "halo"
    assert subject_from(["Sent from my iPhone"]) == "Sent from my iPhone"
    assert subject_from(["Sent from my iPhone"], or_first_line=False) == ""
    assert subject_from(["Dengan hormat,\nYth. Bapak"], "x", or_first_line=False) == "x"
    assert subject_from([], "Pesan WhatsApp") == "Pesan WhatsApp"
    assert subject_from(["  \n \n"], "d") == "d"


def test_a_long_line_is_clipped_to_one_line_of_the_queue():
    subject = subject_from(["kata " * 100])
    assert len(subject) == LIMIT and subject.endswith("…")


@pytest.mark.parametrize("subject", ["", "   ", "Fwd:", "Re: ", "RE: Fwd: ", "Fw[2]: ",
                                     "Bls:", "(no subject)", "Tanpa Subjek", "[No Subject]",
                                     "Halo min", "Selamat pagi", "Mau tanya",
                                     "Re: Assalamualaikum"])
def test_subjects_that_say_nothing(subject):
    assert says_nothing(subject)


@pytest.mark.parametrize("subject", ["Re: halal", "Fwd: rekomendasi izin", "Tanya", "RE",
                                     "Pertanyaan tanpa subjek lain"])
def test_subjects_that_say_something(subject):
    assert not says_nothing(subject)


def test_a_taken_subject_carries_no_bidi_controls():
    assert subject_from(["Halo\n\u202eHalal\u202c keripik"]) == "Halal keripik"


#: lines and subjects a backtracking pattern would take hours over (the quadratic version took
#: 2 s on 16,000 characters; a million would take over two hours)
PATHOLOGICAL = """
from ticketing.domain.subjects import says_nothing, subject_from
for text in ("halo" + " " * 1_000_000 + "x", "bapak yang terhormat" + "," * 1_000_000 + "x",
             "Palembang" + " ." * 500_000, "di " + "a" * 1_000_000 + " x"):
    subject_from([text])
for subject in ("re:re" + " " * 1_000_000 + "x", "Fwd" + " " * 1_000_000,
                " " * 500_000 + "no subject" + " " * 500_000 + "x"):
    says_nothing(subject)
"""


def test_a_megabyte_line_or_subject_is_read_in_linear_time():
    """Mail text has no length limit before these rules. A regular expression holds the GIL,
    so a worker stuck in one cannot even be timed out from a thread: another process runs
    them, and is stopped if it is still going after a generous bound."""
    import subprocess
    import sys
    from pathlib import Path

    subprocess.run([sys.executable, "-c", PATHOLOGICAL], check=True, timeout=60,
                   cwd=Path(__file__).resolve().parents[2])
