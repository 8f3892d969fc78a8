"""The evaluation as a PDF a Kepala Dinas signs (reportlab platypus), portrait A4:

- page one: the office's letterhead, title and period, the executive summary (figures, IKM and
  its category against the sample, the on-time rate, the three weakest unsur, the plan);
- the charts (the same geometry as the page), drawn at 9-12 pt;
- every table of the report under its heading: a heading is only placed where its note, the
  table's header row and first rows fit below it, and a table that runs on repeats its header;
- the respondent profile, the sample, the analysis and follow-up plan (this quarter's and the
  previous quarter's, carried over with what was done);
- the signature block (place and date, position, name, rank, NIP) kept whole, last.

Text is set in DejaVu Sans (Debian's fonts-dejavu-core), embedded, which covers Indonesian and
the usual symbols (≥, ±, –, “ ”, …); without it, reportlab's own Bitstream Vera.
"""

from __future__ import annotations

import io
import os
from zoneinfo import ZoneInfo

from ..domain import evaluation as ev
from ..domain.charts import BarChart, report_charts
from ..domain.periods import day_words
from ..domain.report import Report, hours
from ..domain.report_tables import (
    LISTS,
    PAGE_ROWS,
    Table,
    clip,
    display,
    document_tables,
    plan_table,
    tables,
)

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
             "/usr/local/share/fonts/dejavu")
GREEN = "#0b6b3a"
GRID = "#b0b8b4"


