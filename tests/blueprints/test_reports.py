"""The evaluation report pages: who may read them, and the PDF and XLSX read back."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from ticketing.domain.periods import parse_period
from ticketing.domain.report import hours
from ticketing.extensions import db
from ticketing.models import Unit
from ticketing.services import reports

from ..support.quarter import REPORT_NOW, prebuilt_quarter
from ..support.staff import login, staff

pytestmark = pytest.mark.prebuilt(build=prebuilt_quarter(count=22, sla_checks=False))


def sheet_rows(workbook, name: str) -> dict[str, list]:
    """First column -> the row's other cells, for the rows below the header."""
    ws = workbook[name]
    out = {}
    for row in ws.iter_rows(values_only=True):
        if row and row[0]:
            out[str(row[0]).strip()] = list(row[1:])
    return out


@pytest.mark.parametrize("role, unit, status", [
    ("staf", "PUMK", 403), ("ketua_tim", "PUMK", 200), ("kabid", "PUMK", 200),
    ("kepala_dinas", None, 200), ("admin", None, 200),
])
def test_who_may_read_the_evaluation(client, quarter, role, unit, status):
    login(client, staff(REPORT_NOW, role, unit))
    assert client.get("/staf/laporan/?periode=2026-Q4").status_code == status
    assert client.get("/staf/laporan/unduh.xlsx?periode=2026-Q4").status_code == status


def test_anonymous_is_sent_to_the_login(client, quarter):
    page = client.get("/staf/laporan/")
    assert page.status_code == 302 and "/masuk" in page.location
    assert client.get("/staf/laporan/unduh.pdf").status_code == 302


def test_a_kabid_reads_their_own_unit_only(client, quarter):
    login(client, staff(REPORT_NOW, "kabid", "KELEMBAGAAN"))
    page = client.get("/staf/laporan/?periode=2026-Q4")
    html = page.get_data(as_text=True)
    assert "Bidang Kelembagaan dan Pengawasan Koperasi" in html
    assert "Bidang Pemberdayaan Usaha Mikro Kecil" not in html
    assert client.get("/staf/laporan/?periode=2026-Q4&bidang=PUMK").status_code == 403
    assert "Evaluasi kinerja" in client.get("/staf/laporan/").get_data(as_text=True)


def test_the_page_shows_the_quarter_with_charts(client, quarter):
    login(client, staff(REPORT_NOW, "kepala_dinas", None))
    report = reports.evaluation(parse_period("2026-Q4"), REPORT_NOW)
    page = client.get("/staf/laporan/?periode=2026-Q4")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    f = report.overall.figures
    assert f'data-testid="received">{f.received}<' in html
    assert f'data-testid="ikm">{str(f.ikm.value).replace(".", ",")}<' in html
    assert html.count("<svg") == 3 and 'data-chart="ikm"' in html
    for table in ("volume", "sla", "escalations", "ikm", "elements", "comparison", "staff",
                  "complaints", "comments"):
        assert f'id="tabel-{table}"' in html, table
    assert "Triwulan III 2026" in html  # the comparison
    assert "/staf/laporan/unduh.pdf?periode=2026-Q4" in html
    # the default is the last complete quarter
    assert "Triwulan IV 2026" in client.get("/staf/laporan/").get_data(as_text=True)


def test_bad_period_or_range_is_explained(client, quarter):
    login(client, staff(REPORT_NOW, "admin", None))
    page = client.get("/staf/laporan/?periode=2026-Q7")
    assert page.status_code == 422 and "tidak dikenal" in page.get_data(as_text=True)
    page = client.get("/staf/laporan/?dari=2026-12-10&sampai=2026-12-01")
    assert page.status_code == 422 and "sebelum tanggal awal" in page.get_data(as_text=True)
    for ext in ("pdf", "xlsx"):
        download = client.get(f"/staf/laporan/unduh.{ext}?periode=nanti")
        assert download.status_code == 422 and "tidak dikenal" in download.get_data(as_text=True)
    assert client.get("/staf/laporan/?periode=2026-Q4&bidang=XX").status_code == 404
    page = client.get("/staf/laporan/?dari=2026-12-21&sampai=2026-12-31")
    assert page.status_code == 200 and "21 Desember 2026 - 31 Desember 2026" in page.get_data(
        as_text=True)


