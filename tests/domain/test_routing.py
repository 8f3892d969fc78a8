"""Tests for ticketing.domain.routing (keyword routing to PUMK / KELEMBAGAAN)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketing.domain.routing import (
    DEFAULT_RULES,
    KELEMBAGAAN,
    PUMK,
    Rule,
    normalize_text,
    route,
)
from ticketing.mail import parse_message

DATA = Path(__file__).resolve().parents[1] / "data" / "mail"


@pytest.mark.parametrize(
    ("subject", "body", "unit"),
    [
        # PUMK: halal certification
        ("Permohonan sertifikat halal", "Mohon info syarat sertifikat halal untuk keripik.", PUMK),
        ("Tanya", "Bagaimana cara daftar akun SIHALAL dan ikut program SEHATI self-declare?", PUMK),
        ("Pendamping", "Apakah ada pendamping PPH atau P3H di Kecamatan Sukarami?", PUMK),
        ("", "Kapan jadwal verifikasi dari LPH dan BPJPH?", PUMK),
        # PUMK: intellectual property
        ("Pendaftaran merek", "Saya ingin mendaftarkan merek dagang usaha saya.", PUMK),
        ("HAKI", "Mohon fasilitasi hak cipta motif songket ke DJKI.", PUMK),
        ("", "Bagaimana cek status permohonan di PDKI untuk desain industri?", PUMK),
        # KELEMBAGAAN
        ("NIK koperasi", "Koperasi kami belum punya NIK koperasi di ODS.", KELEMBAGAAN),
        ("Jadwal RAT", "Rapat anggota tahunan akan kami laksanakan bulan Maret.", KELEMBAGAAN),
        ("Izin USP", "Mohon rekomendasi izin usaha simpan pinjam untuk KSP kami.", KELEMBAGAAN),
        ("Tanya", "Bagaimana aturan bunga simpan pinjam di KSP?", KELEMBAGAAN),
        ("Akta", "Syarat akta pendirian dan pengesahan badan hukum koperasi di AHU?", KELEMBAGAAN),
        ("Pembubaran koperasi", "Anggota sepakat membubarkan koperasi.", KELEMBAGAAN),
        ("SHU", "Bagaimana pembagian sisa hasil usaha menurut anggaran dasar?", KELEMBAGAAN),
        # The word "koperasi" alone is enough for the cooperative unit.
        ("Pertanyaan", "Saya ingin bertanya tentang koperasi kami.", KELEMBAGAAN),
        # Inflected form "koperasinya".
        ("Pertanyaan", "Bagaimana cara mengaktifkan kembali koperasinya?", KELEMBAGAAN),
    ],
)
def test_route_examples(subject: str, body: str, unit: str) -> None:
    decision = route(subject, body)
    assert decision.unit == unit, decision
    assert decision.reason.startswith("kata kunci: ")


def test_cooperative_asking_about_halal_goes_to_pumk() -> None:
    decision = route(
        "Permohonan bantuan",
        "Koperasi kami (KSU Maju Bersama) ingin mengurus sertifikat halal untuk produk "
        "anggota koperasi.",
    )
    assert decision.unit == PUMK
    assert decision.matched[PUMK] == ["sertifikat halal"]


def test_savings_and_loan_cooperative_signature_does_not_outweigh_halal() -> None:
    decision = route(
        "Sertifikasi halal produk anggota",
        "Mohon informasi sertifikasi halal.\n\nHormat kami,\nPengurus KSP Sejahtera Bersama",
    )
    assert decision.unit == PUMK, decision


def test_cooperative_asking_about_trademark_goes_to_pumk() -> None:
    decision = route(
        "Koperasi ingin daftar merek", "Pengurus koperasi ingin mendaftarkan merek kopi koperasi."
    )
    assert decision.unit == PUMK, decision


def test_bare_nik_is_an_identity_number_not_a_cooperative() -> None:
    decision = route("Data diri", "Berikut NIK saya 1671012345678901 dan nomor HP.")
    assert decision.unit is None
    assert decision.score_by_unit[KELEMBAGAAN] == 0
    # ... while "NIK koperasi" is the cooperative's registration number.
    assert route("", "Kami belum punya NIK koperasi.").unit == KELEMBAGAAN


def test_pph_alone_is_income_tax_not_halal() -> None:
    assert route("", "Apakah UMKM wajib bayar PPh final 0,5%?").unit is None
    assert route("", "Kami butuh pendamping PPH.").unit == PUMK


def test_office_name_in_greeting_or_signature_does_not_count() -> None:
    decision = route(
        "Permohonan", "Yth. Kepala Dinas Koperasi dan UKM Kota Palembang, mohon informasinya."
    )
    assert decision.unit is None
    assert decision.score_by_unit == {KELEMBAGAAN: 0.0, PUMK: 0.0}
    assert decision.reason == "tidak ada kata kunci yang dikenali; perlu dipilah manual"


def test_no_keywords_goes_to_triage() -> None:
    decision = route("Halo", "Selamat siang, saya mau bertanya jam buka kantor.")
    assert decision.unit is None
    assert "perlu dipilah manual" in decision.reason


def test_mixed_topics_go_to_triage_with_both_units_in_reason() -> None:
    decision = route("", "Kami ingin daftar sertifikat halal dan juga menyiapkan RAT tahun ini.")
    assert decision.unit is None
    assert PUMK in decision.reason and KELEMBAGAAN in decision.reason
    assert decision.score_by_unit[PUMK] > 0 and decision.score_by_unit[KELEMBAGAAN] > 0


def test_subject_weighs_more_than_body() -> None:
    decision = route("Sertifikat halal", "Kami juga akan menyiapkan RAT.")
    assert decision.unit == PUMK
    assert decision.score_by_unit[PUMK] == 2 * decision.score_by_unit[KELEMBAGAAN]


def test_weak_match_below_threshold() -> None:
    decision = route("", "Produk UMKM saya ingin dipasarkan.")
    assert decision.unit is None
    assert decision.reason.startswith("kata kunci terlalu lemah")


def test_longest_phrase_consumes_its_words() -> None:
    decision = route("", "Kami mengajukan rekomendasi izin usaha simpan pinjam.")
    assert decision.unit == KELEMBAGAAN
    # "simpan pinjam" is not counted again inside "izin usaha simpan pinjam".
    assert "simpan pinjam" not in decision.matched[KELEMBAGAAN]
    assert "izin usaha simpan pinjam" in decision.matched[KELEMBAGAAN]


def test_reason_lists_keywords_in_plain_words() -> None:
    decision = route("Sertifikat halal dan merek", "")
    assert decision.unit == PUMK
    assert decision.reason == "kata kunci: sertifikat halal, merek"


def test_case_and_punctuation_insensitive_whole_words() -> None:
    assert route("", "SERTIFIKAT-HALAL!!!").unit == PUMK
    # "merekam" (to record) is not "merek"; "ratus" is not "RAT".
    assert route("", "Kami merekam video seratus ratus kali.").unit is None


def test_custom_rules() -> None:
    rules = [Rule("X", "pelatihan", 3), Rule("Y", "pameran", 3)]
    assert route("", "Info pelatihan digital", rules).unit == "X"
    assert route("", "Info pameran", rules).unit == "Y"
    assert route("", "Info pelatihan dan pameran", rules).unit is None


def test_normalize_text() -> None:
    assert normalize_text("Koperasinya SELF-DECLARE, café!") == [
        "koperasi",
        "self",
        "declare",
        "cafe",
    ]


def test_default_rules_have_both_units_and_neutral_masks() -> None:
    units = {r.unit for r in DEFAULT_RULES}
    assert units == {PUMK, KELEMBAGAAN, None}
    phrases = {r.phrase for r in DEFAULT_RULES}
    for phrase in (
        "halal",
        "sertifikat halal",
        "sehati",
        "self declare",
        "sihalal",
        "bpjph",
        "lph",
        "pendamping pph",
        "p3h",
        "label halal",
        "merek",
        "hki",
        "haki",
        "djki",
        "hak cipta",
        "desain industri",
        "pdki",
        "paten",
        "koperasi",
        "ksp",
        "usp",
        "simpan pinjam",
        "rat",
        "rapat anggota tahunan",
        "nik koperasi",
        "ods",
        "online data system",
        "anggaran dasar",
        "akta pendirian",
        "badan hukum",
        "ahu",
        "pengurus",
        "pengawas",
        "shu",
        "pembubaran",
        "rekomendasi izin",
        "izin usaha simpan pinjam",
    ):
        assert phrase in phrases, phrase
    assert "nik" not in phrases and "pph" not in phrases


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("gmail_new_request.eml", PUMK),
        ("gmail_reply_quoted.eml", PUMK),
        ("yahoo_request.eml", PUMK),
        ("iphone_request.eml", PUMK),
        ("outlook_new_request.eml", KELEMBAGAAN),
        ("outlook_reply_indonesian.eml", KELEMBAGAAN),
        ("outlook_original_message.eml", KELEMBAGAAN),
        ("outlook_pesan_asli.eml", KELEMBAGAAN),
        ("mislabelled_charset.eml", KELEMBAGAAN),
        ("broken_mime.eml", KELEMBAGAAN),
        ("no_message_id.eml", KELEMBAGAAN),
    ],
)
def test_route_hand_written_corpus(name: str, unit: str) -> None:
    parsed = parse_message((DATA / name).read_bytes())
    assert route(parsed.subject, parsed.new_text).unit == unit