def _register_fonts() -> tuple[str, str, str]:
    """(regular, bold, italic) font names, registered once."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Doc" in pdfmetrics.getRegisteredFontNames():
        return "Doc", "Doc-Bold", "Doc-Italic"
    files = None
    for folder in FONT_DIRS:
        names = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf")
        if all(os.path.exists(os.path.join(folder, n)) for n in names):
            files = [os.path.join(folder, n) for n in names]
            break
    if files is None:  # reportlab ships Bitstream Vera (DejaVu's ancestor)
        import reportlab

        folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
        files = [os.path.join(folder, n) for n in ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf")]
    for name, path in zip(("Doc", "Doc-Bold", "Doc-Italic"), files, strict=False):
        pdfmetrics.registerFont(TTFont(name, path))
    pdfmetrics.registerFontFamily("Doc", normal="Doc", bold="Doc-Bold", italic="Doc-Italic",
                                  boldItalic="Doc-Bold")
    addMapping("Doc", 1, 1, "Doc-Bold")
    return "Doc", "Doc-Bold", "Doc-Italic"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Styles:
    def __init__(self):
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_CENTER, TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle

        regular, bold, italic = _register_fonts()
        base = ParagraphStyle("base", fontName=regular, fontSize=9.5, leading=12.5)
        self.body = base
        self.small = base.clone("small", fontSize=7.5, leading=9.3)
        self.small_bold = self.small.clone("small_bold", fontName=bold)
        self.small_right = self.small.clone("small_right", alignment=TA_RIGHT)
        self.small_bold_right = self.small_bold.clone("small_bold_right", alignment=TA_RIGHT)
        self.note = base.clone("note", fontSize=8, leading=10,
                               textColor=colors.HexColor("#4a4a4a"))
        self.h1 = base.clone("h1", fontName=bold, fontSize=14, leading=18, alignment=TA_CENTER,
                             spaceAfter=2)
        self.h1_sub = base.clone("h1_sub", fontSize=10.5, leading=14, alignment=TA_CENTER)
        self.h2 = base.clone("h2", fontName=bold, fontSize=11.5, leading=15, spaceBefore=10,
                             spaceAfter=4, textColor=colors.HexColor(GREEN))
        self.h3 = base.clone("h3", fontName=bold, fontSize=10, leading=13, spaceBefore=6,
                             spaceAfter=3)
        self.head_gov = base.clone("head_gov", fontName=bold, fontSize=12, leading=15,
                                   alignment=TA_CENTER)
        self.head_office = base.clone("head_office", fontName=bold, fontSize=13.5, leading=17,
                                      alignment=TA_CENTER)
        self.head_address = base.clone("head_address", fontSize=8.5, leading=11,
                                       alignment=TA_CENTER)
        self.sign = base.clone("sign", fontSize=10, leading=13)
        self.sign_name = base.clone("sign_name", fontName=bold, fontSize=10, leading=13)
        self.regular, self.bold, self.italic = regular, bold, italic


# ------------------------------------------------------------------ pieces

def _letterhead(st: _Styles, width: float) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Spacer
    from reportlab.platypus.flowables import HRFlowable

    return [
        Paragraph(ev.GOVERNMENT, st.head_gov),
        Paragraph(ev.OFFICE_NAME, st.head_office),
        Paragraph(f"{_esc(ev.OFFICE_ADDRESS)} · Surel {ev.OFFICE_EMAIL}", st.head_address),
        Spacer(1, 3),
        HRFlowable(width="100%", thickness=2, color=colors.black, spaceAfter=1),
        HRFlowable(width="100%", thickness=0.6, color=colors.black, spaceAfter=10),
    ]


def _kv_table(st: _Styles, rows: list[tuple[str, str]], width: float):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as RlTable

    data = [[Paragraph(_esc(k), st.body), Paragraph(v, st.body)] for k, v in rows]
    table = RlTable(data, colWidths=[width * 0.42, width * 0.58])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor(GRID)),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), st.regular),
    ]))
    return table


def _num(value, suffix: str = "") -> str:
    return "-" if value is None else display(value) + suffix


def _summary(doc: ev.Document, st: _Styles, width: float) -> list:
    from reportlab.platypus import KeepTogether, Paragraph

    report = doc.report
    f = report.overall.figures
    ikm = f.ikm
    grade = (f"{_num(ikm.value)} (mutu {ikm.category}, {ikm.label.lower()})"
             if ikm.value is not None else "belum ada responden")
    rows = [
        ("Permohonan diterima", str(f.received)),
        ("Dijawab", str(f.answered)),
        ("Jawaban pertama tepat waktu", (f"<b>{_num(f.first_on_time_share, '%')}</b> "
                                         f"({f.first_on_time} dari {f.answered})")),
        ("Selesai akhir tepat waktu", _num(f.resolved_on_time_share, "%")),
        ("Median waktu jawab", f"{_num(hours(f.median_seconds))} jam kerja"),
        ("Terlambat / terbuka di akhir periode", f"{f.overdue} / {f.open_at_end}"),
        ("Indeks Kepuasan Masyarakat (IKM)", f"<b>{_esc(grade)}</b>"),
        ("Responden survei", (f"{ikm.respondents} (minimal {doc.sample.minimum} untuk "
                              f"{doc.sample.population} penerima layanan)")),
    ]
    weakest = "; ".join(f"{e.code} {_esc(e.label)} ({display(e.nrr)})" for e in doc.weakest)
    rows.append(("Tiga unsur dengan nilai terendah", weakest or "-"))
    planned = sum(len(r.actions) for r in doc.reviews)
    before = [a for r in doc.previous_reviews for a in r.actions]
    done = sum(a.status == "selesai" for a in before)
    rows.append(("Rencana tindak lanjut", (f"{planned} tindakan triwulan ini; dari triwulan "
                                           f"sebelumnya {done} dari {len(before)} selesai")))
    out = [Paragraph("Ringkasan eksekutif", st.h2),
           KeepTogether([_kv_table(st, rows, width)]),
           Paragraph(_esc(doc.sample.verdict), st.note)]
    for name, sample in doc.unit_samples:
        out.append(Paragraph(f"{_esc(name)}: {_esc(sample.verdict)}", st.note))
    return out


def _drawing(chart: BarChart, width: float, st: _Styles):
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors

    scale = width / chart.width
    d = Drawing(chart.width * scale, chart.height * scale, initialFontName=st.regular,
                initialFontSize=9)

    def y(v: float) -> float:  # SVG y (down) -> PDF y (up)
        return (chart.height - v) * scale

    for x, label in chart.ticks:
        d.add(Line(x * scale, y(chart.top), x * scale, y(chart.bottom),
                   strokeColor=colors.HexColor("#d8dedb"), strokeWidth=0.5))
        d.add(String(x * scale, y(chart.tick_label_y), label, fontName=st.regular,
                     fontSize=12 * scale, textAnchor="middle",
                     fillColor=colors.HexColor("#4a4a4a")))
    for bar in chart.bars:
        d.add(String(bar.label_x * scale, y(bar.label_y), bar.label, fontName=st.regular,
                     fontSize=14 * scale))
        if bar.w > 0:
            d.add(Rect(bar.x * scale, y(bar.y + bar.h), bar.w * scale, bar.h * scale,
                       fillColor=colors.HexColor(GREEN), strokeColor=None))
        d.add(String(bar.value_x * scale, y(bar.value_y), bar.text, fontName=st.bold,
                     fontSize=14 * scale))
    d.add(Line(chart.left * scale, y(chart.top), chart.left * scale, y(chart.bottom),
               strokeColor=colors.black, strokeWidth=0.7))
    return d


def _charts(report: Report, st: _Styles, width: float) -> list:
    from reportlab.platypus import KeepTogether, Paragraph, Spacer
    from reportlab.platypus import Table as RlTable

    ikm_chart, attainment, weekly = report_charts(report)
    half = width / 2 - 8
    out = [KeepTogether([Paragraph("Grafik", st.h2), Paragraph(ikm_chart.title, st.h3),
                         _drawing(ikm_chart, width * 0.62, st)]),
           Spacer(1, 8)]
    pair = RlTable([[Paragraph(attainment.title, st.h3), Paragraph(weekly.title, st.h3)],
                    [_drawing(attainment, half, st), _drawing(weekly, half, st)]],
                   colWidths=[width / 2, width / 2])
    pair.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                   ("FONTNAME", (0, 0), (-1, -1), st.regular)])
    out.append(KeepTogether([pair]))
    return out


def _table(table: Table, st: _Styles, width: float, tz: str) -> list:
    """Heading, note and table, the heading never left alone at the foot of a page."""
    from reportlab.lib import colors
    from reportlab.platypus import CondPageBreak, LongTable, Paragraph, Spacer, TableStyle

    heading = Paragraph(_esc(table.title), st.h2)
    note = Paragraph(_esc(table.note), st.note) if table.note else None
    if not table.rows:
        block = [heading] + ([note] if note else []) + [
            Paragraph("Tidak ada data pada periode ini.", st.note), Spacer(1, 6)]
        return [CondPageBreak(_height(block, width) + 12), *block]
    n = len(table.headers)

    def cell(value, i, j) -> object:
        text = _esc(display(value, tz))
        if j == 0 and i in table.nested:
            text = "&nbsp;&nbsp;&nbsp;" + text
        strong = i in table.strong
        if j in table.text_columns:
            return Paragraph(text, st.small_bold if strong else st.small)
        return Paragraph(text, st.small_bold_right if strong else st.small_right)

    data = [[Paragraph(_esc(h), st.small_bold if j in table.text_columns
                       else st.small_bold_right) for j, h in enumerate(table.headers)]]
    data += [[cell(v, i, j) for j, v in enumerate(row)] for i, row in enumerate(table.rows)]
    widths = _widths(table, width, n, st)
    rl = LongTable(data, colWidths=widths, repeatRows=1)
    rl.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor(GRID)),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("FONTNAME", (0, 0), (-1, -1), st.regular),
    ]))
    # what must stand below the heading on the same page: the note, the header, 3 rows
    head = [heading] + ([note] if note else [])
    first = LongTable(data[:4], colWidths=widths)
    need = _height(head, width) + first.wrap(width, 10_000)[1] + 8
    return [CondPageBreak(need), *head, rl, *_more(table, st), Spacer(1, 8)]


def _more(table: Table, st: _Styles) -> list:
    """Below a list cut to its first rows (see clip): how many there are, and where all are."""
    from reportlab.platypus import Paragraph

    if not table.total:
        return []
    where = (f' <a href="{_esc(table.download)}" color="{GREEN}">{_esc(table.download)}</a>'
             if table.download else " di halaman laporan")
    return [Paragraph(f"Menampilkan {len(table.rows)} dari {table.total} baris. Semua baris "
                      f"ada dalam unduhan CSV{where}.", st.note)]


def _widths(table: Table, width: float, n: int, st: _Styles) -> list[float]:
    """Every column at least as wide as its longest word (no word is ever cut); the room
    left goes to the text columns, in proportion to how much more they hold."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def measure(text: str) -> float:
        return stringWidth(text, st.bold, st.small.fontSize)

    pad = 7.0
    least, wants = [], []
    for j in range(n):
        texts = [table.headers[j]] + [display(r[j]) for r in table.rows]
        least.append(max(measure(w) for t in texts for w in (t.split() or [""])) + pad)
        wants.append(min(max(measure(t) for t in texts) + pad, width * 0.4)
                     if j in table.text_columns else least[j])
    if sum(least) >= width:
        return [width * w / sum(least) for w in least]
    extra = width - sum(least)
    more = [wants[j] - least[j] for j in range(n)]
    if sum(more) <= 0:
        more = [1.0] * n
    share_of = sum(more)
    return [least[j] + extra * more[j] / share_of for j in range(n)]


