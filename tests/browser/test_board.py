"""The supervisors' board in real Chromium: log in, see what is late, follow a row, and watch
the page refresh itself (a static script, since the CSP forbids inline ones)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketing.extensions import db
from ticketing.services.sla import run_sla_check

from ..factories import gen_ticket
from ..support.staff import staff

pytestmark = pytest.mark.browser
PASSWORD = "papan-pengawasan-1"


def log_in(page, live_url: str, email: str) -> None:
    page.goto(live_url + "/masuk")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


def test_ketua_tim_sees_late_work_follows_a_row_and_the_board_refreshes(
        app, desktop_page, live_url):
    now = datetime.now(UTC)
    ketua = staff(now - timedelta(days=30), "ketua_tim", "PUMK", password=PASSWORD)
    budi = staff(now - timedelta(days=30), "staf", "PUMK", name="Budi Santoso")
    late = gen_ticket(now - timedelta(days=10), subject="Pempek belum dijawab")
    late.assignee = budi
    other_unit = gen_ticket(now - timedelta(days=10), service="rekomendasi-izin-koperasi",
                            subject="Koperasi milik bidang lain")
    db.session.commit()
    run_sla_check(now)
    app.config["BOARD_REFRESH_SECONDS"] = 2

    page = desktop_page
    # each board document this tab loads counts itself (sessionStorage outlives a reload)
    page.add_init_script("if (location.pathname.startsWith('/pengawasan')) sessionStorage"
                         ".setItem('boards', String(Number(sessionStorage.getItem('boards'))"
                         " + 1));")
    log_in(page, live_url, ketua.email)
    page.goto(live_url + "/pengawasan/")
    # The page reloads itself after 2 s: a new document, rendered by then with a refresh too
    # long to come back while the test reads it (a reload in the middle of a read destroys
    # what the read runs in). A slow machine may see a few 2 s reloads first.
    app.config["BOARD_REFRESH_SECONDS"] = 600
    page.wait_for_function("() => Number(sessionStorage.getItem('boards')) >= 2 && document"
                           ".querySelector('[data-refresh-seconds]')?.dataset.refreshSeconds"
                           " === '600'", timeout=20000)
    assert page.get_by_role("heading", name="Papan pengawasan · Bidang PUMK").is_visible()
    row = page.locator(f'tr[data-code="{late.code}"]')
    assert row.is_visible()
    assert "Eskalasi 2" in row.inner_text() and "terlambat" in row.inner_text()
    assert page.get_by_role("heading", name="Budi Santoso").is_visible()
    assert page.locator(f'tr[data-code="{other_unit.code}"]').count() == 0
    assert page.get_by_test_id("overdue-PUMK").inner_text() == "1 terlambat"

    row.get_by_role("link", name=late.code).click()
    page.wait_for_url(f"**/staf/tiket/{late.code}")
    assert late.code in page.content()


def test_board_fits_a_phone(app, phone_page, live_url):
    now = datetime.now(UTC)
    kabid = staff(now - timedelta(days=30), "kabid", "KELEMBAGAAN", password=PASSWORD)
    for i in range(3):
        gen_ticket(now - timedelta(days=10), service="rekomendasi-izin-koperasi",
                   subject=f"Permohonan koperasi nomor {i} dengan perihal yang cukup panjang")
    run_sla_check(now)
    page = phone_page
    log_in(page, live_url, kabid.email)
    page.goto(live_url + "/pengawasan/")
    assert page.locator("tr[data-code]").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_queue_cards_on_a_phone_label_each_cell_but_the_pick_box(app, phone_page, live_url):
    """Stacked as cards on a phone, each cell shows its column's name before it; the pick
    box has no column name, and once showed a stray ": " there."""
    now = datetime.now(UTC)
    kabid = staff(now - timedelta(days=30), "kabid", "PUMK", password=PASSWORD)
    gen_ticket(now - timedelta(hours=2))
    page = phone_page
    log_in(page, live_url, kabid.email)
    page.goto(live_url + "/staf/antrian")
    before = "(el) => getComputedStyle(el, '::before').content"
    row = page.locator("table.queue tbody tr").first
    assert row.locator("td.pick").evaluate(before) == "none"
    assert row.locator("td[data-label]").first.evaluate(before).endswith(': "')
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
