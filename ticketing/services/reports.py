"""The evaluation report and the public statistics: the queries behind domain.report.

A fixed number of queries per report whatever the number of tickets (no N+1), each on an
index: tickets by created_dt (the period) or status (still open), the audit log by
created_dt (what changed after the period ended), SLA notifications and survey responses
joined or filtered on indexed columns. Rows are read as plain tuples, never as ORM objects.

Escalations come from the SLA clock's `sla_notifications` records (one row per level and
window; see models.sla), so a level reached and later cleared by an answer still counts.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import BigInteger, and_, case, cast, func, not_, or_, select
from sqlalchemy.orm import aliased

from ..domain import ikm as ikm_rules
from ..domain import periods
from ..domain import report as rules
from ..domain.lifecycle import CLOCK_RUNNING, OPEN_STATUSES
from ..domain.periods import Period
from ..extensions import db
from ..models import AuditEntry, Service, SlaNotification, SurveyResponse, Ticket, Unit, User
from . import period_cache
from .calendar import office_calendar

OPEN = tuple(sorted(OPEN_STATUSES))
UNIT_ROLES = ("staf", "ketua_tim", "kabid")
#: ids per IN (...) query
CHUNK = 500

_TICKET_COLUMNS = (
    Ticket.id, Ticket.code, Ticket.type, Ticket.channel, Unit.code.label("unit_code"),
    Service.slug.label("service_slug"), Ticket.assignee_id, Ticket.status, Ticket.created_dt,
    Ticket.due_dt, Ticket.first_response_dt, Ticket.first_response_seconds, Ticket.resolved_dt,
    Ticket.is_first_response_late, Ticket.sla_remaining_seconds, Ticket.reopen_count,
    Ticket.is_understood,
    # the subject is only shown in the list of complaints
    case((Ticket.type == "pengaduan", Ticket.subject), else_="").label("subject"),
)


def _tickets_query(*where):
    return _with_names(select(*_TICKET_COLUMNS)).where(*where)


def _rows(statement) -> list:
    """Plain rows through the Core connection, fetched at once: the ORM's row handling (and
    a fetch per row) cost more than the query for the ~84,000 requests of a quarter at a
    million tickets."""
    return db.session.connection().execute(statement).all()


def _chunks(ids):
    ids = sorted(ids)
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def load_tickets(start: datetime, end: datetime, unit_id: int | None = None
                 ) -> list[rules.TicketRow]:
    """The period's cohort, and earlier requests that may have been open at its end, each with
    its status at the end and the SLA levels it reached."""
    scope = [Ticket.unit_id == unit_id] if unit_id is not None else []
    cohort = _rows(_tickets_query(Ticket.created_dt >= start, Ticket.created_dt < end, *scope))
    # Only requests whose status changed after the end can have had another status then; of
    # those, only the ones received before the end are read (the status changes of the
    # requests received since, a whole running quarter of them, are not).
    changed_after = set(db.session.scalars(
        select(AuditEntry.ticket_id).join(Ticket, Ticket.id == AuditEntry.ticket_id)
        .where(AuditEntry.action == "status", AuditEntry.created_dt >= end,
               Ticket.created_dt < end, *scope).distinct()))
    backlog = _rows(_tickets_query(Ticket.created_dt < start, Ticket.status.in_(OPEN), *scope))
    seen = {row[0] for row in backlog}
    for chunk in _chunks(changed_after):
        backlog += [row for row in _rows(_tickets_query(
            Ticket.created_dt < start, Ticket.id.in_(chunk), *scope)) if row[0] not in seen]
    rows = cohort + backlog

    history: dict[int, list[tuple[datetime, int, str]]] = {}
    recheck = [row[0] for row in rows if row[0] in changed_after]
    for chunk in _chunks(recheck):
        for ticket_id, when, entry_id, new in db.session.execute(
                select(AuditEntry.ticket_id, AuditEntry.created_dt, AuditEntry.id,
                       AuditEntry.new_value)
                .where(AuditEntry.action == "status", AuditEntry.ticket_id.in_(chunk),
                       AuditEntry.created_dt < end)):
            history.setdefault(ticket_id, []).append((when, entry_id, new))

    levels: dict[int, set[int]] = {}
    for ticket_id, level in db.session.execute(
            select(SlaNotification.ticket_id, SlaNotification.level)
            .join(Ticket, Ticket.id == SlaNotification.ticket_id)
            .where(Ticket.created_dt >= start, Ticket.created_dt < end, *scope).distinct()):
        levels.setdefault(ticket_id, set()).add(level)

    return [_ticket_row(row, rules.status_at(history.get(row[0], []), end)
                        if row[0] in changed_after else row.status,
                        frozenset(levels[row[0]]) if row[0] in levels else NO_LEVELS)
            for row in rows]


NO_LEVELS: frozenset[int] = frozenset()


def _ticket_row(row, status_at_end: str | None, levels: frozenset[int] = NO_LEVELS
                ) -> rules.TicketRow:
    """A TicketRow from a row of _tickets_query."""
    (id_, code, type_, channel, unit_code, service_slug, assignee_id, status, created_dt,
     due_dt, first_response_dt, first_response_seconds, resolved_dt, is_late, remaining,
     reopen_count, is_understood, subject) = row
    return rules.TicketRow(
        id=id_, code=code, type=type_, channel=channel, unit=unit_code,
        service=service_slug, assignee_id=assignee_id, status=status,
        created_dt=created_dt, due_dt=due_dt, first_response_dt=first_response_dt,
        first_response_seconds=first_response_seconds,
        resolved_dt=resolved_dt, is_first_response_late=is_late,
        sla_remaining_seconds=remaining, reopen_count=reopen_count or 0,
        is_understood=is_understood, subject=subject or "", status_at_end=status_at_end,
        escalation_levels=levels)


# ------------------------------------------------------------------ the database's count

# The SQL twins of domain.report.outcome: what one request counts for, as 0/1 per row, for
# the database to add up per slice instead of shipping every request of the period to Python.
# domain.report is the definition; tests/services/test_report_sql.py holds the two equal on
# a quarter with every kind of request.

def _not_late(moment):
    """domain.report._not_late: not after the deadline in force; without one, late only when
    a paused request's time had run out."""
    return case((Ticket.due_dt.is_not(None), moment <= Ticket.due_dt),
                else_=not_(and_(Ticket.sla_remaining_seconds.is_not(None),
                                Ticket.sla_remaining_seconds <= 0)))