def _height(flowables: list, width: float) -> float:
    return sum(f.wrap(width, 10_000)[1] + f.getSpaceBefore() + f.getSpaceAfter()
               for f in flowables)


def _plans(doc: ev.Document, st: _Styles, width: float, tz: str) -> list:
    from reportlab.platypus import CondPageBreak, Paragraph

    report = doc.report
    out = [CondPageBreak(5 * 28), Paragraph("Analisis dan rencana tindak lanjut", st.h2)]
    if report.period.kind != "quarter":
        return [*out, Paragraph("Analisis dan rencana tindak lanjut dibuat per triwulan.", st.note)]
    weakest = "; ".join(f"{e.code} {_esc(e.label)} (NRR {display(e.nrr)})" for e in doc.weakest)
    if weakest:
        out.append(Paragraph(f"Unsur dengan nilai terendah: {weakest}.", st.body))
    out += _reviews(doc.reviews, st, width, tz, "plan",
                    "Belum ada analisis dan rencana tindak lanjut untuk triwulan ini.")
    previous = report.period.previous()
    out += [CondPageBreak(4 * 28),
            Paragraph(f"Tindak lanjut triwulan sebelumnya ({previous.label})", st.h2)]
    out += _reviews(doc.previous_reviews, st, width, tz, "previous",
                    "Tidak ada rencana tindak lanjut dari triwulan sebelumnya.")
    return out


