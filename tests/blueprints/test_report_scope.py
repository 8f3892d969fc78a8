"""The evaluation for one unit (a kabid's or a ketua tim's) shows each figure once: no total
column or row repeating the unit, no empty header, on the page, in the PDF and in the XLSX;
and the report opens on the most recent quarter with data."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from ticketing.services.transaction import run

from ..conftest import BACKENDS
from ..support.pdf import page_texts
from ..support.quarter import REPORT_NOW
from ..support.report_app import quarter_app
from ..support.staff import StaffClient, login, staff


@pytest.fixture
def now():
    """The report is made on REPORT_NOW (the clock of every test starts there)."""
    return REPORT_NOW


@pytest.fixture(scope="module", params=BACKENDS)
def qapp(request, tmp_path_factory):
    with quarter_app(request.param, tmp_path_factory.mktemp("quarter")) as (app, _built):
        app.test_client_class = StaffClient
        yield app


class _Tables(HTMLParser):
    """Each <table>: its header cells and its body rows (cell texts)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._row, self._in_head = [], None, None, False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"key": dict(attrs).get("data-table"), "head": [], "rows": [],
                                "classes": []})
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td") and self.tables:
            self._cell = []
            self.tables[-1]["classes"].append((tag, dict(attrs).get("class") or ""))

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            (self.tables[-1]["head"] if self._in_head else self.tables[-1]["rows"]).append(
                self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False


def _page_tables(html: str) -> dict[str, dict]:
    parser = _Tables()
    parser.feed(html)
    return {t["key"]: t for t in parser.tables if t["key"]}


def _assert_no_duplicates(name: str, headers: list, rows: list[list]) -> None:
    assert all(str(h or "").strip() for h in headers), (name, headers)
    assert len(set(headers)) == len(headers), (name, headers)
    seen = [tuple(r) for r in rows]
    assert len(set(seen)) == len(seen), (name, rows)


@pytest.mark.parametrize("role", ["kabid", "ketua_tim"])
def test_single_unit_page_has_no_duplicated_column_or_row(qapp, role):
    client = qapp.test_client()
    login(client, staff(REPORT_NOW, role, "PUMK"))
    page = client.get("/staf/laporan/?periode=2026-Q4")
    assert page.status_code == 200
    tables = _page_tables(page.get_data(as_text=True))
    assert {"volume", "sla", "ikm", "elements", "comparison"} <= set(tables)
    for key, table in tables.items():
        _assert_no_duplicates(key, table["head"][0], table["rows"])
        assert not any(r[0].startswith("Jumlah (") for r in table["rows"]), key
    elements = tables["elements"]
    assert elements["head"][0] == ["Kode", "Unsur", "Bidang Pemberdayaan Usaha Mikro Kecil"]
    assert all(len(r) == 3 for r in elements["rows"])
    assert elements["rows"][-1][0] == "IKM"
    # the Unsur column holds words and is aligned left (class "text"); figures are not
    cells = elements["classes"][3:]  # after the three header cells
    assert cells[0] == ("th", "") and cells[1] == ("td", "text") and cells[2] == ("td", "")
    comparison = tables["comparison"]
    assert len(comparison["rows"]) == 5
    assert {r[0] for r in comparison["rows"]} == {"Bidang Pemberdayaan Usaha Mikro Kecil"}


def test_all_units_keep_their_total(qapp):
    client = qapp.test_client()
    login(client, staff(REPORT_NOW, "kepala_dinas", None))
    tables = _page_tables(client.get("/staf/laporan/?periode=2026-Q4").get_data(as_text=True))
    for key, table in tables.items():
        headers = table["head"][0]
        assert all(headers) and len(set(headers)) == len(headers), key
    assert tables["volume"]["rows"][-1][0] == "Jumlah (Semua bidang)"
    assert tables["elements"]["head"][0][-1] == "Semua bidang"
    assert len(tables["comparison"]["rows"]) == 15  # two units and the total, 5 measures each


def test_single_unit_xlsx_has_no_duplicated_column_or_row(qapp):
    client = qapp.test_client()
    login(client, staff(REPORT_NOW, "kabid", "PUMK"))
    book = load_workbook(io.BytesIO(client.get("/staf/laporan/unduh.xlsx?periode=2026-Q4").data))
    for name in ("Volume", "Ketepatan waktu", "Eskalasi", "IKM", "IKM per unsur",
                 "Perbandingan"):
        rows = [list(r) for r in book[name].iter_rows(values_only=True)]
        header_at = next(i for i, r in enumerate(rows) if r[0] in ("Bidang / layanan", "Kode",
                                                                   "Bidang"))
        headers = rows[header_at]
        _assert_no_duplicates(name, headers, rows[header_at + 1:])
        assert not any(str(r[0]).startswith("Jumlah (") for r in rows[header_at + 1:]), name
    elements = [list(r) for r in book["IKM per unsur"].iter_rows(values_only=True)]
    assert ["Kode", "Unsur", "Bidang Pemberdayaan Usaha Mikro Kecil"] in elements


def test_single_unit_pdf_has_no_duplicated_column_or_row(qapp, tmp_path):
    client = qapp.test_client()
    login(client, staff(REPORT_NOW, "kabid", "PUMK"))
    data = client.get("/staf/laporan/unduh.pdf?periode=2026-Q4").data
    lines = [" ".join(line.split()) for page in page_texts(data, tmp_path)
             for line in page.splitlines()]
    assert not any("Jumlah (" in line for line in lines)
    # the U1 row carries the NRR once (one unit column, no repeated total)
    u1 = [line for line in lines if line.startswith("U1 Persyaratan ")]  # not the chart's
    assert len(u1) == 1 and len([w for w in u1[0].split() if w[0].isdigit()]) == 1, u1
    # the comparison has the unit's five measures once each
    at = next(i for i, line in enumerate(lines) if line.startswith("Perbandingan dengan"))
    block = lines[at:at + 20]
    rows = [line for line in block if line.startswith("Bidang Pemberdayaan Usaha Mikro Kecil")]
    assert len(rows) == 5 and len(set(rows)) == 5, block


# ------------------------------------------------------------------ which quarter it opens on

def _ticket_at(moment, service="sertifikat-halal"):
    from ticketing.services import intake

    run(intake.open_request, intake.RequestData(
        name="Warga", email="warga@example.com", phone=None, type="informasi",
        subject="Tanya", message="Mohon informasinya.", service_slug=service,
        channel="web"), moment)


def _opened_on(client) -> str:
    import re

    html = client.get("/staf/laporan/").get_data(as_text=True)
    return re.search(r"<h1>Evaluasi kinerja pelayanan: ([^<]+)</h1>", html).group(1)


def test_opens_on_the_most_recent_quarter_with_data(app, client):
    import time_machine

    from ..support.quarter import wib

    with time_machine.travel(wib(2027, 2, 10, 9, 0), tick=False):
        kadis = staff(wib(2027, 2, 10, 9, 0), "kepala_dinas", None)
        login(client, kadis)
        # nothing at all: the last finished quarter
        assert _opened_on(client) == "Triwulan IV 2026"
        # data only two quarters back: that quarter, not the empty one after it
        _ticket_at(wib(2026, 8, 3, 10, 0))
        assert _opened_on(client) == "Triwulan III 2026"
        # data in the running quarter too: the most recent with data
        _ticket_at(wib(2027, 1, 20, 10, 0))
        assert _opened_on(client) == "Triwulan I 2027"
        # the last finished quarter has data: the one to evaluate
        _ticket_at(wib(2026, 11, 3, 10, 0))
        assert _opened_on(client) == "Triwulan IV 2026"


def test_ketua_tim_reads_their_unit_and_has_the_link(app, client):
    import time_machine

    with time_machine.travel(REPORT_NOW, tick=False):
        ketua = staff(REPORT_NOW, "ketua_tim", "KELEMBAGAAN")
        login(client, ketua)
        home = client.get("/staf/antrian").get_data(as_text=True)
        assert 'href="/staf/laporan/"' in home
        page = client.get("/staf/laporan/?periode=2026-Q4")
        assert page.status_code == 200
        assert "Cakupan: <strong>Bidang Kelembagaan dan Pengawasan Koperasi" in " ".join(
            page.get_data(as_text=True).split())
        assert client.get("/staf/laporan/?bidang=PUMK").status_code == 403
        assert client.get("/staf/laporan/unduh.pdf?periode=2026-Q4").status_code == 200
        login(client, staff(REPORT_NOW, "staf", "KELEMBAGAAN"))
        assert client.get("/staf/laporan/").status_code == 403
        assert 'href="/staf/laporan/"' not in client.get("/staf/antrian").get_data(as_text=True)
