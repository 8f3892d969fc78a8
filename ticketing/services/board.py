"""The supervisors' board: what is late or due today, grouped by assignee; counts per status;
SLA attainment this month. Read-only; every query is bounded by an index."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..domain import permissions as perm
from ..domain import sla as rules
from ..domain.calendar import WorkingCalendar
from ..domain.lifecycle import CLOCK_RUNNING, OPEN_STATUSES
from ..domain.report import on_time_share
from ..extensions import db
from ..models import Service, Ticket, Unit, User
from .sla import state_of

#: roles that have the board
BOARD_ROLES = ("ketua_tim", "kabid", "kepala_dinas")
ALL, TRIAGE = "semua", "triase"
RUNNING = tuple(sorted(CLOCK_RUNNING))
PER_PAGE = 25


@dataclass(frozen=True)
class Scope:
    """One choice on the board: a unit, the triage list, or all of them (kepala dinas)."""

    key: str
    label: str
    #: unit ids shown; None in the list stands for triage (no unit)
    unit_ids: tuple[int | None, ...]


def scopes_for(user: User) -> list[Scope]:
    """What this user may see, by the permission table's queue rights: a ketua tim or kabid
    their unit (and triage, which they route); the kepala dinas every unit."""
    if user.role not in BOARD_ROLES:
        return []
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order)).all()
    visible = [u for u in units if perm.can(user.role, user.unit_id, perm.QUEUE, u.id)]
    scopes = [Scope(u.code, u.short_name, (u.id,)) for u in visible]
    if perm.can(user.role, user.unit_id, perm.QUEUE, None):
        scopes.append(Scope(TRIAGE, "Triase", (None,)))
    if len(visible) == len(units) and len(units) > 1:
        scopes.insert(0, Scope(ALL, "Semua bidang", tuple(s for sc in scopes
                                                           for s in sc.unit_ids)))
    return scopes


def _in_units(unit_ids: tuple[int | None, ...]):
    ids = [u for u in unit_ids if u is not None]
    clauses = []
    if ids:
        clauses.append(Ticket.unit_id.in_(ids))
    if None in unit_ids:
        clauses.append(Ticket.unit_id.is_(None))
    return clauses[0] if len(clauses) == 1 else (clauses[0] | clauses[1])


def _day_bounds(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    local = now.astimezone(tz).date()
    return (datetime.combine(local, time(0), tzinfo=tz),
            datetime.combine(local + timedelta(days=1), time(0), tzinfo=tz))


def _month_bounds(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    local = now.astimezone(tz).date().replace(day=1)
    nxt = (local.replace(day=28) + timedelta(days=4)).replace(day=1)
    return datetime.combine(local, time(0), tzinfo=tz), datetime.combine(nxt, time(0), tzinfo=tz)


# ------------------------------------------------------------------ late and due today

@dataclass
class Row:
    ticket: Ticket
    is_late: bool
    #: escalation level by the clock and what was sent (0, 1, 2)
    level: int
    #: "terlambat 1 hari kerja 2 jam" / "sisa 45 menit"
    words: str


@dataclass
class Group:
    assignee: User | None
    rows: list[Row] = field(default_factory=list)


@dataclass
class LateList:
    groups: list[Group]
    total: int
    page: int
    pages: int


def late_and_due_today(scope: Scope, now: datetime, calendar: WorkingCalendar, tz: ZoneInfo,
                       page: int = 1, per_page: int = PER_PAGE) -> LateList:
    """Tickets whose clock runs and whose deadline is before tonight, unassigned first, then
    by assignee, most urgent first (index: unit_id, status, due_dt)."""
    _, end_of_day = _day_bounds(now, tz)
    where = (_in_units(scope.unit_ids), Ticket.status.in_(RUNNING), Ticket.due_dt < end_of_day)
    total = db.session.scalar(select(func.count(Ticket.id)).where(*where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    tickets = db.session.scalars(
        select(Ticket)
        .options(selectinload(Ticket.assignee), selectinload(Ticket.service),
                 selectinload(Ticket.unit))
        .outerjoin(User, Ticket.assignee_id == User.id)
        .where(*where)
        .order_by(Ticket.assignee_id.is_not(None), User.name, Ticket.assignee_id,
                  Ticket.due_dt, Ticket.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    groups: list[Group] = []
    for ticket in tickets:
        state = state_of(ticket, now, calendar, ticket.service)
        if state.is_overdue:
            words = "terlambat " + rules.format_working_duration(state.late_seconds)
        else:
            words = "sisa " + rules.format_working_duration(
                calendar.working_seconds_between(now, ticket.due_dt))
        row = Row(ticket, state.is_overdue,
                  max(ticket.escalation_level or 0, state.escalation_level), words)
        if not groups or groups[-1].assignee is not ticket.assignee:
            groups.append(Group(ticket.assignee))
        groups[-1].rows.append(row)
    return LateList(groups, total, page, pages)


# ------------------------------------------------------------------ counts per status

@dataclass
class UnitCounts:
    key: str
    label: str
    #: open statuses now; selesai/ditutup this month
    by_status: dict[str, int]
    overdue: int
    due_today: int
    #: requests received this month per channel (web, email, whatsapp, ...), non-zero only
    by_channel: dict[str, int] = field(default_factory=dict)


def _grouped(query) -> dict:
    return {tuple(row[:-1]) if len(row) > 2 else row[0]: row[-1]
            for row in db.session.execute(query)}


def unit_counts(scope: Scope, scopes: list[Scope], now: datetime, tz: ZoneInfo
                ) -> list[UnitCounts]:
    """Per unit of the scope: open tickets per status, answered and closed this month, and how
    many are overdue or due today. Seven grouped queries whatever the number of tickets."""
    month_start, _ = _month_bounds(now, tz)
    _, end_of_day = _day_bounds(now, tz)
    where = _in_units(scope.unit_ids)
    count = func.count(Ticket.id)
    open_counts = _grouped(
        select(Ticket.unit_id, Ticket.status, count)
        .where(where, Ticket.status.in_(tuple(sorted(OPEN_STATUSES))))
        .group_by(Ticket.unit_id, Ticket.status))
    answered = _grouped(select(Ticket.unit_id, count).where(
        where, Ticket.status == "selesai", Ticket.resolved_dt >= month_start)
        .group_by(Ticket.unit_id))
    closed = _grouped(select(Ticket.unit_id, count).where(
        where, Ticket.status == "ditutup", Ticket.closed_dt >= month_start)
        .group_by(Ticket.unit_id))
    overdue = _grouped(select(Ticket.unit_id, count).where(
        where, Ticket.is_overdue_at(now)).group_by(Ticket.unit_id))
    due_today = _grouped(select(Ticket.unit_id, count).where(
        where, Ticket.status.in_(RUNNING), Ticket.due_dt > now, Ticket.due_dt < end_of_day)
        .group_by(Ticket.unit_id))
    received = _grouped(select(Ticket.unit_id, Ticket.channel, count).where(
        where, Ticket.created_dt >= month_start).group_by(Ticket.unit_id, Ticket.channel))
    labels = {s.unit_ids[0]: (s.key, s.label) for s in scopes if len(s.unit_ids) == 1}
    out = []
    for unit_id in scope.unit_ids:
        key, label = labels.get(unit_id, (TRIAGE, "Triase"))
        statuses = {status: open_counts.get((unit_id, status), 0)
                    for status in ("baru", "diproses", "menunggu_pemohon")}
        statuses["selesai"] = answered.get(unit_id, 0)
        statuses["ditutup"] = closed.get(unit_id, 0)
        channels = {channel: n for (u, channel), n in sorted(received.items(),
                                                             key=lambda kv: -kv[1])
                    if u == unit_id and n}
        out.append(UnitCounts(key, label, statuses, overdue.get(unit_id, 0),
                              due_today.get(unit_id, 0), channels))
    return out


# ------------------------------------------------------------------ SLA attainment

@dataclass
class Attainment:
    unit_label: str
    service_label: str
    on_time: int = 0
    late: int = 0
    open_late: int = 0
    is_total: bool = False

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.open_late

    @property
    def percent(self) -> int | None:
        """The on-time rule of the public figures (domain.report.on_time_share), whole %."""
        value = on_time_share(self.on_time, self.on_time + self.late, self.open_late)
        return None if value is None else int(value.quantize(Decimal(1), ROUND_HALF_UP))


def attainment(scope: Scope, scopes: list[Scope], now: datetime, tz: ZoneInfo
               ) -> list[Attainment]:
    """This month per unit and service: first answers on time, answered late, and still open
    past the deadline (index: first_response_dt; unit_id, status, due_dt)."""
    month_start, month_end = _month_bounds(now, tz)
    where = _in_units(scope.unit_ids)
    count = func.count(Ticket.id)
    answered = db.session.execute(
        select(Ticket.unit_id, Ticket.service_id, Ticket.is_first_response_late, count)
        .where(where, Ticket.first_response_dt >= month_start,
               Ticket.first_response_dt < month_end)
        .group_by(Ticket.unit_id, Ticket.service_id, Ticket.is_first_response_late)).all()
    open_late = db.session.execute(
        select(Ticket.unit_id, Ticket.service_id, count)
        .where(where, Ticket.is_unanswered_late_at(now))
        .group_by(Ticket.unit_id, Ticket.service_id)).all()
    services = {s.id: s.name for s in db.session.scalars(select(Service))}
    labels = {s.unit_ids[0]: s.label for s in scopes if len(s.unit_ids) == 1}
    rows: dict[tuple, Attainment] = {}

    def row(unit_id, service_id) -> Attainment:
        key = (unit_id, service_id)
        if key not in rows:
            rows[key] = Attainment(labels.get(unit_id, "Triase"),
                                   services.get(service_id, "Tanpa layanan"))
        return rows[key]

    for unit_id, service_id, is_late, n in answered:
        if is_late:
            row(unit_id, service_id).late += n
        else:
            row(unit_id, service_id).on_time += n
    for unit_id, service_id, n in open_late:
        row(unit_id, service_id).open_late += n
    out: list[Attainment] = []
    for unit_id in scope.unit_ids:
        mine = sorted((item for (u, _), item in rows.items() if u == unit_id),
                      key=lambda item: item.service_label)
        if not mine:
            continue
        total = Attainment(mine[0].unit_label, "Jumlah", is_total=True)
        for item in mine:
            total.on_time += item.on_time
            total.late += item.late
            total.open_late += item.open_late
        out += mine + [total]
    return out


def tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])
