"""The keyword rule for the type of a request that came by mail."""

from __future__ import annotations

import pytest

from ticketing.domain.request_type import guess_request_type


@pytest.mark.parametrize(("subject", "body", "kind"), [
    ("Pengaduan pelayanan", "", "pengaduan"),
    ("Tanya", "Saya ingin menyampaikan keluhan tentang petugas.", "pengaduan"),
    ("Tanya", "Keluhannya sudah tiga kali saya sampaikan.", "pengaduan"),  # -nya
    ("", "Ada pungutan liar saat mengurus izin.", "pengaduan"),
    ("Kritik dan saran", "", "saran"),
    ("Usulan", "Usul saya jam layanan diperpanjang.", "saran"),
    ("Keluhan dan saran", "", "pengaduan"),  # a complaint word wins
    ("Sertifikat halal", "Bagaimana caranya?", "informasi"),
    ("Sarana kantor", "Di mana parkir?", "informasi"),  # whole words: not "saran"
    ("", "", "informasi"),
])
def test_guess_request_type(subject, body, kind):
    assert guess_request_type(subject, body) == kind
