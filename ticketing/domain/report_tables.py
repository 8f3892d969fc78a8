"""The evaluation report as tables of typed values: one definition for the page, the PDF and
the XLSX, so the three always show the same figures. Pure: a Report in, tables out.

Cells hold ints, Decimals, strings, datetimes or None ('-'); the XLSX writes numbers as
numbers, the page and the PDF format them the Indonesian way (decimal comma).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from . import ikm as ikm_rules
from . import skm
from .evaluation import Document, Review
from .report import (
    CHANNEL_LABELS,
    CHANNELS,
    LEVEL_LABELS,
    TYPE_LABELS,
    TYPES,
    Figures,
    Group,
    Report,
    hours,
    share,
)

Cell = int | float | Decimal | str | datetime | None


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    #: rows (by index) that are totals or units, shown in bold
    strong: set[int] = field(default_factory=set)
    #: rows that are services under a unit, shown indented
    nested: set[int] = field(default_factory=set)
    note: str = ""
    #: True for tables with personal or staff data: never on the public page
    internal: bool = False
    #: columns (by index) that hold words, aligned left; the others are figures (right)
    text_columns: set[int] = field(default_factory=lambda: {0})
    #: on the page: all the rows there are when only the first are shown (0: all shown)
    total: int = 0
    #: on the page: where to download every row when only the first are shown
    download: str = ""


#: lists of individual requests or comments: their file names (CSV of every row)
LISTS = {"complaints": "pengaduan", "comments": "komentar"}
#: rows of such a list shown on the page; the rest are in the download
PAGE_ROWS = 20


def clip(table: Table, download: str, limit: int = PAGE_ROWS) -> Table:
    """The table for the page: its first `limit` rows, and where to download them all."""
    total = table.total or len(table.rows)
    if total <= limit:
        return table
    return replace(table, rows=table.rows[:limit], total=total, download=download)


def display(value: Cell, tz: str = "Asia/Jakarta") -> str:
    """A cell for people: '-' for nothing, decimal comma, dates in WIB."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(tz)).strftime("%d-%m-%Y %H.%M")
    if isinstance(value, (Decimal, float)):
        return str(value).replace(".", ",")
    return str(value)


def _walk(report: Report) -> list[tuple[Group, bool]]:
    """(group, is_service) in display order: each unit then its services, then the total."""
    out = []
    for unit in report.units:
        out.append((unit, False))
        out += [(service, True) for service in unit.children]
    return out


def single_unit(report: Report) -> bool:
    """One unit in scope (a kabid's report): its figures are the total, so no total is added
    beside or below it (it would repeat the unit's column or rows)."""
    return len(report.units) == 1


def _grouped(report: Report, key: str, title: str, headers: list[str], cells, note: str = ""
             ) -> Table:
    table = Table(key, title, ["Bidang / layanan", *headers], [], note=note)
    for group, is_service in _walk(report):
        if is_service:
            table.nested.add(len(table.rows))
        else:
            table.strong.add(len(table.rows))
        table.rows.append([group.name, *cells(group.figures)])
    if not single_unit(report):
        table.strong.add(len(table.rows))
        table.rows.append([f"Jumlah ({report.overall.name})", *cells(report.overall.figures)])
    return table


def _volume(f: Figures) -> list[Cell]:
    return ([f.received] + [f.by_type.get(t, 0) for t in TYPES]
            + [f.by_channel.get(c, 0) for c in CHANNELS] + [f.open_at_end])


def _sla(f: Figures) -> list[Cell]:
    return [f.answered, f.first_on_time, f.first_on_time_share, f.resolved, f.resolved_on_time,
            f.resolved_on_time_share, hours(f.median_seconds), hours(f.p90_seconds),
            hours(f.mean_seconds), f.overdue, f.reopened, f.reopened_share]


def _escalations(f: Figures) -> list[Cell]:
    return [f.escalations.get(level, 0) for level in LEVEL_LABELS]


def _ikm(f: Figures) -> list[Cell]:
    i = f.ikm
    return [i.respondents, i.value, i.category, i.label]


def _with_text(table: Table, *columns: int) -> Table:
    table.text_columns |= set(columns)
    return table