def _flags(now: datetime) -> dict:
    """domain.report.Outcome's fields as SQL conditions, for a request of the cohort."""
    answered = and_(Ticket.first_response_dt.is_not(None), Ticket.first_response_dt <= now)
    first_on_time = case((Ticket.is_first_response_late.is_not(None),
                          not_(Ticket.is_first_response_late)),
                         else_=_not_late(Ticket.first_response_dt))  # report.first_on_time
    resolved = and_(Ticket.resolved_dt.is_not(None), Ticket.resolved_dt <= now)
    late_now = case(  # report.late_now
        (Ticket.first_response_dt.is_not(None), not_(first_on_time)),
        (Ticket.status.in_(sorted(CLOCK_RUNNING)), Ticket.is_overdue_at(now)),
        (Ticket.status.in_(OPEN), and_(Ticket.sla_remaining_seconds.is_not(None),
                                       Ticket.sla_remaining_seconds <= 0)),
        else_=False)
    return {
        "answered": answered,
        "answer_on_time": first_on_time,  # of an answered request, whenever answered
        "first_on_time": and_(answered, first_on_time),
        "resolved": resolved,
        "resolved_on_time": and_(resolved, _not_late(Ticket.resolved_dt)),
        "overdue": late_now,
        "unanswered_late": and_(not_(answered), Ticket.is_overdue_at(now)),
        "reopened": and_(answered, func.coalesce(Ticket.reopen_count, 0) > 0),
    }


def _sum(condition):
    return func.sum(case((condition, 1), else_=0))


#: minutes per bucket of receipt moments the database counts by: every zone's offset from
#: UTC is a multiple of 15 minutes, so each bucket lies within one day of the office's zone
BUCKET_SECONDS = 900


def _bucket(dialect: str):
    """created_dt as a whole number of BUCKET_SECONDS since the epoch (UTC)."""
    if dialect == "postgresql":
        # floor: a cast rounds, and 23:59:59.7 would fall into the next day
        seconds = cast(func.floor(func.extract("epoch", Ticket.created_dt)), BigInteger)
    else:  # SQLite keeps the naive UTC moment as text; %s drops the fraction
        seconds = cast(func.strftime("%s", Ticket.created_dt), BigInteger)
    return seconds // BUCKET_SECONDS


