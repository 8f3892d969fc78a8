"""The evaluation report as files: XLSX (openpyxl, figures as numbers) and PDF (reportlab,
with the same charts as the page)."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from ..domain.charts import BarChart, report_charts
from ..domain.periods import day_words
from ..domain.report import Report
from ..domain.report_tables import display, tables

TITLE = "Evaluasi Kinerja Pelayanan"
OFFICE = "Dinas Koperasi dan UKM Kota Palembang"
BASIS = ("Standar Pelayanan (Keputusan Nomor 09/KPTS/KUKM/2024): evaluasi dilaksanakan "
         "3 (tiga) bulan sekali.")


def filename(report: Report, ext: str) -> str:
    scope = "semua-bidang" if report.scope == "Semua bidang" else report.scope.lower().replace(
        " ", "-")
    return f"evaluasi-{report.period.key.replace('..', '_')}-{scope}.{ext}"


def generated_words(report: Report, tz: str) -> str:
    return report.now.astimezone(ZoneInfo(tz)).strftime("%d-%m-%Y %H.%M") + " WIB"


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


def to_xlsx(report: Report, tz: str = "Asia/Jakarta", *, internal: bool = True) -> bytes:
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
    for table in tables(report, internal=internal):
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

def _drawing(chart: BarChart, scale: float):
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors

    d = Drawing(chart.width * scale, chart.height * scale)

    def y(v: float) -> float:  # SVG y (down) -> PDF y (up)
        return (chart.height - v) * scale

    d.add(String(chart.left * scale, y(12), chart.title, fontName="Helvetica-Bold",
                 fontSize=9))
    for ty, label in chart.ticks:
        d.add(Line(chart.left * scale, y(ty), chart.right * scale, y(ty),
                   strokeColor=colors.HexColor("#d8dedb"), strokeWidth=0.5))
        d.add(String((chart.left - 4) * scale, y(ty) - 3, label, fontName="Helvetica",
                     fontSize=7, textAnchor="end"))
    for bar in chart.bars:
        if bar.h > 0:
            d.add(Rect(bar.x * scale, y(bar.y + bar.h), bar.w * scale, bar.h * scale,
                       fillColor=colors.HexColor("#0b6b3a"), strokeColor=None))
        cx = (bar.x + bar.w / 2) * scale
        d.add(String(cx, y(bar.y) + 2, bar.text, fontName="Helvetica", fontSize=6.5,
                     textAnchor="middle"))
        d.add(String(cx, y(chart.bottom + 12), bar.label, fontName="Helvetica", fontSize=6.5,
                     textAnchor="middle"))
    d.add(Line(chart.left * scale, y(chart.bottom), chart.right * scale, y(chart.bottom),
               strokeColor=colors.black, strokeWidth=0.7))
    return d


def to_pdf(report: Report, tz: str = "Asia/Jakarta", *, internal: bool = True) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        LongTable,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)
    small_bold = small.clone("small_bold", fontName="Helvetica-Bold")
    note = styles["BodyText"].clone("note", fontSize=7.5, leading=9.5,
                                    textColor=colors.HexColor("#5a5a5a"))
    out = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(out, pagesize=page, leftMargin=1.2 * cm, rightMargin=1.2 * cm,
                            topMargin=1.2 * cm, bottomMargin=1.2 * cm,
                            title=f"{TITLE} {report.period.label}", author=OFFICE)
    width = page[0] - 2.4 * cm

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(1.2 * cm, 0.7 * cm,
                          f"{TITLE} {report.period.label} - {report.scope} - halaman "
                          f"{document.page}")
        canvas.restoreState()

    story = [
        Paragraph(f"{TITLE} - {report.period.label}", styles["Title"]),
        Paragraph(f"{OFFICE} - {report.scope}", styles["Heading3"]),
        Paragraph(f"Periode {day_words(report.period.start)} s.d. "
                  f"{day_words(report.period.last_day)}; data per "
                  f"{generated_words(report, tz)}. {BASIS}", note),
        Spacer(1, 0.3 * cm),
    ]
    charts = report_charts(report)
    scale = (width / 2 - 0.3 * cm) / charts[0].width
    from reportlab.platypus import Table as RlTable

    grid = RlTable([[_drawing(charts[0], scale), _drawing(charts[1], scale)],
                    [_drawing(charts[2], scale), ""]], colWidths=[width / 2, width / 2])
    story += [grid, PageBreak()]

    for table in tables(report, internal=internal):
        story.append(Paragraph(table.title, styles["Heading3"]))
        if table.note:
            story.append(Paragraph(table.note, note))
        if not table.rows:
            story.append(Paragraph("Tidak ada data pada periode ini.", note))
            story.append(Spacer(1, 0.3 * cm))
            continue
        data = [[Paragraph(h, small_bold) for h in table.headers]]
        for i, row in enumerate(table.rows):
            style = small_bold if i in table.strong else small
            cells = []
            for j, value in enumerate(row):
                text = display(value, tz)
                if j == 0 and i in table.nested:
                    text = "&nbsp;&nbsp;&nbsp;" + _escape(text)
                else:
                    text = _escape(text)
                cells.append(Paragraph(text, style))
            data.append(cells)
        first = min(5.5 * cm, width * 0.3) if len(table.headers) > 4 else width / len(
            table.headers)
        rest = (width - first) / max(len(table.headers) - 1, 1)
        widths = [first] + [rest] * (len(table.headers) - 1)
        if table.key in ("complaints", "comments"):
            widths = None
        rl = LongTable(data, colWidths=widths, repeatRows=1)
        rl.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b8b4")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f0")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story += [rl, Spacer(1, 0.4 * cm)]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
