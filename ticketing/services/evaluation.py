"""Which quarter the evaluation opens on, and the parts of the evaluation document that are
not figures (respondent profile, follow-up plan, signatory): the queries behind them.

The figures themselves come from services.reports (how they are computed is its business).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from ..domain import evaluation as ev
from ..domain import periods, skm
from ..domain.report import Report
from ..extensions import db
from ..models import ReportSignatory, SurveyResponse, Ticket, Unit, User
from . import audit, followup


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _has_data(period: periods.Period, unit: Unit | None) -> bool:
    start, end = period.bounds(_tz())
    tickets = select(Ticket.id).where(Ticket.created_dt >= start, Ticket.created_dt < end)
    responses = select(SurveyResponse.id).where(SurveyResponse.submitted_dt >= start,
                                                SurveyResponse.submitted_dt < end)
    if unit is not None:
        tickets = tickets.where(Ticket.unit_id == unit.id)
        responses = responses.where(SurveyResponse.unit_id == unit.id)
    return (db.session.scalar(tickets.limit(1)) is not None
            or db.session.scalar(responses.limit(1)) is not None)


def _latest(unit: Unit | None, now: datetime) -> datetime | None:
    tickets = select(func.max(Ticket.created_dt)).where(Ticket.created_dt <= now)
    responses = select(func.max(SurveyResponse.submitted_dt)).where(
        SurveyResponse.submitted_dt <= now)
    if unit is not None:
        tickets = tickets.where(Ticket.unit_id == unit.id)
        responses = responses.where(SurveyResponse.unit_id == unit.id)
    moments = [m for m in (db.session.scalar(tickets), db.session.scalar(responses)) if m]
    return max(moments) if moments else None


def default_period(today: date, now: datetime, unit: Unit | None) -> periods.Period:
    """The quarter to open on: the last finished quarter when it has data (the one to
    evaluate); otherwise the most recent quarter with data (requests received or survey
    responses in scope), which may be the running one; with no data at all, the last
    finished quarter."""
    finished = periods.containing(today, "quarter").previous()
    if _has_data(finished, unit):
        return finished
    latest = _latest(unit, now)
    if latest is None:
        return finished
    if latest.tzinfo is None:  # an aggregate may come back naive (UTC) from SQLite
        latest = latest.replace(tzinfo=UTC)
    return periods.containing(latest.astimezone(_tz()).date(), "quarter")


# ------------------------------------------------------------------ respondent profile

def load_profile(period: periods.Period, unit: Unit | None) -> skm.Profile:
    """Counts of the profile answers of the responses submitted in the period (the same
    responses as the IKM), without anything that identifies a response."""
    start, end = period.bounds(_tz())
    query = select(SurveyResponse.sex, SurveyResponse.age_group, SurveyResponse.education,
                   SurveyResponse.occupation).where(SurveyResponse.submitted_dt >= start,
                                                    SurveyResponse.submitted_dt < end)
    if unit is not None:
        query = query.where(SurveyResponse.unit_id == unit.id)
    return skm.profile(db.session.execute(query).all())


# ------------------------------------------------------------------ signatory

def signatory() -> ev.Signatory:
    row = db.session.scalar(select(ReportSignatory).order_by(ReportSignatory.id).limit(1))
    if row is None:
        return ev.DEFAULT_SIGNATORY
    return ev.Signatory(row.name, row.position, row.rank, row.nip, row.place)


def seed_signatory(now: datetime) -> bool:
    """The standard's signer as the signatory, unless one is set. No commit."""
    if db.session.scalar(select(ReportSignatory.id).limit(1)) is not None:
        return False
    d = ev.DEFAULT_SIGNATORY
    db.session.add(ReportSignatory(name=d.name, position=d.position, rank=d.rank, nip=d.nip,
                                   place=d.place, updated_dt=now))
    return True


def set_signatory(values: ev.Signatory, actor: User, now: datetime) -> None:
    """Change who signs (audited). No commit."""
    row = db.session.scalar(select(ReportSignatory).order_by(ReportSignatory.id).limit(1))
    old = signatory()
    if row is None:
        row = ReportSignatory()
        db.session.add(row)
    for key in ("name", "position", "rank", "nip", "place"):
        setattr(row, key, getattr(values, key))
    row.updated_dt = now
    audit.record(None, "report_signatory", now, actor=actor, old=f"{old.name} ({old.nip})",
                 new=f"{values.name} ({values.nip})")


# ------------------------------------------------------------------ the document

def _population(group) -> int:
    """The people served in the period: requests received in it and answered (the basis of
    the sample size)."""
    return group.figures.answered


def document(report: Report, unit: Unit | None, today: date, *,
             published_only: bool = False) -> ev.Document:
    """The report with its written parts, for the page, the PDF and the XLSX."""
    profile = load_profile(report.period, unit)
    previous_profile = (load_profile(report.previous.period, unit)
                        if report.previous is not None else None)
    f = report.overall.figures
    unit_samples = []
    if len(report.units) > 1:
        unit_samples = [(g.name, skm.sample(_population(g), g.figures.ikm.respondents))
                        for g in report.units if g.key is not None]
    is_quarter = report.period.kind == "quarter"
    reviews = followup.reviews(report.period.key, unit, published_only=published_only) \
        if is_quarter else []
    previous = followup.reviews(report.period.previous().key, unit,
                                published_only=published_only) if is_quarter else []
    return ev.Document(
        report=report, profile=profile, previous_profile=previous_profile,
        sample=skm.sample(_population(report.overall), f.ikm.respondents),
        weakest=skm.weakest(f.ikm), reviews=reviews, previous_reviews=previous,
        signatory=signatory(), signed_on=today, unit_samples=unit_samples)
