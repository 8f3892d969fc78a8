"""The public figures of a period (transparency page, its CSV, the stats API), summed from the
daily facts: two GROUP BY queries over at most a few thousand small rows, whatever the number
of tickets. A finished period's report is kept in memory (services.period_cache; only a late
answer to one of its requests can still move it, and the nightly rebuild settles that).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import case, func, literal, select

from ..domain.facts import SummedFigures
from ..domain.periods import Period
from ..domain.report import TRIAGE, Group, Report
from ..extensions import db
from ..models import DailyFact, Service, Ticket, Unit
from ..models.facts import MEASURES
from . import period_cache


def report(period: Period, now: datetime) -> Report:
    """The period's public figures; a finished period's are reused (services.period_cache)."""
    tz = current_app.config["TIMEZONE"]
    return period_cache.cached("facts", period, now, lambda: _build(period, now, tz))


def forget() -> None:
    """Drop the cached reports (after a rebuild)."""
    period_cache.forget("facts")


def _unanswered_late(period: Period, now: datetime, tz: str) -> list[tuple]:
    """(unit id, service id, first day of the month received, count) of the period's
    requests overdue and unanswered, counted by the database: a backlog of thousands is a
    few rows here, not thousands of rows read one by one (issue 13)."""
    start, end = period.bounds(tz)
    zone = ZoneInfo(tz)
    months = period.months()
    # the month (on the office's clock) a request was received in, as its index in `months`
    later = [datetime.combine(m, time.min, tzinfo=zone) for m in months[1:]]
    month = (case(*((Ticket.created_dt < first, i) for i, first in enumerate(later)),
                  else_=len(later)) if later else literal(0))
    late = select(Ticket.unit_id, Ticket.service_id, month.label("month")).where(
        Ticket.is_unanswered_late_at(now), Ticket.created_dt >= start,
        Ticket.created_dt < end).subquery()
    return [(r.unit_id, r.service_id, months[r.month], r.count) for r in db.session.execute(
        select(late.c.unit_id, late.c.service_id, late.c.month, func.count().label("count"))
        .group_by(late.c.unit_id, late.c.service_id, late.c.month))]


def _build(period: Period, now: datetime, tz: str) -> Report:
    f = DailyFact.__table__
    sums = [func.sum(f.c[m]).label(m) for m in MEASURES]
    in_period = (f.c.day >= period.start, f.c.day < period.end)
    groups = db.session.execute(
        select(f.c.unit_id, f.c.service_id, f.c.channel, f.c.type, *sums)
        .where(*in_period).group_by(f.c.unit_id, f.c.service_id, f.c.channel, f.c.type)
    ).mappings().all()
    daily = db.session.execute(
        select(f.c.day, func.sum(f.c.received).label("received"),
               func.sum(f.c.answered).label("answered"),
               func.sum(f.c.answered_on_time).label("answered_on_time"))
        .where(*in_period).group_by(f.c.day)).all()

    units = db.session.execute(select(Unit.id, Unit.code, Unit.name)
                               .order_by(Unit.sort_order, Unit.id)).all()
    services = db.session.execute(select(Service.id, Service.slug, Service.name, Unit.code)
                                  .outerjoin(Unit, Unit.id == Service.unit_id)
                                  .order_by(Service.sort_order, Service.id)).all()
    unit_code = {u.id: u.code for u in units}
    service_slug = {s.id: s.slug for s in services}
    unit_names = {u.code: u.name for u in units}
    service_names = {s.slug: s.name for s in services}
    service_names.setdefault(None, "Tanpa layanan")

    by_unit: dict = defaultdict(SummedFigures)
    by_service: dict = defaultdict(SummedFigures)
    overall = SummedFigures()
    for row in groups:
        fact = {k: (v or 0) for k, v in dict(row).items()}
        unit = unit_code.get(row["unit_id"]) if row["unit_id"] else TRIAGE
        service = service_slug.get(row["service_id"]) if row["service_id"] else None
        for target in (by_unit[unit], by_service[(unit, service)], overall):
            target.add(fact)
    # Still unanswered past the deadline at `now`: counted late (domain.report.on_time_share).
    # Read live, as time alone makes a request late; bounded by the open work.
    late_by_month: dict = defaultdict(int)
    for unit_id, service_id, month, late in _unanswered_late(period, now, tz):
        unit = unit_code.get(unit_id) if unit_id else TRIAGE
        service = service_slug.get(service_id) if service_id else None
        for target in (by_unit[unit], by_service[(unit, service)], overall):
            target.unanswered_late += late
        late_by_month[(month.year, month.month)] += late

    keys = [u.code for u in units]
    if TRIAGE in by_unit:
        unit_names[TRIAGE] = "Belum ditentukan (triase)"
    keys += sorted((k for k in by_unit if k not in keys), key=lambda k: (k is None, k or ""))
    out = []
    for key in keys:
        group = Group(key, unit_names.get(key, key or ""), by_unit[key].finish())
        catalogue = [s.slug for s in services if s.code == key]
        seen = [s for (u, s) in by_service if u == key and s not in catalogue]
        for slug in catalogue + sorted(seen, key=lambda k: (k is None, k or "")):
            group.children.append(Group(slug, service_names.get(slug, slug or ""),
                                        by_service[(key, slug)].finish()))
        out.append(group)

    per_day = {row.day: row for row in daily}
    today = now.astimezone(ZoneInfo(tz)).date()
    weekly = []
    for monday in period.weeks():
        if monday > today:
            break  # a week that has not begun is not a week with nothing received
        weekly.append((monday, sum(int(per_day[d].received or 0) for d in per_day
                                   if 0 <= (d - monday).days < 7)))
    monthly = []
    for first in period.months():
        if first > today:
            break
        rows = [per_day[d] for d in per_day if (d.year, d.month) == (first.year, first.month)]
        monthly.append((first, sum(int(r.answered or 0) for r in rows)
                        + late_by_month[(first.year, first.month)],
                        sum(int(r.answered_on_time or 0) for r in rows)))
    return Report(period=period, now=now, scope="Semua bidang",
                  overall=Group(None, "Semua bidang", overall.finish()), units=out, staff=[],
                  complaints=[], comments=[], previous=None, weekly_volume=weekly,
                  monthly_attainment=monthly, service_names=service_names,
                  unit_names=unit_names, tz=str(ZoneInfo(tz)))
