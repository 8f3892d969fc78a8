"""Admin lists search, sort and page; the calendar page says what the clock uses (issue 16,
item 11)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ..support.staff import staff

T = datetime(2026, 11, 1, tzinfo=UTC)


def names_in(html: str) -> list[str]:
    return re.findall(r'<td data-label="Nama"><a href="[^"]+">([^<]+)</a>', html)


def test_accounts_search_filter_and_sort(admin_client):
    staff(T, name="Zulkifli Staf")
    staff(T, name="Ani Ketua", role="ketua_tim")
    staff(T, name="Budi Lain", unit="KELEMBAGAAN")
    html = admin_client.get("/admin/akun?q=zulkifli").get_data(as_text=True)
    assert names_in(html) == ["Zulkifli Staf"]
    html = admin_client.get("/admin/akun?peran=ketua_tim").get_data(as_text=True)
    assert names_in(html) == ["Ani Ketua"]
    ascending = names_in(admin_client.get("/admin/akun?urut=nama").get_data(as_text=True))
    descending = names_in(admin_client.get("/admin/akun?urut=-nama").get_data(as_text=True))
    assert ascending == sorted(ascending) and descending == ascending[::-1]
    assert 'aria-sort="descending"' in admin_client.get("/admin/akun?urut=-nama").get_data(
        as_text=True)
    # an unknown sort key falls back to the default, never reaching SQL
    assert admin_client.get("/admin/akun?urut=password_hash").status_code == 200
    assert "Tidak ada akun yang cocok." in admin_client.get("/admin/akun?q=tidakada").get_data(
        as_text=True)


def test_routing_rules_are_paginated_and_searchable(admin_client):
    from ticketing.services.routing_rules import seed_rules

    seed_rules(T)
    first = admin_client.get("/admin/surel/aturan-rute").get_data(as_text=True)
    assert first.count('data-label="Frasa"') <= 50 and "Berikutnya" in first
    only = admin_client.get("/admin/surel/aturan-rute?q=halal&bidang=PUMK").get_data(
        as_text=True)
    phrases = re.findall(r'<td data-label="Frasa">([^<]+)</td>', only)
    assert phrases and all("halal" in p for p in phrases)


def test_the_calendar_shows_closed_days_plainly_and_the_holidays_in_use(admin_client):
    html = admin_client.get("/admin/kalender/").get_data(as_text=True)
    assert 'placeholder="07.30"' not in html  # no fake hours on closed days
    assert html.count("tutup (hari libur)") == 2  # Saturday and Sunday
    assert "Libur nasional dan cuti bersama" in html
    assert "Hari Raya Natal" in html or "Natal" in html
    assert re.search(r"Jumat, 25 Desember 2026", html)


def test_the_pager_keeps_the_search_and_filters(admin_client):
    for n in range(55):
        staff(T, name=f"Petugas Uji {n:02d}")
    html = admin_client.get("/admin/akun?peran=staf&urut=-nama").get_data(as_text=True)
    following = re.search(r'<a class="button button-small" rel="next" href="([^"]+)"', html)
    link = following.group(1).replace("&amp;", "&")
    assert "peran=staf" in link and "urut=-nama" in link and "hal=2" in link
    second = admin_client.get(link).get_data(as_text=True)
    assert 'rel="prev"' in second and "Halaman 2 dari 2" in second