def _complaint_outcome(flags: dict):
    """domain.report.complaint_outcome."""
    return case(
        (Ticket.status.in_(OPEN), case((flags["overdue"], "proses_terlambat"), else_="proses")),
        (flags["answered"], case((flags["answer_on_time"], "tepat"), else_="terlambat")),
        else_="tanpa_jawaban")


def _with_names(statement):
    """The statement over tickets with their unit's code and service's slug joined."""
    return (statement.select_from(Ticket).outerjoin(Unit, Unit.id == Ticket.unit_id)
            .outerjoin(Service, Service.id == Ticket.service_id))


def count_period(start: datetime, end: datetime, now: datetime, unit_id: int | None = None,
                 *, complaints: bool = True, detail: bool = True) -> rules.Counted:
    """The requests received in [start, end), and earlier ones open at the end, counted by
    the database as domain.report.count_rows counts rows: a few GROUP BY queries, and the
    complaints listed; each answer's working seconds (for the medians) gathered in arrays by
    the scan that counts the slices on PostgreSQL, sent one by one by SQLite.
    complaints=False: not the complaints; detail=False: only the slices and working seconds
    (no escalations, days or requests open at the end: what the comparison with the period
    before reads)."""
    scope = [Ticket.unit_id == unit_id] if unit_id is not None else []
    cohort = [Ticket.created_dt >= start, Ticket.created_dt < end, *scope]
    flags = _flags(now)
    out = rules.Counted()
    _count_slices(out, cohort, flags)
    if detail:
        _count_days(out, cohort, flags)
        for unit, service, level, n in db.session.execute(_with_names(
                select(Unit.code, Service.slug, SlaNotification.level,
                       func.count(func.distinct(Ticket.id))))
                .join(SlaNotification, SlaNotification.ticket_id == Ticket.id)
                .where(*cohort).group_by(Unit.code, Service.slug, SlaNotification.level)):
            out.escalations[(unit, service, level)] = n
        out.open_at_end = _open_at_end(end, scope)
    if complaints:
        out.complaints = [rules.Complaint(*row) for row in db.session.execute(_with_names(
            select(Ticket.code, Ticket.created_dt, Unit.code, Service.slug, Ticket.subject,
                   Ticket.status, _complaint_outcome(flags), Ticket.is_understood,
                   func.coalesce(Ticket.reopen_count, 0)))
            .where(*cohort, Ticket.type == "pengaduan")
            .order_by(Ticket.created_dt, Ticket.id)).all()]
    return out


def _count_slices(out: rules.Counted, cohort: list, flags: dict) -> None:
    """out.counts and out.seconds."""
    connection = db.session.connection()
    postgresql = connection.dialect.name == "postgresql"
    slice_ = (Unit.code, Service.slug, Ticket.assignee_id, Ticket.type, Ticket.channel)
    stored = and_(flags["answered"], Ticket.first_response_seconds.is_not(None))
    columns = [func.count(Ticket.id)] + [_sum(flags[name]) for name in rules.MEASURES[1:]]
    # answered without a stored working time (before it was stored): read below
    columns.append(_sum(and_(flags["answered"], Ticket.first_response_seconds.is_(None))))
    if postgresql:
        columns.append(func.array_agg(Ticket.first_response_seconds).filter(stored))
    unstored = 0
    n = len(rules.MEASURES)
    for row in connection.execute(_with_names(select(*slice_, *columns)).where(*cohort)
                                  .group_by(*slice_)):
        out.counts[tuple(row[:5])] = [int(v or 0) for v in row[5:5 + n]]
        unstored += int(row[5 + n] or 0)
        if postgresql and row[6 + n]:
            out.seconds.setdefault(tuple(row[:3]), []).extend(row[6 + n])
    if not postgresql:
        for unit, service, assignee, value in connection.execute(_with_names(
                select(Unit.code, Service.slug, Ticket.assignee_id,
                       Ticket.first_response_seconds)).where(*cohort, stored)).all():
            out.seconds.setdefault((unit, service, assignee), []).append(value)
    if unstored:  # the calendar as it is now (domain.report.answer_seconds)
        calendar = office_calendar()
        for row in _rows(_tickets_query(*cohort, flags["answered"],
                                        Ticket.first_response_seconds.is_(None))):
            out.seconds.setdefault((row.unit_code, row.service_slug, row.assignee_id),
                                   []).append(rules.seconds_to_answer(
                                       row.created_dt, row.first_response_dt, calendar))


