"""The evaluation report as files: XLSX (openpyxl, figures as numbers) and PDF (see
services.report_pdf)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
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


class _Sheet:
    """A sheet of a write-only workbook (openpyxl streams each row to the file as it is
    appended, instead of keeping a cell object per value: a quarter's complaints are some
    90,000 cells at a million tickets). Column widths and frozen panes are set before the first
    row; a styled value is a WriteOnlyCell."""

    def __init__(self, wb, title: str, tz: str, widths: dict[str, float] | None = None,
                 freeze: str | None = None) -> None:
        self.ws = wb.create_sheet(title[:31])
        self.tz = tz
        for column, width in (widths or {}).items():
            self.ws.column_dimensions[column].width = width
        if freeze:
            self.ws.freeze_panes = freeze
        self.rows = 0

    def cell(self, value, *, font=None, alignment=None, number_format=None):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self.ws, value=value)
        if font is not None:
            cell.font = font
        if alignment is not None:
            cell.alignment = alignment
        if number_format is not None:
            cell.number_format = number_format
        if cell.data_type == "f":  # typed by a citizen: text, never a formula
            cell.data_type = "s"
        return cell

    def append(self, values, *, font=None, alignment=None) -> None:
        """One row of cell values (_xlsx_value): dates shown the Indonesian way, text typed by
        a citizen that starts with '=' kept as text, never a formula."""
        row = []
        for value in values:
            value = _xlsx_value(value, self.tz)
            if isinstance(value, datetime | date):
                row.append(self.cell(value, font=font, alignment=alignment, number_format=(
                    "DD-MM-YYYY HH:MM" if isinstance(value, datetime) else "DD-MM-YYYY")))
            elif (font is not None or alignment is not None
                  or (isinstance(value, str) and value.startswith("="))):
                row.append(self.cell(value, font=font, alignment=alignment))
            else:
                row.append(value)
        self.ws.append(row)
        self.rows += 1


def _plans_sheet(wb, title: str, reviews, tz: str) -> None:
    from openpyxl.styles import Alignment, Font

    sheet = _Sheet(wb, title, tz, widths={"A": 30, "B": 60})
    sheet.append([title], font=Font(bold=True, size=12))
    if not reviews:
        sheet.append(["Belum ada analisis dan rencana tindak lanjut."])
    bold = Font(bold=True)
    for review in reviews:
        sheet.append([])
        sheet.append([sheet.cell(review.scope_name, font=bold),
                      "Disetujui Kepala Dinas" if review.is_approved else "Draf, belum disetujui"])
        if review.analysis:
            sheet.append(["Analisis", sheet.cell(_xlsx_value(review.analysis),
                                                 alignment=Alignment(wrap_text=True))])
        table = plan_table(review, "plan", "")
        sheet.append(table.headers, font=bold)
        for row in table.rows:
            sheet.append(row)


def to_xlsx(report: Report, tz: str = "Asia/Jakarta", *, internal: bool = True,
            document: Document | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart as XlBarChart
    from openpyxl.chart import Reference
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)
    info = _Sheet(wb, "Keterangan", tz, widths={"A": 18})
    info.append([TITLE], font=Font(bold=True, size=14))
    for line in (
            [OFFICE], ["Periode", report.period.label],
            ["Dari", report.period.start], ["Sampai", report.period.last_day],
            ["Cakupan", report.scope], ["Data per", generated_words(report, tz)], [BASIS]):
        info.append(line)

    sheet_names = {"volume": "Volume", "sla": "Ketepatan waktu", "escalations": "Eskalasi",
                   "ikm": "IKM", "elements": "IKM per unsur", "comparison": "Perbandingan",
                   "staff": "Petugas", "complaints": "Pengaduan", "comments": "Komentar"}
    sheet_names |= {"profile": "Profil responden", "sample": "Sampel"}
    extra = document_tables(document) if document is not None else []
    bold = Font(bold=True)
    for table in tables(report, internal=internal) + extra:
        header_row = 3 if table.note else 2
        ws = _Sheet(wb, sheet_names.get(table.key, table.key), tz, widths={"A": 42},
                    freeze=f"B{header_row + 1}")
        ws.append([table.title], font=Font(bold=True, size=12))
        if table.note:
            ws.append([table.note])
        ws.append(table.headers, font=bold,
                  alignment=Alignment(wrap_text=True, vertical="top"))
        for i, row in enumerate(table.rows):
            ws.append(row, font=bold if i in table.strong else None)

    if document is not None and report.period.kind == "quarter":
        _plans_sheet(wb, "Rencana tindak lanjut", document.reviews, tz)
        _plans_sheet(wb, "Tindak lanjut sebelumnya", document.previous_reviews, tz)

    charts = _Sheet(wb, "Grafik", tz)
    for chart in report_charts(report):
        if charts.rows:
            charts.append([])
        start = charts.rows + 1
        charts.append([chart.title], font=bold)
        charts.append(["Label", "Nilai"])
        for bar in chart.bars:
            charts.append([bar.label, bar.value])
        last = start + 1 + len(chart.bars)
        xl = XlBarChart()
        xl.title = chart.title
        xl.legend = None
        xl.add_data(Reference(charts.ws, min_col=2, min_row=start + 1, max_row=last),
                    titles_from_data=True)
        xl.set_categories(Reference(charts.ws, min_col=1, min_row=start + 2, max_row=last))
        xl.height, xl.width = 7, 16
        charts.ws.add_chart(xl, f"D{start}")
        # leave room for the drawing before the next block
        while charts.rows < max(last, start + 14):
            charts.append([])
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
