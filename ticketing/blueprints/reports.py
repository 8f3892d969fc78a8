"""The quarterly evaluation for kabid and ketua tim (own unit), kepala dinas and admin (all
units): on screen, as PDF and as XLSX."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from ..domain import periods
from ..domain.charts import report_charts
from ..domain.evaluation import may_write_review
from ..domain.report import report_access
from ..domain.report_tables import (
    LISTS,
    PAGE_ROWS,
    clip,
    display,
    document_tables,
    plan_table,
    tables,
)
from ..extensions import db
from ..models import Unit
from ..services import evaluation, report_files, reports
from ..urls import public_base
from .helpers import now_utc, today_local
from .staff_common import require_login

bp = Blueprint("reports", __name__, url_prefix="/staf/laporan")
require_login(bp)


@bp.app_template_global("may_read_reports")
def may_read_reports() -> bool:
    """For the staff menu: the same rule as the routes."""
    return current_user.is_authenticated and report_access(
        current_user.role, current_user.unit_id).allowed


@bp.before_request
def _allowed():
    if not report_access(current_user.role, current_user.unit_id).allowed:
        abort(403)


def _read_period(unit: Unit | None = None) -> tuple[periods.Period | None, str | None]:
    """The period from ?periode=2026-Q4|2026-11, or ?dari=&sampai= (dates); default: the
    quarter that ended last when it has data, else the most recent quarter with data."""
    first, last = request.args.get("dari"), request.args.get("sampai")
    try:
        if first or last:
            try:
                return periods.date_range(date.fromisoformat(first or ""),
                                          date.fromisoformat(last or "")), None
            except ValueError as exc:
                if isinstance(exc, periods.PeriodError):
                    raise
                raise periods.PeriodError("Isi tanggal awal dan akhir.") from exc
        value = request.args.get("periode")
        if value:
            return periods.parse_period(value), None
        return evaluation.default_period(today_local(), now_utc(), unit), None
    except periods.PeriodError as exc:
        return None, str(exc)


def scope_unit(chosen: str | None) -> Unit | None:
    """The unit in scope: a kabid's (or ketua tim's) own, refusing another; for all-unit
    roles the chosen one or all (None). Shared by the report and the follow-up plan pages."""
    access = report_access(current_user.role, current_user.unit_id)
    chosen = chosen or None
    if not access.all_units:
        unit = db.session.get(Unit, current_user.unit_id)
        if chosen and chosen != unit.code:
            abort(403)
        return unit
    if chosen is None:
        return None
    unit = db.session.scalar(select(Unit).where(Unit.code == chosen))
    if unit is None:
        abort(404)
    return unit


def _unit() -> Unit | None:
    return scope_unit(request.args.get("bidang"))


@bp.get("/")
def index():
    unit = _unit()
    period, error = _read_period(unit)
    access = report_access(current_user.role, current_user.unit_id)
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order)).all() \
        if access.all_units else []
    context = {"quarters": periods.recent(today_local(), "quarter", 8),
               "months": periods.recent(today_local(), "month", 12), "units": units, "unit": unit,
               "error": error, "args": request.args}
    if period is None:
        return render_template("reports/index.html", report=None, **context), 422
    report = reports.evaluation(period, now_utc(), unit=unit)
    doc = evaluation.document(report, unit, today_local())
    query = _query(period)
    rows = current_app.config.get("REPORT_LIST_ROWS", PAGE_ROWS)
    page_tables = [clip(t, _csv_url(t.key, query), rows) if t.key in LISTS else t
                   for t in tables(report, list_rows=rows)]
    return render_template("reports/index.html", report=report, doc=doc,
                           charts=report_charts(report), tables=page_tables,
                           extra_tables=document_tables(doc), plan_table=plan_table,
                           display=display, query=query,
                           may_write=may_write_review(current_user.role, current_user.unit_id,
                                                      unit.id if unit else None), **context)


def _query(period: periods.Period) -> dict[str, str]:
    """The report's own arguments (period, unit), the period spelled out when defaulted."""
    query = {k: v for k, v in request.args.items() if k in ("periode", "dari", "sampai",
                                                              "bidang") and v}
    if not any(k in query for k in ("periode", "dari")):
        query["periode"] = period.key
    return query


def _csv_url(key: str, query: dict[str, str], external: bool = False) -> str:
    """Where every row of a list (LISTS) is downloaded as CSV (the whole address for paper)."""
    path = url_for("reports.rows_csv", name=LISTS[key], **query)
    return public_base() + path if external else path


def _file(ext: str):
    unit = _unit()
    period, error = _read_period(unit)
    if period is None:
        abort(422, description=error)  # the Indonesian error page says what was wrong
    report = reports.evaluation(period, now_utc(), unit=unit)
    doc = evaluation.document(report, unit, today_local())
    tz = current_app.config["TIMEZONE"]
    if ext == "pdf":
        # a printed page needs the whole address of the CSV
        query = _query(period)
        data = report_files.to_pdf(
            report, tz, document=doc,
            downloads={key: _csv_url(key, query, external=True) for key in LISTS},
            list_rows=current_app.config.get("REPORT_LIST_ROWS", PAGE_ROWS))
        mimetype = "application/pdf"
    else:
        data = report_files.to_xlsx(report, tz, document=doc)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    import io

    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=report_files.filename(report, ext))


@bp.get("/<name>.csv")
def rows_csv(name: str):
    """Every row of a list the page shows only the first of (complaints, comments)."""
    key = {file: key for key, file in LISTS.items()}.get(name)
    if key is None:
        abort(404)
    unit = _unit()
    period, error = _read_period(unit)
    if period is None:
        abort(422, description=error)
    report = reports.evaluation(period, now_utc(), unit=unit)
    table = next(t for t in tables(report) if t.key == key)
    body = report_files.to_csv(table, current_app.config["TIMEZONE"]).encode("utf-8-sig")
    import io

    return send_file(io.BytesIO(body), mimetype="text/csv", as_attachment=True,
                     download_name=report_files.filename(report, "csv").replace(
                         "evaluasi-", f"{name}-", 1))


@bp.get("/unduh.pdf")
def pdf():
    return _file("pdf")


@bp.get("/unduh.xlsx")
def xlsx():
    return _file("xlsx")