def _reviews(reviews, st: _Styles, width: float, tz: str, key: str, empty: str) -> list:
    from reportlab.platypus import CondPageBreak, Paragraph

    if not reviews:
        return [Paragraph(empty, st.note)]
    out = []
    for review in reviews:
        state = "disetujui Kepala Dinas" if review.is_approved else "draf, belum disetujui"
        block = [Paragraph(f"{_esc(review.scope_name)} ({state})", st.h3)]
        block += [Paragraph(_esc(p), st.body) for p in review.analysis.splitlines()
                  if p.strip()]
        out += [CondPageBreak(min(_height(block, width), 300) + 60), *block]
        if review.actions:
            table = plan_table(review, key, "Rencana tindak lanjut")
            table.title = f"Rencana tindak lanjut: {review.scope_name}"
            out += _table(table, st, width, tz)
    return out


def _signature(doc: ev.Document, st: _Styles, width: float) -> list:
    from reportlab.platypus import KeepTogether, Paragraph, Spacer
    from reportlab.platypus import Table as RlTable

    s = doc.signatory
    block = [
        Paragraph(f"{_esc(s.place)}, {day_words(doc.signed_on)}", st.sign),
        Paragraph(f"{_esc(s.position.upper())},", st.sign),
        Spacer(1, 52),
        Paragraph(f"<u>{_esc(s.name)}</u>", st.sign_name),
        Paragraph(_esc(s.rank), st.sign),
        Paragraph(f"NIP. {_esc(s.nip)}", st.sign),
    ]
    grid = RlTable([["", block]], colWidths=[width * 0.48, width * 0.52])
    grid.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                   ("FONTNAME", (0, 0), (-1, -1), st.regular)])
    return [Spacer(1, 16), KeepTogether([grid])]