def _count_days(out: rules.Counted, cohort: list, flags: dict) -> None:
    """out.days: the database counts per bucket of receipt moments (BUCKET_SECONDS), added
    up here per day of the office's zone."""
    connection = db.session.connection()
    bucket = _bucket(connection.dialect.name)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    for moment, *values in connection.execute(
            select(bucket, func.count(Ticket.id), _sum(flags["answered"]),
                   _sum(flags["first_on_time"]), _sum(flags["unanswered_late"]))
            .where(*cohort).group_by(bucket)):
        day = datetime.fromtimestamp(int(moment) * BUCKET_SECONDS, UTC).astimezone(tz).date()
        d = out.days.setdefault(day, [0] * len(rules.DAY_MEASURES))
        for i, value in enumerate(values):
            d[i] += int(value or 0)


def _open_at_end(end: datetime, scope: list) -> dict[tuple, int]:
    """(unit, service) -> requests received before `end` whose status at the end was open:
    the status now, or, for those whose status changed since, the one read from the log."""
    changed = (select(AuditEntry.ticket_id)
               .where(AuditEntry.action == "status", AuditEntry.created_dt >= end))
    out: dict[tuple, int] = {}
    for unit, service, n in db.session.execute(
            _with_names(select(Unit.code, Service.slug, func.count(Ticket.id)))
            .where(Ticket.created_dt < end, Ticket.status.in_(OPEN), *scope,
                   ~changed.where(AuditEntry.ticket_id == Ticket.id).exists())
            .group_by(Unit.code, Service.slug)):
        out[(unit, service)] = n
    changed_ids = (select(AuditEntry.ticket_id).join(Ticket, Ticket.id == AuditEntry.ticket_id)
                   .where(AuditEntry.action == "status", AuditEntry.created_dt >= end,
                          Ticket.created_dt < end, *scope).distinct().scalar_subquery())
    history: dict[int, list[tuple[datetime, int, str]]] = {}
    for ticket_id, when, entry_id, new in db.session.execute(
            select(AuditEntry.ticket_id, AuditEntry.created_dt, AuditEntry.id,
                   AuditEntry.new_value)
            .where(AuditEntry.action == "status", AuditEntry.created_dt < end,
                   AuditEntry.ticket_id.in_(changed_ids))):
        history.setdefault(ticket_id, []).append((when, entry_id, new))
    for _id, unit, service in db.session.execute(
            _with_names(select(Ticket.id, Unit.code, Service.slug))
            .where(Ticket.id.in_(changed_ids))):
        if rules.status_at(history.get(_id, []), end) in OPEN_STATUSES:
            out[(unit, service)] = out.get((unit, service), 0) + 1
    return out


def load_responses(start: datetime, end: datetime, unit_id: int | None = None
                   ) -> list[rules.ResponseRow]:
    scope = [SurveyResponse.unit_id == unit_id] if unit_id is not None else []
    columns = [getattr(SurveyResponse, key) for key in ikm_rules.ELEMENT_KEYS]
    rows = db.session.execute(
        select(SurveyResponse.ticket_id, Unit.code, Service.slug, SurveyResponse.submitted_dt,
               SurveyResponse.comment, SurveyResponse.channel, *columns)
        .outerjoin(Unit, Unit.id == SurveyResponse.unit_id)
        .outerjoin(Service, Service.id == SurveyResponse.service_id)
        .where(SurveyResponse.submitted_dt >= start, SurveyResponse.submitted_dt < end, *scope)
    ).all()
    return [rules.ResponseRow(ticket_id=r[0], unit=r[1], service=r[2], submitted_dt=r[3],
                              comment=r[4], channel=r[5], scores=tuple(r[6:])) for r in rows]


def load_staff(unit_ids: list[int], assignee_ids: set[int]) -> list[rules.StaffRow]:
    """The units' staff and anyone else assigned to the cohort, with their open work now."""
    people = db.session.execute(
        select(User.id, User.name, User.role, Unit.code)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(or_(and_(User.unit_id.in_(unit_ids), User.role.in_(UNIT_ROLES)),
                   User.id.in_(sorted(assignee_ids))))
    ).all() if (unit_ids or assignee_ids) else []
    ids = [p.id for p in people]
    open_now: dict[int, int] = {}
    for chunk in _chunks(ids):
        for assignee_id, count in db.session.execute(
                select(Ticket.assignee_id, db.func.count(Ticket.id))
                .where(Ticket.assignee_id.in_(chunk), Ticket.status.in_(OPEN))
                .group_by(Ticket.assignee_id)):
            open_now[assignee_id] = count
    return [rules.StaffRow(id=p.id, name=p.name, unit=p.code, role=p.role,
                           open_now=open_now.get(p.id, 0)) for p in people]


