"""The evaluation of a finished quarter is computed once and reused by the page, the PDF and
the XLSX until something is recorded; long lists (complaints, comments) show their first rows
on the page and download whole as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import event, select

from ticketing.domain.periods import parse_period
from ticketing.domain.report_tables import clip, tables
from ticketing.extensions import db
from ticketing.models import SlaNotification, Ticket
from ticketing.services import calendar as calendar_service
from ticketing.services import reports
from ticketing.services import tickets as ticket_service
from ticketing.services.people import issue_token

from ..factories import gen_ticket
from ..support.quarter import REPORT_NOW, prebuilt_quarter
from ..support.staff import login, staff

pytestmark = pytest.mark.prebuilt(build=prebuilt_quarter(count=22, sla_checks=False))
Q4 = parse_period("2026-Q4")


@pytest.fixture
def cohort_reads(app):
    """How many times the report read the quarter's cohort (its SLA-level query)."""
    seen = []
    table = SlaNotification.__tablename__

    def count(conn, cursor, statement, *args):
        if table in statement and "JOIN" in statement.upper():
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(db.engine, "before_cursor_execute", count)


def test_a_finished_quarter_is_computed_once_for_page_pdf_and_xlsx(client, quarter,
                                                                   cohort_reads):
    login(client, staff(REPORT_NOW, "kepala_dinas", None))
    assert client.get("/staf/laporan/?periode=2026-Q4").status_code == 200
    first = len(cohort_reads)
    assert first >= 1
    assert client.get("/staf/laporan/unduh.pdf?periode=2026-Q4").status_code == 200
    assert client.get("/staf/laporan/unduh.xlsx?periode=2026-Q4").status_code == 200
    assert client.get("/staf/laporan/?periode=2026-Q4").status_code == 200
    assert len(cohort_reads) == first
    # another scope is another report
    assert client.get("/staf/laporan/?periode=2026-Q4&bidang=PUMK").status_code == 200
    assert len(cohort_reads) > first


def test_a_recorded_change_is_seen_at_once(app, quarter):
    before = reports.evaluation(Q4, REPORT_NOW)
    assert reports.evaluation(Q4, REPORT_NOW) is before
    ticket = db.session.scalar(select(Ticket).where(
        Ticket.status.in_(("baru", "diproses")), Ticket.created_dt >= Q4.bounds(
            app.config["TIMEZONE"])[0]).order_by(Ticket.id))
    assert ticket is not None
    kabid = staff(REPORT_NOW, "kabid", ticket.unit.code)
    ticket_service.reply(ticket, kabid, "Jawaban.", "selesai", REPORT_NOW)
    db.session.commit()
    after = reports.evaluation(Q4, REPORT_NOW)
    assert after is not before
    assert after.overall.figures.answered >= before.overall.figures.answered
    assert (after.overall.figures.resolved, after.overall.figures.answered) != (
        before.overall.figures.resolved, before.overall.figures.answered)


def test_the_figures_without_internal_parts_come_from_the_kept_full_report(app, quarter,
                                                                          cohort_reads):
    """The next quarter's comparison and the follow-up plan page ask for the quarter without
    staff figures, complaints and comments: taken from the full report when it is kept, the
    same figures as computed on their own."""
    alone = reports.evaluation(Q4, REPORT_NOW, internal=False, with_previous=False)
    reports.period_cache.forget()
    full = reports.evaluation(Q4, REPORT_NOW)
    reads = len(cohort_reads)
    public = reports.evaluation(Q4, REPORT_NOW, internal=False, with_previous=False)
    assert len(cohort_reads) == reads  # nothing read again
    assert public.staff == public.complaints == public.comments == [] and not public.previous
    assert full.staff and full.complaints  # the kept report itself is untouched
    assert public.overall == alone.overall and public.units == alone.units
    assert (public.weekly_volume, public.monthly_attainment) == (alone.weekly_volume,
                                                                 alone.monthly_attainment)
    # the running quarter after it compares with those figures, without reading Q4 again
    running = reports.evaluation(parse_period("2027-Q1"), REPORT_NOW.replace(year=2027,
                                                                             month=2))
    assert running.previous.overall == alone.overall