def tables(report: Report, *, internal: bool = True, list_rows: int | None = None
           ) -> list[Table]:
    """Every table of the report, in reading order. list_rows: the lists of requests and
    comments (LISTS) with that many rows at most, their `total` telling how many there are
    (for clip: the page and the PDF show the first rows of a list of thousands)."""
    out = [
        _grouped(report, "volume", "Volume permohonan menurut jenis dan saluran",
                 ["Diterima"] + [TYPE_LABELS[t] for t in TYPES]
                 + [CHANNEL_LABELS[c] for c in CHANNELS] + ["Terbuka di akhir periode"], _volume,
                 note="Terbuka di akhir periode: termasuk permohonan dari periode sebelumnya "
                      "yang belum selesai pada akhir periode."),
        _grouped(report, "sla", "Ketepatan waktu (standar pelayanan)",
                 ["Dijawab", "Jawaban pertama tepat waktu", "Tepat waktu (%)", "Selesai akhir",
                  "Selesai akhir tepat waktu", "Selesai tepat waktu (%)",
                  "Median waktu jawab (jam kerja)", "Persentil 90 (jam kerja)",
                  "Rata-rata (jam kerja)", "Terlambat", "Dibuka kembali", "Dibuka kembali (%)"],
                 _sla,
                 note="Waktu jawab dihitung dalam jam kerja kantor (hari libur dan cuti bersama "
                      "tidak dihitung), dari permohonan diterima sampai jawaban pertama. "
                      "Dibuka kembali: pemohon menyatakan jawaban belum dipahami."),
        _grouped(report, "escalations", "Pengingat dan eskalasi",
                 list(LEVEL_LABELS.values()), _escalations,
                 note="Jumlah permohonan yang mencapai tingkat itu sekurang-kurangnya sekali."),
        _with_text(_grouped(report, "ikm", "Indeks Kepuasan Masyarakat (IKM)",
                 ["Responden", "IKM", "Mutu", "Kinerja"], _ikm,
                 note="IKM = rata-rata nilai unsur x 25 (PermenPAN-RB 14/2017); mutu A 88,31-100 "
                      "sangat baik, B 76,61-88,30 baik, C 65,00-76,60 kurang baik, "
                      "D 25,00-64,99 tidak baik."), 3, 4),
        _elements(report),
    ]
    if report.previous is not None:
        out.append(_comparison(report))
    if internal:
        out += _internal(report, list_rows)
    return out


def _elements(report: Report) -> Table:
    """NRR per element: a column per unit with responses, then the total column (only when
    more than one unit is in scope; for one unit the total is that unit's column)."""
    if single_unit(report):
        columns = [report.units[0]]
    else:
        columns = [u for u in report.units if u.figures.ikm.respondents] + [report.overall]
    table = Table("elements", "Nilai per unsur pelayanan (NRR, skala 1-4)",
                  ["Kode", "Unsur"] + [g.name for g in columns], [], text_columns={0, 1})
    pairs = zip(ikm_rules.ELEMENT_CODES, ikm_rules.ELEMENT_KEYS, strict=True)
    for i, (code, key) in enumerate(pairs):
        table.rows.append([code, ikm_rules.ELEMENT_LABELS[key]]
                          + [g.figures.ikm.nrr_value(i) for g in columns])
    table.strong.add(len(table.rows))
    table.rows.append(["IKM", "Indeks Kepuasan Masyarakat (rata-rata NRR x 25)"]
                      + [g.figures.ikm.value for g in columns])
    return table


def _delta(now: Cell, before: Cell) -> Cell:
    if isinstance(now, (int, Decimal)) and isinstance(before, (int, Decimal)):
        return now - before
    return None


def _comparison(report: Report) -> Table:
    prev = report.previous
    table = Table("comparison",
                  f"Perbandingan dengan periode sebelumnya ({prev.period.label})",
                  ["Bidang", "Ukuran", report.period.label, prev.period.label, "Perubahan"], [],
                  text_columns={0, 1})
    pairs = [(u, prev.unit(u.key)) for u in report.units]
    if not single_unit(report):
        pairs.append((report.overall, prev.overall))
    for now_group, before in pairs:
        b = before.figures if before is not None else Figures()
        f = now_group.figures
        for label, a_value, b_value in (
                ("Diterima", f.received, b.received),
                ("Dijawab", f.answered, b.answered),
                ("Tepat waktu (%)", f.first_on_time_share, b.first_on_time_share),
                ("Median waktu jawab (jam kerja)", hours(f.median_seconds),
                 hours(b.median_seconds)),
                ("IKM", f.ikm.value, b.ikm.value)):
            table.rows.append([now_group.name, label, a_value, b_value, _delta(a_value, b_value)])
    return table


def _first(items: list, limit: int | None) -> tuple[list, int]:
    """The first `limit` items (all with None), and their number when more were left out."""
    if limit is None or len(items) <= limit:
        return items, 0
    return items[:limit], len(items)


