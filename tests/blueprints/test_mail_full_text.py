"""A mail reply shows only its new text, and staff can always expand the whole original
(quotes included) on the ticket page and in the staff API; the public API never has it."""

from __future__ import annotations

import pytest

from ticketing.services.mail_ingest import ingest_raw

from ..support.mail import build_mail, mail_app  # noqa: F401 - fixture
from ..support.staff import bearer, login, staff

REPLY = ("Sudah saya lengkapi, Bu.\n\nPada Sen, 30 Nov 2026 pukul 09.00 Layanan "
         "<layanan@example.id> menulis:\n> Mohon lengkapi NIB usaha Anda.\n> Terima kasih.")


@pytest.mark.usefixtures("mail_app")
def test_staff_see_the_full_original_and_the_public_does_not(client, now):
    result = ingest_raw(build_mail(subject="Tanya halal keripik", body=REPLY), now,
                        source="imap")
    user = staff(now, role="kepala_dinas", unit=None)  # sees every unit and triage
    detail = client.get(f"/api/v1/tickets/{result.ticket}", headers=bearer(user, now))
    assert detail.status_code == 200, detail.get_json()
    [message] = detail.get_json()["messages"]
    assert message["body_text"] == "Sudah saya lengkapi, Bu."
    assert "Mohon lengkapi NIB usaha Anda." in message["full_text"]
    login(client, user)
    response = client.get(f"/staf/tiket/{result.ticket}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Tampilkan teks asli lengkap" in page and "Mohon lengkapi NIB usaha Anda." in page