def test_what_concerns_only_later_requests_keeps_the_finished_quarter(app, quarter):
    """New requests arrive all the time: they, their audit entries and unrelated admin
    actions keep a finished quarter's report; a calendar change does not."""
    before = reports.evaluation(Q4, REPORT_NOW)
    version = reports.data_version()
    gen_ticket(REPORT_NOW)  # received in 2027: a later request, with its audit entries
    issue_token(staff(REPORT_NOW, "kepala_dinas", None), REPORT_NOW)  # audited, no request
    db.session.commit()
    assert reports.data_version() != version
    assert reports.evaluation(Q4, REPORT_NOW) is before
    assert reports.evaluation(Q4, REPORT_NOW, internal=False,
                              with_previous=False).overall is before.overall
    calendar_service.add_closure(date(2026, 12, 24), "Libur daerah", REPORT_NOW)
    db.session.commit()
    assert reports.evaluation(Q4, REPORT_NOW) is not before


def test_a_running_period_is_never_cached(app, quarter):
    running = parse_period("2027-Q1")
    assert reports.evaluation(running, REPORT_NOW) is not reports.evaluation(running,
                                                                             REPORT_NOW)


def test_the_page_shows_the_first_rows_and_the_csv_holds_them_all(app, client, quarter):
    report = reports.evaluation(Q4, REPORT_NOW)
    complaints = next(t for t in tables(report) if t.key == "complaints")
    assert len(complaints.rows) >= 2, "the quarter needs complaints for this test"
    app.config["REPORT_LIST_ROWS"] = 1
    login(client, staff(REPORT_NOW, "kepala_dinas", None))
    html = client.get("/staf/laporan/?periode=2026-Q4").get_data(as_text=True)
    section = html.split('id="tabel-complaints"')[1].split("</section>")[0]
    assert section.count("<tr") == 2  # the header and one complaint
    assert f"1 dari {len(complaints.rows)}" in section
    assert "/staf/laporan/pengaduan.csv?periode=2026-Q4" in section

    download = client.get("/staf/laporan/pengaduan.csv?periode=2026-Q4")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert rows[0] == complaints.headers
    assert sorted(r[0] for r in rows[1:]) == sorted(c.code for c in report.complaints)
    assert client.get("/staf/laporan/komentar.csv?periode=2026-Q4").status_code == 200
    assert client.get("/staf/laporan/rahasia.csv?periode=2026-Q4").status_code == 404
    assert client.get("/staf/laporan/pengaduan.csv?periode=2026-Q9").status_code == 422


def test_the_csv_follows_the_report_rules(client, quarter):
    login(client, staff(REPORT_NOW, "staf", "PUMK"))
    assert client.get("/staf/laporan/pengaduan.csv?periode=2026-Q4").status_code == 403
    login(client, staff(REPORT_NOW, "kabid", "KELEMBAGAAN"))
    assert client.get("/staf/laporan/pengaduan.csv?periode=2026-Q4&bidang=PUMK"
                      ).status_code == 403


def test_clip_and_csv_cells():
    from ticketing.domain.report_tables import Table
    from ticketing.services.report_files import to_csv

    table = Table("comments", "t", ["Tanggal", "Komentar"],
                  [[None, f"=HYPERLINK(\"x\") {i}"] for i in range(25)])
    page = clip(table, "/unduh")
    assert len(page.rows) == 20 and page.total == 25 and page.download == "/unduh"
    assert clip(page, "/unduh", 30) is page and len(table.rows) == 25
    body = list(csv.reader(io.StringIO(to_csv(table))))
    assert len(body) == 26 and body[1] == ["", "'=HYPERLINK(\"x\") 0"]
