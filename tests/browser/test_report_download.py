"""A kabid opens the quarter's evaluation in real Chromium and downloads the PDF and the XLSX;
a citizen reads the public performance page on a phone."""

from __future__ import annotations

import io

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from ticketing.domain.periods import parse_period
from ticketing.services import reports

from ..support.quarter import REPORT_NOW, prebuilt_quarter
from ..support.staff import staff

pytestmark = [pytest.mark.browser,
              pytest.mark.prebuilt(build=prebuilt_quarter(count=16, sla_checks=False))]
PASSWORD = "kata-sandi-kabid-1"


@pytest.fixture
def quarter(prebuilt):
    built = prebuilt.thaw()
    # the live server runs in this process: it sees the travelled clock too
    with time_machine.travel(REPORT_NOW, tick=True):
        yield built


def test_kabid_opens_the_quarter_and_downloads_pdf_and_xlsx(app, quarter, live_url,
                                                           desktop_page, tmp_path):
    kabid = staff(REPORT_NOW, "kabid", "PUMK", password=PASSWORD, name="Bu Kabid PUMK")
    page = desktop_page
    page.goto(live_url + "/masuk")
    page.get_by_label("Email").fill(kabid.email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_text("Selamat datang, Bu Kabid PUMK.").wait_for()

    page.get_by_role("link", name="Evaluasi kinerja").click()
    page.get_by_label("Triwulan atau bulan").select_option(label="Triwulan IV 2026")
    page.get_by_role("button", name="Tampilkan").click()
    page.get_by_role("heading", name="Evaluasi kinerja pelayanan: Triwulan IV 2026").wait_for()
    report = reports.evaluation(parse_period("2026-Q4"), REPORT_NOW, unit=kabid.unit)
    f = report.overall.figures
    assert page.get_by_test_id("received").inner_text() == str(f.received)
    assert page.locator("figure.chart svg").count() == 3
    assert page.get_by_role("heading", name="Kinerja petugas (internal)").is_visible()

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Unduh PDF").click()
    pdf_path = tmp_path / pdf_download.value.suggested_filename
    pdf_download.value.save_as(pdf_path)
    assert pdf_path.name == "evaluasi-2026-Q4-bidang-pemberdayaan-usaha-mikro-kecil.pdf"
    text = " ".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    assert "Triwulan IV 2026" in text and str(f.ikm.value).replace(".", ",") in text

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Unduh XLSX").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes()))
    # one unit in scope: its own row is the total (no "Jumlah" row repeating it)
    rows = [r for r in book["Volume"].iter_rows(values_only=True) if r[0]]
    assert not any(str(r[0]).startswith("Jumlah") for r in rows)
    total = next(r for r in rows if r[0] == "Bidang Pemberdayaan Usaha Mikro Kecil")
    assert total[1] == f.received
    assert book["Keterangan"]["B3"].value == "Triwulan IV 2026"


def test_citizen_reads_the_performance_page_on_a_phone(app, quarter, live_url, phone_page):
    page = phone_page
    page.goto(live_url + "/")
    page.get_by_role("link", name="Kinerja pelayanan dan Indeks Kepuasan Masyarakat").click()
    page.get_by_label("Periode").select_option(label="Triwulan IV 2026")
    page.get_by_role("button", name="Tampilkan").click()
    page.get_by_role("heading", name="Kinerja pelayanan: Triwulan IV 2026").wait_for()
    page.wait_for_load_state("load")  # with the stylesheet applied
    # fits a phone: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    report = reports.evaluation(parse_period("2026-Q4"), REPORT_NOW, internal=False)
    assert page.get_by_test_id("received").inner_text() == str(report.overall.figures.received)
    assert page.get_by_role("link", name="Lihat standar").first.is_visible()