def catalogue(unit: Unit | None = None) -> tuple[list[rules.UnitInfo], list[rules.ServiceInfo]]:
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.id)).all()
    if unit is not None:
        units = [u for u in units if u.id == unit.id]
    services = db.session.execute(
        select(Service.slug, Service.name, Unit.code)
        .outerjoin(Unit, Unit.id == Service.unit_id)
        .order_by(Service.sort_order, Service.id)).all()
    return ([rules.UnitInfo(u.code, u.name) for u in units],
            [rules.ServiceInfo(s.slug, s.name, s.code) for s in services])


def data_version() -> tuple:
    """What the evaluation of a finished period depends on, as four index-only reads: the
    newest ticket, audit entry (every status, answer, assignment and erasure is audited),
    survey response and SLA notification. Any recorded change gives a new version."""
    return tuple(db.session.execute(select(
        select(func.max(Ticket.id)).scalar_subquery(),
        select(func.max(AuditEntry.id)).scalar_subquery(),
        select(func.max(SurveyResponse.id)).scalar_subquery(),
        select(func.max(SlaNotification.id)).scalar_subquery())).one())


#: audit actions without a request that change nothing the evaluation reads: accounts,
#: tokens, canned answers, routing rules, the signatory, the follow-up plan (not the calendar,
#: service targets or erasures, which do)
UNRELATED_ACTIONS = ("account_", "password_", "token_", "login_", "canned_", "routing_rule",
                     "report_signatory", "rtl_")


def unchanged_before(end: datetime) -> period_cache.StillValid:
    """Whether what was recorded between two data versions leaves alone every request
    received before `end` (a finished period, the one before it and their backlog): no
    request received before it was added, changed (audited) or escalated, no survey response
    submitted before it, nothing deleted, no calendar or catalogue change. One query over
    the rows recorded in between only (by primary key)."""

    def still_valid(old, new) -> bool:
        if old is None or new is None or len(old) != len(new):
            return False
        old = [v or 0 for v in old]
        new = [v or 0 for v in new]
        if any(n < o for n, o in zip(new, old, strict=True)):
            return False  # rows deleted
        (ticket0, audit0, survey0, sla0), (ticket1, audit1, survey1, sla1) = old, new
        audited = aliased(Ticket)
        touched = select(
            select(Ticket.id).where(Ticket.id > ticket0, Ticket.id <= ticket1,
                                    Ticket.created_dt < end).exists(),
            select(AuditEntry.id).outerjoin(audited, audited.id == AuditEntry.ticket_id).where(
                AuditEntry.id > audit0, AuditEntry.id <= audit1,
                or_(audited.created_dt < end,
                    and_(audited.id.is_(None),
                         not_(or_(*(AuditEntry.action.startswith(prefix)
                                    for prefix in UNRELATED_ACTIONS)))))).exists(),
            select(SurveyResponse.id).where(SurveyResponse.id > survey0,
                                            SurveyResponse.id <= survey1,
                                            SurveyResponse.submitted_dt < end).exists(),
            select(SlaNotification.id).join(Ticket, Ticket.id == SlaNotification.ticket_id)
            .where(SlaNotification.id > sla0, SlaNotification.id <= sla1,
                   Ticket.created_dt < end).exists())
        return not any(db.session.execute(touched).one())

    return still_valid


