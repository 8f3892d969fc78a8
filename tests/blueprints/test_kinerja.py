"""/kinerja and /api/v1/stats count honestly (issue 10): a request still unanswered past its
deadline is late, not nothing; the public figure equals the supervisors' board for the same
data; an IKM needs enough respondents; weeks that have not begun are not plotted."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ticketing.domain.ikm import ELEMENT_KEYS
from ticketing.domain.periods import parse_period
from ticketing.services import facts_report, survey
from ticketing.services import tickets as svc
from ticketing.services.transaction import run

from ..factories import gen_ticket
from ..support.staff import login, staff

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB).astimezone(UTC)


#: Thursday 17 December 2026, 10.00 WIB
NOW = wib(2026, 12, 17, 10, 0)


@pytest.fixture
def december(app):
    """PUMK: three halal questions answered on time, one still unanswered and days late."""
    officer = staff(wib(2026, 11, 1), "staf", "PUMK")
    answered = []
    for day in (7, 8, 9):
        ticket = gen_ticket(wib(2026, 12, day, 9, 0))
        run(svc.reply, ticket, officer, "Syaratnya NIB dan KTP.", "selesai",
            wib(2026, 12, day, 11, 0))
        answered.append(ticket)
    late = gen_ticket(wib(2026, 12, 10, 9, 0), subject="Belum dijawab")  # due Fri 11 Dec
    for ticket in answered[:2]:
        run(survey.submit, ticket, survey.Answers(dict.fromkeys(ELEMENT_KEYS, 4)),
            wib(2026, 12, 14, 9, 0))
    return {"answered": answered, "late": late, "officer": officer}


def test_an_open_overdue_request_counts_as_late_everywhere(client, app, december):
    with time_machine.travel(NOW, tick=False):
        data = client.get("/api/v1/stats?period=2026-12").get_json()
        page = client.get("/kinerja?periode=2026-12").get_data(as_text=True)
        kabid = staff(wib(2026, 11, 1), "kabid", "PUMK")
        login(client, kabid)
        board = client.get("/pengawasan/").get_data(as_text=True)
    pumk = next(u for u in data["units"] if u["unit"] == "PUMK")
    assert (pumk["answered"], pumk["answered_on_time"], pumk["unanswered_late"]) == (3, 3, 1)
    assert pumk["on_time_percent"] == 75.0  # not 100: the late one is not forgotten
    assert data["total"]["on_time_percent"] == 75.0
    assert 'data-testid="on-time">75,0%<' in page
    assert "belum dijawab padahal batas waktunya sudah lewat dihitung terlambat" in page
    # The supervisors' board says the same for the same data.
    sla_table = board[board.index("board-sla"):]
    assert "75%" in sla_table and "100%" not in sla_table


def test_answering_late_keeps_it_late_and_an_answer_in_time_would_not(client, december):
    run(svc.reply, december["late"], december["officer"], "Maaf terlambat: syaratnya NIB.",
        "selesai", wib(2026, 12, 16, 9, 0))
    with time_machine.travel(NOW, tick=False):
        pumk = next(u for u in client.get("/api/v1/stats?period=2026-12").get_json()["units"]
                    if u["unit"] == "PUMK")
    assert (pumk["answered"], pumk["answered_on_time"], pumk["unanswered_late"]) == (4, 3, 0)
    assert pumk["on_time_percent"] == 75.0


def test_a_request_not_yet_due_is_not_counted(client, app):
    gen_ticket(NOW - timedelta(hours=1))
    with time_machine.travel(NOW, tick=False):
        total = client.get("/api/v1/stats?period=2026-12").get_json()["total"]
    assert total["unanswered_late"] == 0 and total["on_time_percent"] is None


def test_an_ikm_needs_enough_respondents(client, app, december):
    with time_machine.travel(NOW, tick=False):
        data = client.get("/api/v1/stats?period=2026-12").get_json()
        page = client.get("/kinerja?periode=2026-12").get_data(as_text=True)
    ikm = data["total"]["ikm"]
    assert ikm["respondents"] == 2 and ikm["minimum_respondents"] == 30
    assert ikm["value"] is None and ikm["label"] == "belum cukup responden"
    assert 'data-testid="ikm"><small>belum cukup responden' in page
    assert "100,00" not in page
    app.config["IKM_MIN_RESPONDENTS"] = 2
    facts_report.forget()
    with time_machine.travel(NOW, tick=False):
        data = client.get("/api/v1/stats?period=2026-12").get_json()
        page = client.get("/kinerja?periode=2026-12").get_data(as_text=True)
    assert data["total"]["ikm"]["value"] == 100.0 and data["total"]["ikm"]["category"] == "A"
    assert 'data-testid="ikm">100,00<' in page


def test_weeks_not_yet_begun_are_not_plotted(app, december):
    period = parse_period("2026-Q4")
    report = facts_report.report(period, NOW)
    mondays = [monday for monday, _ in report.weekly_volume]
    assert mondays[-1] == datetime(2026, 12, 14).date()  # the week of 17 December
    assert [first.month for first, _, _ in report.monthly_attainment] == [10, 11, 12]
    december_row = report.monthly_attainment[-1]
    assert december_row[1:] == (4, 3)  # 3 answered + 1 unanswered late, 3 on time


def test_the_chart_of_the_page_ends_this_week(client, december):
    with time_machine.travel(NOW, tick=False):
        page = client.get("/kinerja?periode=2026-Q4").get_data(as_text=True)
    assert "14 Des" in page and not re.search(r"21 Des|28 Des", page)


def test_unanswered_late_requests_are_counted_in_the_month_they_came_on_the_office_clock(app):
    """Counted by the database per unit, service and month on the office's clock: 1 November
    01.00 WIB is November, though it is still 31 October in UTC."""
    gen_ticket(wib(2026, 10, 30, 9, 0))
    gen_ticket(wib(2026, 10, 31, 23, 0))  # a Saturday evening: 16.00 UTC
    gen_ticket(wib(2026, 11, 1, 1, 0))  # 31 October 18.00 UTC
    gen_ticket(wib(2026, 11, 2, 9, 0), service="hki")
    gen_ticket(wib(2026, 12, 17, 9, 0))  # due 18 December: not late yet at NOW
    report = facts_report.report(parse_period("2026-Q4"), NOW)
    late = {month.month: answered for month, answered, _on_time in report.monthly_attainment}
    assert late == {10: 2, 11: 2, 12: 0}
    assert report.overall.figures.unanswered_late == 4
    pumk = next(g for g in report.units if g.key == "PUMK")
    by_service = {g.key: g.figures.unanswered_late for g in pumk.children}
    assert by_service["sertifikat-halal"] == 3 and by_service["hki"] == 1
