"""Plain functions over webhook JSON: signatures, subjects, commands (no app needed)."""

from __future__ import annotations

from ticketing.whatsapp import payload


def test_signature_is_checked_against_the_raw_bytes():
    raw = b'{"object":"whatsapp_business_account"}'
    header = payload.sign(raw, "secret")
    assert payload.signature_ok(raw, header, "secret")
    assert payload.signature_ok(raw, header.upper().replace("SHA256=", "sha256="), "secret")
    assert not payload.signature_ok(raw + b" ", header, "secret")
    assert not payload.signature_ok(raw, header, "other")
    assert not payload.signature_ok(raw, None, "secret")
    assert not payload.signature_ok(raw, header[7:], "secret")  # no "sha256=" prefix


def test_subject_skips_greetings_and_media_placeholders():
    assert payload.subject_from(["halo", "selamat pagi kak", "mau tanya",
                                 "syarat halal apa?"]) == "syarat halal apa?"
    assert payload.subject_from(["[gambar]", "ini NIB saya"]) == "ini NIB saya"
    assert payload.subject_from(["[gambar] foto NIB"]) == "foto NIB"
    assert payload.subject_from(["halo"]) == "halo"
    assert payload.subject_from([]) == "Pesan WhatsApp"


def test_commands_and_tracking_requests():
    assert payload.command("BERHENTI") == "stop" and payload.command(" stop. ") == "stop"
    assert payload.command("Mulai") == "start"
    assert payload.command("berhenti kirim pesan promosi ya") is None
    assert payload.track_request("LACAK 7kq4m9xd k=abc") == ("7KQ4-M9XD", "abc")
    assert payload.track_request("lacak 7KQ4-M9XD") == ("7KQ4-M9XD", None)
    assert payload.track_request("lacak paket saya") is None
