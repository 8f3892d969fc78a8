"""The browser's console stays quiet on the citizen's, staff's and supervisor's pages: no
error, no warning, no uncaught exception (a header Chromium does not understand, a script
the CSP blocks, a missing file or a broken script shows up here first)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketing.extensions import db
from ticketing.services.canned import seed_canned

from ..factories import gen_ticket
from ..support.staff import staff
from .test_board import PASSWORD, log_in
from .test_ux_paths import _fill_request

# What the browser logs does not depend on the database: one backend is enough.
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]


def _listen(page) -> list[str]:
    noise: list[str] = []
    page.on("console", lambda m: noise.append(f"{m.type}: {m.text} ({page.url})")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: noise.append(f"exception: {exc} ({page.url})"))
    return noise


def _visit(page, live_url: str, *paths: str) -> None:
    for path in paths:
        page.goto(live_url + path)
        page.wait_for_load_state("networkidle")


def _send(page, field: str, text: str, button: str) -> None:
    page.get_by_label(field).fill(text)
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state("networkidle")


def test_the_citizens_pages(app, live_url, phone_page):
    seed_canned(datetime.now(UTC))
    db.session.commit()
    page = phone_page
    noise = _listen(page)
    _visit(page, live_url, "/", "/layanan/sertifikat-halal", "/tanya-jawab", "/kinerja",
           "/lacak", "/lacak/kirim-ulang")
    _fill_request(page, live_url)
    page.get_by_role("button", name="Kirim permohonan").click()
    page.get_by_role("heading", name="Permohonan Anda telah kami terima").wait_for()
    page.get_by_role("link", name="Lihat status permohonan").click()
    _send(page, "Balasan Anda", "Tambahan: usaha saya di Ilir Barat.", "Kirim balasan")
    assert noise == []


def test_the_staff_and_supervisor_pages(app, live_url, desktop_page):
    now = datetime.now(UTC)
    seed_canned(now)
    user = staff(now - timedelta(days=3), "kabid", "PUMK", password=PASSWORD)
    ticket = gen_ticket(now - timedelta(hours=5), subject="Halal keripik",
                        email="warga@example.com")
    page = desktop_page
    noise = _listen(page)
    log_in(page, live_url, user.email)
    _visit(page, live_url, "/staf/antrian", f"/staf/tiket/{ticket.code}", "/staf/triase",
           "/staf/lisan", "/staf/jawaban-siap/", "/staf/pemberitahuan/", "/pengawasan/",
           "/staf/laporan/", "/akun")
    page.goto(f"{live_url}/staf/tiket/{ticket.code}")
    _send(page, "Jawaban untuk pemohon", "Syaratnya NIB dan daftar bahan.", "Kirim jawaban")
    assert noise == []


def test_the_admin_pages_and_english(app, live_url, desktop_page):
    now = datetime.now(UTC)
    user = staff(now - timedelta(days=3), "admin", None, password=PASSWORD)
    page = desktop_page
    noise = _listen(page)
    log_in(page, live_url, user.email)
    _visit(page, live_url, "/admin/", "/admin/akun", "/admin/akun/baru", "/admin/layanan/",
           "/admin/surel/", "/admin/surel/aturan-rute", "/admin/kotak-keluar/",
           "/admin/data-pribadi/", "/admin/whatsapp/", "/admin/kalender/",
           "/staf/laporan/tindak-lanjut/", "/staf/survei")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state("networkidle")
    _visit(page, live_url, "/", "/permohonan", "/kinerja")
    assert noise == []