def evaluation(period: Period, now: datetime, *, unit: Unit | None = None,
               internal: bool = True, with_previous: bool = True) -> rules.Report:
    """The report for `period` as of `now`, for one unit (a kabid) or all (unit None).

    internal=False leaves out what only staff may see (per-staff figures, complaints,
    comments): the public page and the stats API. A finished period's report is computed
    once per data version and reused by the page, the PDF and the XLSX (services.period_cache),
    also after changes that concern only later requests (unchanged_before); the figures
    without the internal parts (the comparison of the next quarter's report, the follow-up
    plan page) are taken from the full report when it is kept.
    """
    unit_id = unit.id if unit is not None else None
    finished = period_cache.is_finished(period, now)
    version = data_version() if finished else None
    still_valid = (unchanged_before(period.bounds(current_app.config["TIMEZONE"])[1])
                   if finished else None)
    if not internal:
        full = period_cache.peek("evaluation", period, now, scope=(unit_id, True, True),
                                 version=version, still_valid=still_valid, shared=True)
        if isinstance(full, rules.Report):
            return replace(full, staff=[], complaints=[], comments=[],
                           previous=full.previous if with_previous else None)
    return period_cache.cached(
        "evaluation", period, now,
        lambda: _evaluation(period, now, unit=unit, internal=internal,
                            with_previous=with_previous),
        scope=(unit_id, internal, with_previous), version=version, still_valid=still_valid,
        shared=True)


def comparison(period: Period, now: datetime, unit: Unit | None = None) -> rules.Report:
    """The period before's figures for a report's comparison table (received, answered, the
    on-time share, the working time to answer and the IKM, per unit and in all): its full or
    public report when one is kept, else the period counted without what the comparison does
    not show (escalations, requests open at the end, the charts' days: zero in it), kept like
    any finished period's report under a scope of its own."""
    unit_id = unit.id if unit is not None else None
    finished = period_cache.is_finished(period, now)
    version = data_version() if finished else None
    still_valid = (unchanged_before(period.bounds(current_app.config["TIMEZONE"])[1])
                   if finished else None)
    for scope in ((unit_id, True, True), (unit_id, False, False)):
        kept = period_cache.peek("evaluation", period, now, scope=scope, version=version,
                                 still_valid=still_valid, shared=True)
        if isinstance(kept, rules.Report):
            return replace(kept, staff=[], complaints=[], comments=[], previous=None)
    return period_cache.cached(
        "evaluation", period, now,
        lambda: _evaluation(period, now, unit=unit, internal=False, with_previous=False,
                            detail=False),
        scope=(unit_id, "comparison"), version=version, still_valid=still_valid, shared=True)


def warm_cache(now: datetime) -> dict:
    """Build (or find kept) the evaluation of the last finished quarter for every scope the
    pages ask for (all units, each unit; the public figures and the next quarter's comparison
    come from these), so no person waits for the first computation; then drop stored rows no
    lookup would take any more. Its cost is one quarter (and the one before), not history.
    Flushes (the caller commits the pruning)."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    quarter = periods.containing(now.astimezone(tz).date(), "quarter").previous()
    built = 0
    for unit in [None, *db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.id))]:
        evaluation(quarter, now, unit=unit)
        built += 1
    dropped = period_cache.prune("evaluation", data_version(), unchanged_before)
    db.session.flush()
    return {"period": quarter.key, "scopes": built, "dropped": dropped}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a report is built: the ~170,000 rows and
    outcomes of a quarter at a million tickets (with the quarter before) set off full
    collections that walk all of them again, a third of the time measured. The rows hold no
    reference cycles (plain values); reference counting frees them as usual."""
    if not gc.isenabled():  # already paused by the report this one is part of
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _evaluation(period: Period, now: datetime, *, unit: Unit | None, internal: bool,
                with_previous: bool, detail: bool = True) -> rules.Report:
    with _collector_paused():
        return _evaluate(period, now, unit=unit, internal=internal, with_previous=with_previous,
                         detail=detail)


def _evaluate(period: Period, now: datetime, *, unit: Unit | None, internal: bool,
              with_previous: bool, detail: bool = True) -> rules.Report:
    tz_name = current_app.config["TIMEZONE"]
    start, end = (moment.astimezone(UTC) for moment in period.bounds(ZoneInfo(tz_name)))
    unit_id = unit.id if unit is not None else None
    counted = count_period(start, end, now, unit_id, complaints=internal, detail=detail)
    responses = load_responses(start, end, unit_id)
    units, services = catalogue(unit)
    staff: list[rules.StaffRow] = []
    if internal:
        unit_ids = [unit.id] if unit is not None else list(
            db.session.scalars(select(Unit.id)))
        assignees = {key[2] for key in counted.counts if key[2] is not None}
        staff = load_staff(unit_ids, assignees)
    previous = comparison(period.previous(), now, unit) if with_previous else None
    scope = unit.name if unit is not None else "Semua bidang"
    return rules.assemble(period, now, tz_name, counted, responses=responses, units=units,
                          services=services, staff=staff, scope=scope, previous=previous,
                          internal=internal)