# ------------------------------------------------------------------ the document

#: tables with more columns than this are set on landscape pages
WIDE = 8


def render(report: Report, tz: str = "Asia/Jakarta", *, internal: bool = True,
           document: ev.Document | None = None, downloads: dict[str, str] | None = None,
           list_rows: int = PAGE_ROWS) -> bytes:
    """The PDF. The lists of single requests and comments (LISTS) show their first
    `list_rows` rows, like the page, with their count and the CSV of all (`downloads`: the
    CSV's address by table key): laying out every complaint of a busy quarter took minutes
    and hundreds of pages."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
    )

    doc = document or ev.bare_document(report, report.now.astimezone(ZoneInfo(tz)).date())
    st = _Styles()
    out = io.BytesIO()
    margin, top, bottom = 1.8 * cm, 1.5 * cm, 1.6 * cm
    footer_text = f"{ev.TITLE} {report.period.label} · {report.scope}"

    def footer(canvas, document):
        page_w = canvas._pagesize[0]
        canvas.saveState()
        canvas.setFont(st.regular, 7.5)
        canvas.drawString(margin, 0.9 * cm, footer_text)
        canvas.drawRightString(page_w - margin, 0.9 * cm, f"Halaman {document.page}")
        canvas.restoreState()

    def template(name: str, size) -> PageTemplate:
        frame = Frame(margin, bottom, size[0] - 2 * margin, size[1] - top - bottom, id=name,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        return PageTemplate(id=name, frames=[frame], pagesize=size, onPage=footer)

    pdf = BaseDocTemplate(out, pagesize=A4, leftMargin=margin, rightMargin=margin,
                          topMargin=top, bottomMargin=bottom,
                          title=f"{ev.TITLE} {report.period.label} - {report.scope}",
                          author=ev.OFFICE_NAME.title(), subject=ev.BASIS,
                          initialFontName=st.regular, initialFontSize=9.5)
    pdf.addPageTemplates([template("portrait", A4), template("landscape", landscape(A4))])
    width = A4[0] - 2 * margin
    wide_width = landscape(A4)[0] - 2 * margin

    generated = report.now.astimezone(ZoneInfo(tz)).strftime("%d-%m-%Y %H.%M")
    story = [
        *_letterhead(st, width),
        Paragraph(ev.TITLE.upper(), st.h1),
        Paragraph(f"{_esc(report.period.label)} ({day_words(report.period.start)} s.d. "
                  f"{day_words(report.period.last_day)})", st.h1_sub),
        Paragraph(f"Cakupan: {_esc(report.scope)}", st.h1_sub),
        Spacer(1, 6),
        Paragraph(f"{_esc(ev.BASIS)} Data per {generated} WIB"
                  + ("" if report.is_complete else "; periode masih berjalan") + ".", st.note),
    ]
    story += _summary(doc, st, width)
    story += _charts(report, st, width)
    wide = False
    for table in tables(report, internal=internal, list_rows=list_rows) + document_tables(doc):
        if table.key in LISTS:
            table = clip(table, (downloads or {}).get(table.key, ""), list_rows)
        if (len(table.headers) > WIDE) != wide:
            wide = not wide
            story += [NextPageTemplate("landscape" if wide else "portrait"), PageBreak()]
        story += _table(table, st, wide_width if wide else width, tz)
    if wide:
        story += [NextPageTemplate("portrait"), PageBreak()]
    story += _plans(doc, st, width, tz)
    story += _signature(doc, st, width)
    pdf.build(story)
    return out.getvalue()
