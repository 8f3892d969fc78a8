"""The evaluation report as files: XLSX (openpyxl, figures as numbers) and PDF (see
services.report_pdf)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from ..domain.charts import report_charts
from ..domain.evaluation import BASIS, TITLE, Document
from ..domain.report import Report
from ..domain.report_tables import (
    PAGE_ROWS,
    Table,
    display,
    document_tables,
    plan_table,
    tables,
)

OFFICE = "Dinas Koperasi dan Usaha Kecil dan Menengah Kota Palembang"


def filename(report: Report, ext: str) -> str:
    scope = "semua-bidang" if report.scope == "Semua bidang" else report.scope.lower().replace(
        " ", "-")
    return f"evaluasi-{report.period.key.replace('..', '_')}-{scope}.{ext}"


def generated_words(report: Report, tz: str) -> str:
    return report.now.astimezone(ZoneInfo(tz)).strftime("%d-%m-%Y %H.%M") + " WIB"


# ------------------------------------------------------------------ CSV

def to_csv(table: Table, tz: str = "Asia/Jakarta") -> str:
    """One table with every row, as the page shows the cells; text a citizen typed that a
    spreadsheet would take for a formula is prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_cell(value, tz) for value in row])
    return out.getvalue()


def _csv_cell(value, tz: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
        return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
    return display(value, tz)


# ------------------------------------------------------------------ XLSX

def _xlsx_value(value, tz: str = "Asia/Jakarta"):
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        # a citizen's comment may hold control characters, which XLSX cannot store
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        # Excel has no time zones: the office's wall clock, as people read it.
        return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return value


def _plans_sheet(wb, title: str, reviews) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(title[:31])
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=12)
    if not reviews:
        ws.append(["Belum ada analisis dan rencana tindak lanjut."])
    for review in reviews:
        ws.append([])
        ws.append([review.scope_name, "Disetujui Kepala Dinas" if review.is_approved
                   else "Draf, belum disetujui"])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        if review.analysis:
            ws.append(["Analisis", _xlsx_value(review.analysis)])
            ws.cell(row=ws.max_row, column=2).alignment = Alignment(wrap_text=True)
        table = plan_table(review, "plan", "")
        ws.append(table.headers)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append([_xlsx_value(v) for v in row])
            for cell in ws[ws.max_row]:
                if cell.data_type == "f":
                    cell.data_type = "s"
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 60


def to_xlsx(report: Report, tz: str = "Asia/Jakarta", *, internal: bool = True,
            document: Document | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart as XlBarChart
    from openpyxl.chart import Reference
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    info = wb.active
    info.title = "Keterangan"
    for line in (
            [TITLE], [OFFICE], ["Periode", report.period.label],
            ["Dari", report.period.start], ["Sampai", report.period.last_day],
            ["Cakupan", report.scope], ["Data per", generated_words(report, tz)], [BASIS]):
        info.append(line)
    info["A1"].font = Font(bold=True, size=14)
    info.column_dimensions["A"].width = 18
    for cell in ("B4", "B5"):
        info[cell].number_format = "DD-MM-YYYY"

    sheet_names = {"volume": "Volume", "sla": "Ketepatan waktu", "escalations": "Eskalasi",
                   "ikm": "IKM", "elements": "IKM per unsur", "comparison": "Perbandingan",
                   "staff": "Petugas", "complaints": "Pengaduan", "comments": "Komentar"}
    sheet_names |= {"profile": "Profil responden", "sample": "Sampel"}
    extra = document_tables(document) if document is not None else []
    for table in tables(report, internal=internal) + extra:
        ws = wb.create_sheet(sheet_names.get(table.key, table.key)[:31])
        ws.append([table.title])
        ws["A1"].font = Font(bold=True, size=12)
        if table.note:
            ws.append([table.note])
        ws.append(table.headers)
        # Rows are counted here: ws.max_row and ws[row] scan every cell of the sheet, which
        # made a long sheet quadratic (a million-ticket quarter took over 30 s).
        header_row = 3 if table.note else 2
        for column in range(1, len(table.headers) + 1):
            cell = ws.cell(row=header_row, column=column)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for i, row in enumerate(table.rows):
            values = [_xlsx_value(v, tz) for v in row]
            ws.append(values)
            number = header_row + 1 + i
            cells = [ws.cell(row=number, column=c) for c in range(1, len(values) + 1)]
            if i in table.strong:
                for cell in cells:
                    cell.font = Font(bold=True)
            for cell in cells:
                if isinstance(cell.value, datetime):
                    cell.number_format = "DD-MM-YYYY HH:MM"
                elif cell.data_type == "f":
                    # text typed by a citizen that starts with '=' stays text, never a formula
                    cell.data_type = "s"
        ws.column_dimensions["A"].width = 42
        ws.freeze_panes = ws.cell(row=header_row + 1, column=2)

    if document is not None and report.period.kind == "quarter":
        _plans_sheet(wb, "Rencana tindak lanjut", document.reviews)
        _plans_sheet(wb, "Tindak lanjut sebelumnya", document.previous_reviews)

    charts = wb.create_sheet("Grafik")
    for chart in report_charts(report):
        start = charts.max_row + 2 if charts.max_row > 1 else 1
        charts.cell(row=start, column=1, value=chart.title).font = Font(bold=True)
        charts.cell(row=start + 1, column=1, value="Label")
        charts.cell(row=start + 1, column=2, value="Nilai")
        for i, bar in enumerate(chart.bars):
            charts.cell(row=start + 2 + i, column=1, value=bar.label)
            charts.cell(row=start + 2 + i, column=2, value=bar.value)
        last = start + 1 + len(chart.bars)
        xl = XlBarChart()
        xl.title = chart.title
        xl.legend = None
        xl.add_data(Reference(charts, min_col=2, min_row=start + 1, max_row=last),
                    titles_from_data=True)
        xl.set_categories(Reference(charts, min_col=1, min_row=start + 2, max_row=last))
        xl.height, xl.width = 7, 16
        charts.add_chart(xl, f"D{start}")
        # leave room for the drawing before the next block
        charts.cell(row=max(last, start + 14), column=1, value=None)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ PDF

def to_pdf(report: Report, tz: str = "Asia/Jakarta", *, internal: bool = True,
           document: Document | None = None, downloads: dict[str, str] | None = None,
           list_rows: int = PAGE_ROWS) -> bytes:
    """The signed document (letterhead, summary, charts, tables, plan, signature); long lists
    cut to their first rows with a pointer to their CSV (see report_pdf.render)."""
    from .report_pdf import render

    return render(report, tz, internal=internal, document=document, downloads=downloads,
                  list_rows=list_rows)
