"""The evaluation PDF as a document: rendered to images (pdftoppm) and read as laid out
(pdftotext): page one holds the letterhead and the executive summary; no page ends on a
heading; the signature block is whole on the last page; the embedded font draws Indonesian
text and symbols."""

from __future__ import annotations

import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from ticketing.domain import evaluation as ev
from ticketing.domain.periods import day_words, parse_period
from ticketing.domain.report_tables import document_tables, tables
from ticketing.extensions import db
from ticketing.models import Unit
from ticketing.services import evaluation, followup, reports

from ..conftest import BACKENDS
from ..support.pdf import page_texts, render_pages
from ..support.quarter import REPORT_NOW, wib
from ..support.report_app import quarter_app
from ..support.staff import StaffClient, login, staff

SYMBOLS = "Target ≥ 90% – “tepat waktu” ± 1 hari…"


@pytest.fixture
def now():
    """The report is made on REPORT_NOW (the clock of every test starts there)."""
    return REPORT_NOW


@pytest.fixture(scope="module", params=BACKENDS)
def qapp(request, tmp_path_factory):
    with quarter_app(request.param, tmp_path_factory.mktemp("quarter"), count=30) as (app, _):
        app.test_client_class = StaffClient
        pumk = db.session.scalar(select(Unit).where(Unit.code == "PUMK"))
        kabid = staff(REPORT_NOW, "kabid", "PUMK", email="kabid.pdf@example.go.id")
        q3, q4 = parse_period("2026-Q3"), parse_period("2026-Q4")
        followup.add_action(q3, pumk, followup.ActionInput(
            "waktu", "Jadwal piket jawaban harian", "Ketua Tim PUMK", date(2026, 10, 31),
            "selesai", "Piket berjalan sejak Oktober."), kabid, wib(2026, 10, 1, 9, 0))
        followup.save_analysis(q4, pumk, "Temuan: U6 kompetensi terendah.\n" + SYMBOLS,
                               kabid, wib(2027, 1, 5, 9, 0))
        for i in range(12):  # a long plan: the document runs over several pages
            followup.add_action(q4, pumk, followup.ActionInput(
                "kompetensi", f"Pelatihan layanan halal tahap {i + 1} untuk petugas garda "
                              "depan, dengan materi persyaratan dan alur pendaftaran",
                "Kabid PUMK", date(2027, 3, 31)), kabid, wib(2027, 1, 5, 9, i))
        db.session.commit()
        yield app


def _pdf(app, role: str, unit: str | None) -> bytes:
    client = app.test_client()
    login(client, staff(REPORT_NOW, role, unit))
    reply = client.get("/staf/laporan/unduh.pdf?periode=2026-Q4")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    return reply.data


def _lines(page: str) -> list[str]:
    return [" ".join(line.split()) for line in page.splitlines() if line.strip()]


def _headings(app, unit_code: str | None) -> set[str]:
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code)) if unit_code else None
    report = reports.evaluation(parse_period("2026-Q4"), REPORT_NOW, unit=unit)
    doc = evaluation.document(report, unit, REPORT_NOW.date())
    titles = {t.title for t in tables(report) + document_tables(doc)}
    titles |= {"Ringkasan eksekutif", "Grafik", "Analisis dan rencana tindak lanjut",
               "Tindak lanjut triwulan sebelumnya (Triwulan III 2026)"}
    titles |= {f"Rencana tindak lanjut: {r.scope_name}" for r in doc.reviews}
    return titles


