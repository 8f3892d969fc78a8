"""The public transparency page (no login, no personal data), its CSV, and the stats API."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from sqlalchemy import select

from ..domain import periods
from ..domain.charts import report_charts
from ..domain.report import working_days
from ..domain.report_tables import display, plan_table
from ..extensions import csrf, db
from ..models import Service
from ..services import followup
from ..services import stats as stats_service
from ..urls import public_url
from .helpers import now_utc, today_local

bp = Blueprint("transparency", __name__)
api = Blueprint("stats_api", __name__, url_prefix="/api/v1")
csrf.exempt(api)


@bp.app_template_filter("num")
def num(value, suffix: str = "") -> str:
    """A figure the Indonesian way (decimal comma); '-' for no value."""
    if value is None:
        return "-"
    return str(value).replace(".", ",") + suffix


@bp.app_template_filter("workdays")
def workdays(seconds) -> str:
    return num(working_days(seconds))


def _period(value: str | None) -> periods.Period:
    """The asked period, or the current quarter when none was asked."""
    if not value:
        return periods.containing(today_local(), "quarter")
    return periods.parse_period(value)


def _standards() -> set[str]:
    return set(db.session.scalars(select(Service.slug).where(Service.is_active)))


@bp.get("/kinerja")
def index():
    try:
        period = _period(request.args.get("periode"))
    except periods.PeriodError as exc:
        return render_template("errors.html", code=422, title="Periode tidak dikenal",
                               text=str(exc)), 422
    report = stats_service.public_report(period, now_utc())
    # Public: the volume, attainment and IKM charts are aggregates only; the analysis and
    # follow-up plans only once the kepala dinas approved them.
    is_quarter = period.kind == "quarter"
    plans = followup.reviews(period.key, None, published_only=True) if is_quarter else []
    previous_plans = (followup.reviews(period.previous().key, None, published_only=True)
                      if is_quarter else [])
    return render_template(
        "transparency/index.html", report=report,
        charts=report_charts(report, stats_service.ikm_minimum()),
        plans=plans, previous_plans=previous_plans, plan_table=plan_table, display=display,
        quarters=periods.recent(today_local(), "quarter", 8),
        months=periods.recent(today_local(), "month", 12), standards=_standards(),
        ikm_min=stats_service.ikm_minimum())


@bp.get("/kinerja/data.csv")
def csv():
    try:
        period = _period(request.args.get("periode"))
    except periods.PeriodError as exc:
        return Response(str(exc) + "\n", status=422, mimetype="text/plain")
    body = stats_service.stats_csv(stats_service.public_report(period, now_utc()))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="kinerja-{period.key}.csv"'})


def _standard_url(slug: str) -> str:
    return public_url("public.service_standard", slug=slug)


@api.get("/stats")
def stats():
    value = request.args.get("period")
    try:
        period = periods.parse_period(value)
    except periods.PeriodError as exc:
        return jsonify({"errors": {"period": str(exc)}}), 422
    report = stats_service.public_report(period, now_utc())
    return jsonify(stats_service.stats_json(report, _standard_url))