def _internal(report: Report, list_rows: int | None = None) -> list[Table]:
    staff = Table("staff", "Kinerja petugas (internal)",
                  ["Nama", "Bidang", "Ditangani", "Dijawab", "Tepat waktu", "Tepat waktu (%)",
                   "Median waktu jawab (jam kerja)", "Terbuka sekarang"],
                  [[s.name, s.unit, s.handled, s.answered, s.answered_on_time, s.on_time_share,
                    hours(s.median_seconds), s.open_now] for s in report.staff],
                  note="Ditangani: permohonan periode ini yang kini ditugaskan kepadanya. "
                       "Terbuka sekarang: semua permohonan terbuka yang ditugaskan kepadanya.",
                  internal=True, text_columns={0, 1})
    shown, total = _first(report.complaints, list_rows)
    complaints = Table("complaints", "Pengaduan dan tindak lanjutnya",
                       ["Kode", "Diterima", "Bidang", "Layanan", "Perihal", "Status", "Hasil"],
                       [[c.code, c.created_dt, c.unit or "triase",
                         report.service_names.get(c.service, c.service), c.subject, c.status,
                         c.outcome_label] for c in shown], internal=True,
                       text_columns={0, 1, 2, 3, 4, 5, 6}, total=total)
    shown, total = _first(report.comments, list_rows)
    comments = Table("comments", "Saran dan komentar masyarakat (survei)",
                     ["Tanggal", "Bidang", "Layanan", "Komentar"],
                     [[c.submitted_dt, c.unit or "-", report.service_names.get(c.service, "-"),
                       c.text] for c in shown], internal=True,
                     text_columns={0, 1, 2, 3}, total=total)
    return [staff, complaints, comments]


# ------------------------------------------------------------------ the document's other parts

def _pct(part: int, whole: int) -> Decimal | None:
    return share(part, whole)


def profile_table(doc: Document) -> Table:
    """Respondents per profile answer, this quarter and the one before (counts only)."""
    now, before = doc.profile, doc.previous_profile
    headers = ["Karakteristik", "Pilihan", f"{doc.report.period.label}: jumlah",
               f"{doc.report.period.label}: %"]
    if before is not None and doc.report.previous is not None:
        label = doc.report.previous.period.label
        headers += [f"{label}: jumlah", f"{label}: %"]
    table = Table("profile", "Profil responden survei kepuasan masyarakat", headers, [],
                  note="Diisi sukarela oleh responden; hanya dilaporkan sebagai jumlah per "
                       "periode, tidak pernah dikaitkan dengan nama atau permohonan.",
                  text_columns={0, 1})
    for key, label, choices in skm.PROFILE_FIELDS:
        for code, choice in [*list(choices), (None, skm.NOT_STATED)]:
            n = now.count(key, code)
            row: list[Cell] = [label, choice, n, _pct(n, now.respondents)]
            if len(headers) > 4:
                m = before.count(key, code)
                row += [m, _pct(m, before.respondents)]
            table.rows.append(row)
    table.strong.add(len(table.rows))
    total: list[Cell] = ["Jumlah responden", "", now.respondents, None]
    if len(headers) > 4:
        total += [before.respondents, None]
    table.rows.append(total)
    return table


def sample_table(doc: Document) -> Table:
    """Respondents against the regulation's recommended minimum for the people served."""
    rows = [(doc.report.overall.name, doc.sample), *list(doc.unit_samples)]
    if len(doc.report.units) == 1:
        rows = [(doc.report.units[0].name, doc.sample)]
    table = Table("sample", "Kecukupan sampel survei",
                  ["Cakupan", "Penerima layanan (dijawab)", "Responden", "Sampel minimum",
                   "Keterangan"], [],
                  note="Sampel minimum menurut tabel Krejcie dan Morgan pada PermenPAN-RB "
                       "Nomor 14 Tahun 2017 untuk jumlah penerima layanan periode ini (baris "
                       "populasi berikutnya bila jumlahnya tidak tercantum).",
                  text_columns={0, 4})
    for name, s in rows:
        table.rows.append([name, s.population, s.respondents, s.minimum, s.verdict])
    return table


def plan_table(review: Review, key: str, title: str) -> Table:
    return Table(key, title,
                 ["Unsur", "Tindakan", "Penanggung jawab", "Target", "Status", "Pelaksanaan"],
                 [[a.element_label or "Umum", a.action, a.owner,
                   a.target_date.strftime("%d-%m-%Y"), a.status_label, a.progress or "-"]
                  for a in review.actions],
                 text_columns={0, 1, 2, 3, 4, 5})


def document_tables(doc: Document) -> list[Table]:
    """The tables of the document after the report's own: profile, sample, plans."""
    return [profile_table(doc), sample_table(doc)]