@pytest.mark.parametrize("role, unit", [("kabid", "PUMK"), ("kepala_dinas", None)])
def test_pdf_pages_as_printed(qapp, tmp_path, role, unit):
    data = _pdf(qapp, role, unit)
    images = render_pages(data, tmp_path)
    pages = page_texts(data, tmp_path)
    # every page renders, with ink on it, and poppler sees as many pages as the file says
    assert len(images) == len(pages) == len(PdfReader(tmp_path / "doc.pdf").pages) >= 4
    assert all(p.stat().st_size > 3000 for p in images)

    first = " ".join(_lines(pages[0]))
    assert ev.GOVERNMENT in first and ev.OFFICE_NAME in first and "Jalan Merdeka No. 6" in first
    assert "EVALUASI KINERJA PELAYANAN" in first and "Triwulan IV 2026" in first
    assert "Ringkasan eksekutif" in first
    scope = db.session.scalar(select(Unit).where(Unit.code == unit)) if unit else None
    report = reports.evaluation(parse_period("2026-Q4"), REPORT_NOW, unit=scope)
    f = report.overall.figures
    assert str(f.ikm.value).replace(".", ",") in first and f"mutu {f.ikm.category}" in first, first
    assert str(f.first_on_time_share).replace(".", ",") + "%" in first
    doc = evaluation.document(report, scope, REPORT_NOW.date())
    for element in doc.weakest:
        assert element.code in first
    assert ("terlalu kecil" in first) != doc.sample.is_sufficient

    # no page ends on a heading: the last block above the footer is never one
    headings = _headings(qapp, unit)
    for number, page in enumerate(pages, 1):
        body = [line for line in _lines(page) if not line.startswith("Evaluasi Kinerja "
                                                                      "Pelayanan Triwulan")
                and not re.fullmatch(r"Halaman \d+", line)]
        assert body, number
        assert body[-1] not in headings, (number, body[-3:])
        assert f"Halaman {number}" in page

    # the signature block, whole, on the last page only
    signer = ev.DEFAULT_SIGNATORY
    last = " ".join(_lines(pages[-1]))
    for words in (f"Palembang, {day_words(REPORT_NOW.date())}", signer.name, signer.rank,
                  f"NIP. {signer.nip}", "KEPALA DINAS KOPERASI"):
        assert words in last, words
    assert not any(signer.nip in p for p in pages[:-1])


def test_pdf_embeds_a_font_that_draws_indonesian_and_symbols(qapp, tmp_path):
    data = _pdf(qapp, "kabid", "PUMK")
    text = " ".join(" ".join(_lines(p)) for p in page_texts(data, tmp_path))
    assert SYMBOLS in text  # every character came back: none was drawn blank
    reader = PdfReader(tmp_path / "doc.pdf")
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None:
                assert "/FontFile2" in descriptor.get_object()  # embedded TrueType
    assert fonts and all("DejaVuSans" in f or "Vera" in f for f in fonts), fonts


def test_pdf_carries_the_previous_quarters_plan_and_this_quarters(qapp, tmp_path):
    data = _pdf(qapp, "kepala_dinas", None)
    text = " ".join(" ".join(_lines(p)) for p in page_texts(data, tmp_path))
    assert "Tindak lanjut triwulan sebelumnya (Triwulan III 2026)" in text
    assert "Jadwal piket jawaban harian" in text and "Piket berjalan sejak Oktober." in text
    assert "Pelatihan layanan halal tahap 12" in text
    assert "Profil responden survei kepuasan masyarakat" in text
    assert "Kecukupan sampel survei" in text


def test_pdf_lists_the_first_complaints_and_comments_and_points_to_their_csv(qapp, tmp_path):
    """A busy quarter has thousands of complaints: the PDF sets the first rows of each list,
    like the page, says how many there are and where the CSV of all of them is."""
    report = reports.evaluation(parse_period("2026-Q4"), REPORT_NOW)
    lists = {t.key: t for t in tables(report) if t.key in ("complaints", "comments")}
    assert len(lists["complaints"].rows) >= 2, "the quarter needs complaints for this test"
    qapp.config["REPORT_LIST_ROWS"] = 1
    try:
        data = _pdf(qapp, "kepala_dinas", None)
    finally:
        del qapp.config["REPORT_LIST_ROWS"]
    text = " ".join(" ".join(_lines(p)) for p in page_texts(data, tmp_path))
    codes = [row[0] for row in lists["complaints"].rows]
    assert codes[0] in text and not any(code in text for code in codes[1:])
    assert (f"Menampilkan 1 dari {len(codes)} baris. Semua baris ada dalam unduhan CSV "
            "http://localhost/staf/laporan/pengaduan.csv?periode=2026-Q4") in text
    if len(lists["comments"].rows) > 1:
        assert f"Menampilkan 1 dari {len(lists['comments'].rows)} baris" in text
        assert "komentar.csv?periode=2026-Q4" in text
    # with the usual 20 rows a short list is set whole, without the pointer
    whole = " ".join(" ".join(_lines(p)) for p in page_texts(_pdf(qapp, "kepala_dinas", None),
                                                             tmp_path))
    if len(codes) <= 20:
        assert all(code in whole for code in codes) and "pengaduan.csv" not in whole