def test_xlsx_holds_the_figures_as_numbers(client, quarter):
    login(client, staff(REPORT_NOW, "kepala_dinas", None))
    reply = client.get("/staf/laporan/unduh.xlsx?periode=2026-Q4")
    assert reply.status_code == 200
    assert "evaluasi-2026-Q4-semua-bidang.xlsx" in reply.headers["Content-Disposition"]
    report = reports.evaluation(parse_period("2026-Q4"), REPORT_NOW)
    book = load_workbook(io.BytesIO(reply.data))
    assert {"Keterangan", "Volume", "Ketepatan waktu", "Eskalasi", "IKM", "IKM per unsur",
            "Perbandingan", "Petugas", "Pengaduan", "Komentar", "Grafik"} <= set(book.sheetnames)
    total = f"Jumlah ({report.overall.name})"
    f = report.overall.figures
    volume = sheet_rows(book, "Volume")[total]
    assert volume[0] == f.received and isinstance(volume[0], int)
    assert volume[1:4] == [f.by_type["informasi"], f.by_type["pengaduan"], f.by_type["saran"]]
    sla = sheet_rows(book, "Ketepatan waktu")[total]
    assert sla[:3] == [f.answered, f.first_on_time, float(f.first_on_time_share)]
    assert sla[6] == float(hours(f.median_seconds)) and isinstance(sla[6], float)
    ikm = sheet_rows(book, "IKM")[total]
    assert ikm[:3] == [f.ikm.respondents, float(f.ikm.value), f.ikm.category]
    for unit in report.units:
        assert sheet_rows(book, "Volume")[unit.name][0] == unit.figures.received
    elements = sheet_rows(book, "IKM per unsur")
    assert elements["U3"][-1] == float(f.ikm.nrr_value(2))
    staff_rows = sheet_rows(book, "Petugas")
    for person in report.staff:
        assert staff_rows[person.name][1] == person.handled
    complaints = sheet_rows(book, "Pengaduan")
    assert {c.code for c in report.complaints} <= set(complaints)
    charts = book["Grafik"]
    assert len(charts._charts) == 3


def test_pdf_contains_the_figures_and_the_charts(client, quarter):
    login(client, staff(REPORT_NOW, "kabid", "PUMK"))
    reply = client.get("/staf/laporan/unduh.pdf?periode=2026-Q4")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    assert reply.data.startswith(b"%PDF")
    unit = db.session.scalar(select(Unit).where(Unit.code == "PUMK"))
    report = reports.evaluation(parse_period("2026-Q4"), REPORT_NOW, unit=unit)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(reply.data)).pages)
    flat = " ".join(text.split())
    f = report.overall.figures
    assert "EVALUASI KINERJA PELAYANAN Triwulan IV 2026" in flat
    assert "Bidang Pemberdayaan Usaha Mikro Kecil" in flat
    assert "Kelembagaan dan Pengawasan Koperasi" not in flat  # a kabid's own unit only
    assert str(f.ikm.value).replace(".", ",") in text
    assert str(f.first_on_time_share).replace(".", ",") in text
    # the charts' titles and bar labels are in the PDF too
    for words in ("Permohonan diterima per minggu", "Jawaban pertama tepat waktu per bulan",
                  "IKM per unsur", "Okt 2026", "U9 Sarana dan prasarana"):
        assert words in flat, words
    for complaint in report.complaints:
        assert complaint.code in text
    assert "Kinerja petugas (internal)" in flat


def test_xlsx_keeps_a_citizens_formula_like_comment_as_text(app):
    from datetime import UTC, datetime

    from ticketing.domain import report
    from ticketing.domain.calendar import WorkingCalendar
    from ticketing.services.report_files import to_xlsx

    built = report.build(
        parse_period("2026-11"), datetime(2026, 11, 30, tzinfo=UTC), WorkingCalendar(),
        tickets=[], units=[], services=[],
        responses=[report.ResponseRow(1, "PUMK", None, (3,) * 9,
                                      datetime(2026, 11, 3, tzinfo=UTC),
                                      '=HYPERLINK("http://jahat.example","klik")\x07')])
    book = load_workbook(io.BytesIO(to_xlsx(built)))
    cell = next(row[3] for row in book["Komentar"].iter_rows() if row[3].value
                and str(row[3].value).startswith("=HYPERLINK"))
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://jahat.example","klik")'
