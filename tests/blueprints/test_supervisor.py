"""The supervisors' board: who sees what, grouping, time late, counts, attainment, paging."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import Ticket, Unit
from ticketing.services.sla import run_sla_check

from ..factories import gen_ticket, say_and_set
from ..support.staff import login, staff

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


EARLY = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def people(app):
    return {
        "staf": staff(EARLY, "staf", "PUMK", name="Budi Santoso"),
        "staf2": staff(EARLY, "staf", "PUMK", name="Ani Wijaya"),
        "ketua": staff(EARLY, "ketua_tim", "PUMK"),
        "kabid": staff(EARLY, "kabid", "PUMK"),
        "ketua_kel": staff(EARLY, "ketua_tim", "KELEMBAGAAN"),
        "kadis": staff(EARLY, "kepala_dinas", None),
        "admin": staff(EARLY, "admin", None),
    }


@pytest.fixture
def work(app, people):
    """Thursday 3 Dec 2026: PUMK has late and due-today tickets, Kelembagaan one late one."""
    tickets = {
        # Due Thu 10.00, unassigned: late by the time we look at 14.00.
        "late_unassigned": gen_ticket(wib(2026, 12, 2, 10, 0), subject="Terlambat tanpa petugas"),
        # Due Wed 3 Dec... received Tue 1 Dec 09.00, due Wed 09.00: late a day and more.
        "very_late": gen_ticket(wib(2026, 12, 1, 9, 0), subject="Sangat terlambat"),
        # Due Thu 15.00, assigned to Budi: due later today.
        "due_today": gen_ticket(wib(2026, 12, 2, 15, 0), subject="Jatuh tempo sore ini"),
        # Due Fri: neither late nor due today.
        "tomorrow": gen_ticket(wib(2026, 12, 3, 11, 0), subject="Besok saja"),
        # Kelembagaan, due Tue 1 Dec: late.
        "kel_late": gen_ticket(wib(2026, 11, 27, 9, 0), service="rekomendasi-izin-koperasi",
                               subject="Koperasi terlambat"),
        # Answered on time this month.
        "answered": gen_ticket(wib(2026, 12, 1, 8, 0), subject="Sudah dijawab"),
    }
    tickets["very_late"].assignee = people["staf"]
    tickets["due_today"].assignee = people["staf"]
    tickets["tomorrow"].assignee = people["staf2"]
    say_and_set(tickets["answered"], "selesai", wib(2026, 12, 1, 10, 0), actor=people["staf"])
    db.session.commit()
    run_sla_check(wib(2026, 12, 3, 13, 0))
    return tickets


def get_board(client, user, **params):
    login(client, user)
    with time_machine.travel(wib(2026, 12, 3, 14, 0), tick=False):
        return client.get("/pengawasan/", query_string=params)


def codes_in(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', html)


def test_ketua_tim_sees_own_units_late_and_due_today_grouped_by_assignee(client, people, work):
    response = get_board(client, people["ketua"])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Unassigned first, then Budi's (late first); not tomorrow's, not Kelembagaan's.
    assert codes_in(html) == [work["late_unassigned"].code, work["very_late"].code,
                              work["due_today"].code]
    assert html.index("Belum ditugaskan") < html.index("Budi Santoso")
    assert "Ani Wijaya" not in html
    assert work["kel_late"].code not in html
    assert f'href="/staf/tiket/{work["very_late"].code}"' in html
    # Wed 09.00 to Thu 14.00 = 1 working day 5 h late; level 2 was sent.
    row = html[html.index(f'data-code="{work["very_late"].code}"'):]
    assert "terlambat 1 hari kerja 5 jam" in row[:1500]
    assert 'data-level="2"' in row[:1500]
    due_row = html[html.index(f'data-code="{work["due_today"].code}"'):]
    assert "sisa 1 jam" in due_row[:1500] and 'data-level="0"' in due_row[:1500]
    assert 'data-testid="overdue-PUMK">2 terlambat' in html
    assert 'data-refresh-seconds="60"' in html
    assert "/static/js/refresh.js" in html
    assert "<script>" not in html  # CSP: no inline script


def test_counts_and_attainment(client, people, work):
    html = get_board(client, people["kabid"]).get_data(as_text=True)
    counts = html[html.index('data-unit="PUMK"'):]
    assert re.search(r'data-status="baru">4<', counts)
    assert re.search(r'data-status="selesai">1<', counts)
    sla_table = html[html.index("board-sla"):]
    # PUMK / Informasi Sertifikasi Halal: 1 on time, 0 late, 2 open late -> 33%.
    assert re.search(r"Tepat waktu[^<]*\">1<", sla_table)
    assert "33%" in sla_table


def test_other_units_board_is_refused(client, people, work):
    assert get_board(client, people["ketua"], bidang="KELEMBAGAAN").status_code == 403
    html = get_board(client, people["ketua_kel"]).get_data(as_text=True)
    assert codes_in(html) == [work["kel_late"].code]
    assert work["very_late"].code not in html


def test_kepala_dinas_sees_both_units(client, people, work):
    html = get_board(client, people["kadis"]).get_data(as_text=True)
    assert set(codes_in(html)) == {work["late_unassigned"].code, work["very_late"].code,
                                   work["due_today"].code, work["kel_late"].code}
    assert 'data-unit="PUMK"' in html and 'data-unit="KELEMBAGAAN"' in html
    only_kel = get_board(client, people["kadis"], bidang="KELEMBAGAAN").get_data(as_text=True)
    assert codes_in(only_kel) == [work["kel_late"].code]


@pytest.mark.parametrize("role", ["staf", "admin"])
def test_staf_and_admin_have_no_board(client, people, role):
    assert get_board(client, people[role]).status_code == 403


def test_login_required(client):
    response = client.get("/pengawasan/")
    assert response.status_code in (302, 401)


def test_long_lists_are_paginated(client, people, app):
    for i in range(30):
        gen_ticket(wib(2026, 12, 1, 9, 0), subject=f"Terlambat {i}")
    first = get_board(client, people["ketua"]).get_data(as_text=True)
    assert len(codes_in(first)) == 25 and "Halaman 1 dari 2" in first
    second = get_board(client, people["ketua"], hal="2").get_data(as_text=True)
    assert len(codes_in(second)) == 5
    assert not set(codes_in(first)) & set(codes_in(second))


def test_transferred_ticket_moves_to_the_new_units_board(client, people, work):
    ticket = db.session.get(Ticket, work["late_unassigned"].id)
    ticket.unit = db.session.scalar(select(Unit).where(Unit.code == "KELEMBAGAAN"))
    ticket.service = None
    db.session.commit()
    html = get_board(client, people["ketua_kel"]).get_data(as_text=True)
    assert ticket.code in codes_in(html)
    assert ticket.code not in codes_in(get_board(client, people["ketua"]).get_data(as_text=True))