def test_signatory_is_configurable_and_audited(qapp, tmp_path):
    client = qapp.test_client()
    login(client, staff(REPORT_NOW, "kabid", "PUMK"))
    assert client.get("/staf/laporan/tindak-lanjut/penandatangan").status_code == 403
    login(client, staff(REPORT_NOW, "kepala_dinas", None))
    page = client.get("/staf/laporan/tindak-lanjut/penandatangan")
    assert page.status_code == 200 and ev.DEFAULT_SIGNATORY.nip in page.get_data(as_text=True)
    bad = client.post("/staf/laporan/tindak-lanjut/penandatangan", data={"name": ""})
    assert bad.status_code == 422 and "Wajib diisi." in bad.get_data(as_text=True)
    saved = client.post("/staf/laporan/tindak-lanjut/penandatangan", data={
        "name": "Dr. Budi Santoso, M.M.", "position": "Plt. Kepala Dinas Koperasi dan UKM",
        "rank": "Pembina Utama Muda", "nip": "19700101 199803 1 001", "place": "Palembang"})
    assert saved.status_code == 303
    data = client.get("/staf/laporan/unduh.pdf?periode=2026-Q4").data
    last = " ".join(_lines(page_texts(data, tmp_path)[-1]))
    assert "Dr. Budi Santoso, M.M." in last and "NIP. 19700101 199803 1 001" in last
    assert "PLT. KEPALA DINAS KOPERASI DAN UKM" in last
    from ticketing.models import AuditEntry

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report_signatory"))
    assert entry is not None and "19700101" in entry.new_value


def test_xlsx_carries_profile_sample_and_plans(qapp):
    import io

    from openpyxl import load_workbook

    client = qapp.test_client()
    login(client, staff(REPORT_NOW, "kabid", "PUMK"))
    book = load_workbook(io.BytesIO(client.get("/staf/laporan/unduh.xlsx?periode=2026-Q4").data))
    assert {"Profil responden", "Sampel", "Rencana tindak lanjut",
            "Tindak lanjut sebelumnya"} <= set(book.sheetnames)
    profile = list(book["Profil responden"].iter_rows(values_only=True))
    assert ("Karakteristik", "Pilihan", "Triwulan IV 2026: jumlah", "Triwulan IV 2026: %",
            "Triwulan III 2026: jumlah", "Triwulan III 2026: %") in profile
    sample = [r for r in book["Sampel"].iter_rows(values_only=True) if r[0]]
    (row,) = [r for r in sample if r[0] == "Bidang Pemberdayaan Usaha Mikro Kecil"]
    assert isinstance(row[1], int) and isinstance(row[3], int) and row[4]
    plan = [c for r in book["Rencana tindak lanjut"].iter_rows(values_only=True) for c in r if c]
    assert ("Pelatihan layanan halal tahap 12 untuk petugas garda depan, dengan materi "
            "persyaratan dan alur pendaftaran") in plan
    assert SYMBOLS in " ".join(str(c) for c in plan)
    previous = [c for r in book["Tindak lanjut sebelumnya"].iter_rows(values_only=True)
                for c in r if c]
    assert "Jadwal piket jawaban harian" in previous and "Selesai" in previous
