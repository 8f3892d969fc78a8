"""The public transparency page, its CSV and GET /api/v1/stats: figures per unit and service,
and nothing that identifies a citizen."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ticketing.domain.ikm import ELEMENT_KEYS
from ticketing.extensions import db
from ticketing.services import survey
from ticketing.services.transaction import run

from ..factories import gen_ticket, say_and_set

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2027, 1, 20, 10, 0, tzinfo=WIB).astimezone(UTC)
SECRET_WORDS = ("Siti Aminah", "siti@example.com", "Jl. Merpati", "rahasia pribadi")


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB).astimezone(UTC)


@pytest.fixture
def quarter(app):
    """Four requests of 2026-Q4 with known answers, and one survey response. The HKI request
    is still unanswered, long past its deadline: it counts as late (issue 10)."""
    app.config["IKM_MIN_RESPONDENTS"] = 1  # the minimum itself: tests/blueprints/test_kinerja
    halal = gen_ticket(wib(2026, 11, 2, 9, 0), subject="rahasia pribadi 1")
    say_and_set(halal, "selesai", wib(2026, 11, 2, 11, 0))  # 2 office hours, on time
    izin = gen_ticket(wib(2026, 11, 3, 9, 0), service="rekomendasi-izin-koperasi")
    # Tue 3 Nov 09.00 -> Tue 10 Nov 10.00: 7 + 8.5 + 8.5 + 9 + 8.5 + 2.5 = 44 office hours, late
    say_and_set(izin, "selesai", wib(2026, 11, 10, 10, 0))
    gen_ticket(wib(2026, 12, 1, 9, 0), service="hki")  # still open
    triage = gen_ticket(wib(2026, 12, 2, 9, 0), service="pengaduan-umum", type="pengaduan")
    say_and_set(triage, "selesai", wib(2026, 12, 2, 10, 0))  # 1 office hour, on time
    db.session.commit()
    run(survey.submit, halal, survey.Answers(dict.fromkeys(ELEMENT_KEYS, 4),
                                        "Saya Siti Aminah, Jl. Merpati 3"), wib(2026, 11, 5, 9))
    with time_machine.travel(NOW, tick=False):
        yield


def test_stats_api_per_unit_and_service(client, quarter):
    reply = client.get("/api/v1/stats?period=2026-Q4")
    assert reply.status_code == 200
    data = reply.get_json()
    assert (data["period"], data["kind"], data["start"], data["end"]) == (
        "2026-Q4", "quarter", "2026-10-01", "2026-12-31")
    assert data["is_complete"] is True
    units = {u["unit"]: u for u in data["units"]}
    assert set(units) == {"PUMK", "KELEMBAGAAN", None}
    pumk = units["PUMK"]
    assert (pumk["received"], pumk["answered"], pumk["answered_on_time"]) == (2, 1, 1)
    assert pumk["unanswered_late"] == 1 and pumk["on_time_percent"] == 50.0
    assert pumk["average_working_hours"] == 2.0 and pumk["average_working_days"] == 0.24
    assert pumk["ikm"] == {"value": 100.0, "category": "A", "label": "Sangat baik",
                           "respondents": 1, "minimum_respondents": 1}
    services = {s["service"]: s for s in pumk["services"]}
    assert services["sertifikat-halal"]["received"] == 1
    assert services["sertifikat-halal"]["standard_url"].endswith("/layanan/sertifikat-halal")
    assert services["hki"]["received"] == 1 and services["hki"]["answered"] == 0
    assert services["hki"]["on_time_percent"] == 0.0 and services["hki"]["ikm"] is None
    kel = units["KELEMBAGAAN"]
    assert (kel["received"], kel["answered"], kel["answered_on_time"]) == (1, 1, 0)
    assert kel["on_time_percent"] == 0.0 and kel["average_working_hours"] == 44.0
    assert kel["average_working_days"] == 5.18
    assert units[None]["received"] == 1 and units[None]["answered_on_time"] == 1
    total = data["total"]
    assert (total["received"], total["answered"], total["answered_on_time"]) == (4, 3, 2)
    assert total["on_time_percent"] == 50.0 and total["average_working_hours"] == 15.67
    assert set(total) == {"received", "answered", "answered_on_time", "on_time_percent",
                          "average_working_hours", "average_working_days", "ikm", "channels",
                          "unanswered_late"}
    assert total["channels"]["whatsapp"] == 0 and sum(total["channels"].values()) == 4
    text = reply.get_data(as_text=True)
    for word in SECRET_WORDS:
        assert word not in text
    from ticketing.models import Ticket

    for code in db.session.scalars(db.select(Ticket.code)):
        assert code not in text


def test_stats_api_for_a_month(client, quarter):
    data = client.get("/api/v1/stats?period=2026-11").get_json()
    assert data["kind"] == "month" and data["label"] == "November 2026"
    assert data["total"]["received"] == 2 and data["total"]["ikm"]["respondents"] == 1
    december = client.get("/api/v1/stats?period=2026-12").get_json()
    assert december["total"]["received"] == 2 and december["total"]["ikm"] is None


@pytest.mark.parametrize("period, words", [
    ("2026-Q5", "tidak dikenal"), ("", "belum diisi"), ("2026-13", "Bulan 13"),
    ("kuartal", "tidak dikenal"),
])
def test_stats_api_refuses_a_bad_period_clearly(client, quarter, period, words):
    reply = client.get(f"/api/v1/stats?period={period}")
    assert reply.status_code == 422
    message = reply.get_json()["errors"]["period"]
    assert words in message and "2026-Q4" in message


def test_csv_for_open_data_portals(client, quarter):
    reply = client.get("/kinerja/data.csv?periode=2026-Q4")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    assert "kinerja-2026-Q4.csv" in reply.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))
    pumk = next(r for r in rows if r["level"] == "bidang" and r["unit"] == "PUMK")
    assert (pumk["received"], pumk["answered_on_time"], pumk["ikm"], pumk["ikm_category"]) == (
        "2", "1", "100.0", "A")
    total = next(r for r in rows if r["level"] == "jumlah")
    assert total["received"] == "4" and total["on_time_percent"] == "50.0"
    halal = next(r for r in rows if r["service"] == "sertifikat-halal")
    assert halal["average_working_hours"] == "2.0"
    for word in SECRET_WORDS:
        assert word not in reply.get_data(as_text=True)
    assert client.get("/kinerja/data.csv?periode=nanti").status_code == 422


def test_public_page_shows_the_figures_without_personal_data(client, quarter):
    page = client.get("/kinerja?periode=2026-Q4")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Triwulan IV 2026" in html
    assert 'data-testid="received">4<' in html and 'data-testid="on-time">50,0%<' in html
    assert 'data-testid="ikm">100,00<' in html
    assert 'href="/layanan/sertifikat-halal"' in html
    assert "<svg" in html and "<script" not in html and "style=" not in html
    assert "/kinerja/data.csv?periode=2026-Q4" in html and "/api/v1/stats?period=2026-Q4" in html
    for word in SECRET_WORDS:
        assert word not in html
    # the default is the quarter in progress
    current = client.get("/kinerja").get_data(as_text=True)
    assert "Triwulan I 2027" in current and "masih berjalan" in current
    assert client.get("/kinerja?periode=2026-Q9").status_code == 422


def test_every_public_page_links_to_the_performance_page(client, app):
    assert 'href="/kinerja"' in client.get("/").get_data(as_text=True)
