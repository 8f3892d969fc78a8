"""The quarterly performance evaluation ("Evaluasi dilaksanakan 3 bulan sekali"), computed from
plain records. Pure domain code: the service loads the rows, `now` and the period come in.

Definitions (the same on screen, in the PDF/XLSX, on the public page and in the stats API):

- cohort: the requests *received* in the period (created_dt in [start, end) of the office
  calendar's dates). Volume, SLA attainment, escalations, reopened share, staff figures and
  the complaints list are about the cohort; outcomes are taken as of `now` (the moment the
  report is made), which the report states.
- open at the end: requests received before the period's end (in it or earlier) whose status
  at the end, read from the audit log, was baru, diproses or menunggu_pemohon.
- answered: the first substantive answer (status selesai) was given (first_response_dt).
  On time: the deadline in force at the answer had not passed (pauses while waiting for the
  citizen are honoured; the flag is fixed at the answer, see services.lifecycle).
- resolved: the final answer (resolved_dt, the last selesai after any reopen). On time: not
  after the deadline in force at that answer (a reopen has its own, shorter window).
- working time to answer: office seconds (working-time calendar: hours, holidays, cuti
  bersama, closures) from receipt to the first answer, waiting time included. Median is the
  usual middle value; the 90th percentile uses the nearest-rank method (the smallest value
  with at least 90% of the values at or below it). The value is stored at the answer with
  the calendar in force at that moment (Ticket.first_response_seconds, services.lifecycle),
  like the on-time flag, and that stored value is the truth: a later calendar edit (a
  closure added for a day already past, other hours) does not change the figures of
  requests already answered. Only a request answered without a stored value (before it was
  stored, and not backfilled) is computed with the calendar as it is when the report is
  made (answer_seconds).
- overdue: answered late, or still unanswered and open with the deadline passed at `now`.
- escalations per level: cohort requests that reached that level at least once (from the SLA
  clock's notification records): 0 reminder at 75%, 1 ketua tim, 2 kabid.
- reopened: answered requests the citizen reopened at least once ("belum dipahami").
- IKM: survey responses *submitted* in the period (see domain.ikm).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from . import ikm as ikm_rules
from . import lifecycle
from .calendar import STANDARD_DAY_SECONDS, WorkingCalendar
from .durations import format_working_duration
from .lifecycle import CLOCK_RUNNING, OPEN_STATUSES
from .periods import Period

TYPES = ("informasi", "pengaduan", "saran")
CHANNELS = ("web", "api", "email", "lisan", "whatsapp", "telepon")
ESCALATION_LEVELS = (0, 1, 2)
TRIAGE = None  # unit key of requests not routed yet

TYPE_LABELS = {"informasi": "Informasi", "pengaduan": "Pengaduan", "saran": "Saran"}
CHANNEL_LABELS = {"web": "Situs web", "api": "API", "email": "Surel", "lisan": "Datang langsung",
                  "whatsapp": "WhatsApp", "telepon": "Telepon"}
LEVEL_LABELS = {0: "Pengingat 75%", 1: "Eskalasi 1 (ketua tim)", 2: "Eskalasi 2 (kabid)"}


# ------------------------------------------------------------------ who may read it

@dataclass(frozen=True)
class Access:
    allowed: bool
    #: every unit (and triage); False: only the reader's own unit
    all_units: bool


def report_access(role: str, unit_id: object | None) -> Access:
    """The evaluation is for the standard's oversight (Kabid, Ketua Tim): a kabid or ketua tim
    reads their own unit's, kepala dinas and admin read every unit's. Staf do not (it ranks
    people)."""
    if role in ("kepala_dinas", "admin"):
        return Access(True, True)
    if role in ("kabid", "ketua_tim") and unit_id is not None:
        return Access(True, False)
    return Access(False, False)


# ------------------------------------------------------------------ input records

@dataclass
class TicketRow:
    """What the report needs of one request (no names or contact details). Not frozen: a
    frozen dataclass's __init__ costs three times as much, and a quarter of a million-ticket
    office builds some 170,000 of them (with the quarter before). Treat it as read-only."""

    id: int
    code: str
    type: str
    channel: str
    unit: str | None
    service: str | None
    assignee_id: int | None
    status: str
    created_dt: datetime
    due_dt: datetime | None = None
    first_response_dt: datetime | None = None
    #: working seconds to the first answer as stored at the answer (None: not stored)
    first_response_seconds: float | None = None
    resolved_dt: datetime | None = None
    closed_dt: datetime | None = None
    is_first_response_late: bool | None = None
    sla_remaining_seconds: float | None = None
    reopen_count: int = 0
    is_understood: bool | None = None
    subject: str = ""
    #: status at the period's end (see status_at); the service fills it
    status_at_end: str | None = None
    #: SLA notification levels the request ever reached (0, 1, 2)
    escalation_levels: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ResponseRow:
    """One survey response."""

    ticket_id: int
    unit: str | None
    service: str | None
    scores: tuple[int, ...]
    submitted_dt: datetime
    comment: str | None = None
    channel: str = "tautan"


@dataclass(frozen=True)
class StaffRow:
    id: int
    name: str
    unit: str | None
    role: str
    #: requests assigned to them and open at `now` (any receipt date)
    open_now: int = 0


@dataclass(frozen=True)
class UnitInfo:
    code: str | None
    name: str


@dataclass(frozen=True)
class ServiceInfo:
    slug: str | None
    name: str
    unit: str | None


# ------------------------------------------------------------------ small rules

def status_at(changes: Iterable[tuple[datetime, int, str]], moment: datetime,
              initial: str = "baru") -> str:
    """The status at `moment` from (when, order, new status) changes; `initial` before any."""
    current, key = initial, None
    for when, order, new in changes:
        if when < moment and (key is None or (when, order) >= key):
            current, key = new, (when, order)
    return current


def first_on_time(row: TicketRow) -> bool | None:
    """Was the first answer on time? None when not answered."""
    if row.first_response_dt is None:
        return None
    if row.is_first_response_late is not None:
        return not row.is_first_response_late
    return _not_late(row.first_response_dt, row)


def resolved_on_time(row: TicketRow) -> bool | None:
    if row.resolved_dt is None:
        return None
    return _not_late(row.resolved_dt, row)


def _not_late(moment: datetime, row: TicketRow) -> bool:
    # The same rule as services.lifecycle at the answer: past the deadline in force is late; a
    # paused request is late only when its time had run out.
    if row.due_dt is not None:
        return moment <= row.due_dt
    return not (row.sla_remaining_seconds is not None and row.sla_remaining_seconds <= 0)


def seconds_to_answer(created_dt: datetime, answered_dt: datetime,
                      calendar: WorkingCalendar) -> float:
    """The working time to answer: office seconds from receipt to the answer, waiting for
    the citizen included. Stored at the first answer (services.lifecycle) with the calendar in
    force then."""
    return calendar.working_seconds_between(created_dt, answered_dt)


def answer_seconds(row: TicketRow, calendar: WorkingCalendar | None) -> float:
    """An answered request's working time to its first answer: the value stored at the
    answer, else computed with `calendar` (the calendar as it is now)."""
    if row.first_response_seconds is not None:
        return row.first_response_seconds
    return seconds_to_answer(row.created_dt, row.first_response_dt, calendar)


def late_now(row: TicketRow, now: datetime) -> bool:
    """Overdue at `now`: answered late, or unanswered, open and past the deadline."""
    on_time = first_on_time(row)
    if on_time is not None:
        return not on_time
    if row.status not in OPEN_STATUSES:
        return False
    if row.status in CLOCK_RUNNING:
        return lifecycle.is_overdue(row.status, row.due_dt, now)
    return row.sla_remaining_seconds is not None and row.sla_remaining_seconds <= 0


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least pct% of values <= it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def on_time_share(on_time: int, answered: int, unanswered_late: int) -> Decimal | None:
    """The on-time rule of every published figure (issue 10): first answers on time, out of
    the requests answered plus those still unanswered past their deadline - an overdue
    request nobody answered counts as late, not as nothing. None when there is nothing to
    count. The public page, the stats API, the CSV and the supervisors' board all use it."""
    return share(on_time, answered + unanswered_late)


def share(part: int, whole: int) -> Decimal | None:
    """part/whole as a percentage with one decimal (half up); None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def hours(seconds: float | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(str(seconds)) / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP)


def working_days(seconds: float | None) -> Decimal | None:
    """Office seconds as standard office days (8.5 h), two decimals."""
    if seconds is None:
        return None
    return (Decimal(str(seconds)) / Decimal(str(STANDARD_DAY_SECONDS))).quantize(
        Decimal("0.01"), ROUND_HALF_UP)


# ------------------------------------------------------------------ figures

@dataclass
class Figures:
    """The numbers of one group (the whole scope, a unit, a service, a week...)."""

    received: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    open_at_end: int = 0
    answered: int = 0
    first_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    #: working seconds from receipt to first answer, one per answered request
    answer_seconds: list[float] = field(default_factory=list)
    overdue: int = 0
    #: open, never answered and past the deadline at `now`: late for the on-time share
    unanswered_late: int = 0
    escalations: dict[int, int] = field(default_factory=dict)
    reopened: int = 0
    ikm: ikm_rules.Ikm = field(default_factory=lambda: ikm_rules.compute([]))

    @property
    def first_on_time_share(self) -> Decimal | None:
        return on_time_share(self.first_on_time, self.answered, self.unanswered_late)

    @property
    def resolved_on_time_share(self) -> Decimal | None:
        return share(self.resolved_on_time, self.resolved)

    @property
    def reopened_share(self) -> Decimal | None:
        return share(self.reopened, self.answered)

    @property
    def median_seconds(self) -> float | None:
        return median(self.answer_seconds)

    @property
    def p90_seconds(self) -> float | None:
        return percentile(self.answer_seconds, 90)

    @property
    def mean_seconds(self) -> float | None:
        return mean(self.answer_seconds)


class Outcome(NamedTuple):
    """What one request of a cohort counts for as of `now`, worked out once and then added up
    in every group it belongs to (the whole scope, its unit, its service, its assignee)."""

    #: working seconds from receipt to the first answer; None when not answered by `now`
    seconds: float | None
    first_on_time: bool
    reopened: bool
    resolved: bool
    resolved_on_time: bool
    overdue: bool
    unanswered_late: bool


def outcome(row: TicketRow, now: datetime, calendar: WorkingCalendar) -> Outcome:
    answered = row.first_response_dt is not None and row.first_response_dt <= now
    resolved = row.resolved_dt is not None and row.resolved_dt <= now
    return Outcome(
        seconds=answer_seconds(row, calendar) if answered else None,
        first_on_time=answered and bool(first_on_time(row)),
        reopened=answered and row.reopen_count > 0,
        resolved=resolved,
        resolved_on_time=resolved and bool(resolved_on_time(row)),
        overdue=late_now(row, now),
        unanswered_late=not answered and lifecycle.is_unanswered_late(row.status, row.due_dt,
                                                                      None, now))


#: what each request of a cohort counts for, added up per slice (the order of Counted.counts)
MEASURES = ("received", "answered", "first_on_time", "resolved", "resolved_on_time", "overdue",
            "unanswered_late", "reopened")
#: per day of receipt, for the charts
DAY_MEASURES = ("received", "answered", "first_on_time", "unanswered_late")


@dataclass
class Counted:
    """A period's requests as the report counts them: the Outcome of each added up per slice,
    and the few things that are not sums (each answer's working seconds, for the medians; the
    complaints, listed one by one). count_rows makes it from rows with the rules of this
    module; services.reports has the database count the same (tested to be equal)."""

    #: (unit, service, assignee id, type, channel) -> the MEASURES of its cohort requests
    counts: dict[tuple, list[int]] = field(default_factory=dict)
    #: (unit, service, assignee id) -> working seconds to the first answer, one per answer
    seconds: dict[tuple, list[float]] = field(default_factory=dict)
    #: (unit, service, level) -> cohort requests that reached the level
    escalations: dict[tuple, int] = field(default_factory=dict)
    #: (unit, service) -> requests received before the end (in the period or earlier) open
    #: at the end
    open_at_end: dict[tuple, int] = field(default_factory=dict)
    #: day of receipt (office's zone) -> the DAY_MEASURES of its requests
    days: dict[date, list[int]] = field(default_factory=dict)
    #: the cohort's complaints (type pengaduan) with their outcome at `now`, in order of
    #: receipt (then id)
    complaints: list[Complaint] = field(default_factory=list)


def count_rows(tickets: Iterable[TicketRow], start: datetime, end: datetime, now: datetime,
               calendar: WorkingCalendar) -> Counted:
    """Count the requests received in [start, end) (and those before the end still open at
    it) with the rules of this module, each request's Outcome worked out once."""
    tz = ZoneInfo(calendar.tz)
    out = Counted()
    counts, seconds, days = out.counts, out.seconds, out.days
    complaints = []
    for row in tickets:
        if row.created_dt < end and (row.status_at_end or row.status) in OPEN_STATUSES:
            slot = (row.unit, row.service)
            out.open_at_end[slot] = out.open_at_end.get(slot, 0) + 1
        if not start <= row.created_dt < end:
            continue
        o = outcome(row, now, calendar)
        answered = o.seconds is not None
        key = (row.unit, row.service, row.assignee_id, row.type, row.channel)
        c = counts.get(key)
        if c is None:
            c = counts[key] = [0] * len(MEASURES)
        for i, value in enumerate((1, answered, o.first_on_time, o.resolved, o.resolved_on_time,
                                   o.overdue, o.unanswered_late, o.reopened)):
            c[i] += value
        if answered:
            seconds.setdefault(key[:3], []).append(o.seconds)
        for level in row.escalation_levels:
            slot = (row.unit, row.service, level)
            out.escalations[slot] = out.escalations.get(slot, 0) + 1
        day = row.created_dt.astimezone(tz).date()
        d = days.get(day)
        if d is None:
            d = days[day] = [0] * len(DAY_MEASURES)
        for i, value in enumerate((1, answered, o.first_on_time, o.unanswered_late)):
            d[i] += value
        if row.type == "pengaduan":
            complaints.append(row)
    out.complaints = [
        Complaint(t.code, t.created_dt, t.unit, t.service, t.subject, t.status,
                  complaint_outcome(t, now), t.is_understood, t.reopen_count)
        for t in sorted(complaints, key=lambda t: (t.created_dt, t.id))]
    return out


class _Sum:
    """The figures of one group being added up from slices of a Counted."""

    __slots__ = ("channels", "escalations", "measures", "open_at_end", "seconds", "types")

    def __init__(self) -> None:
        self.measures = [0] * len(MEASURES)
        self.types: Counter = Counter()
        self.channels: Counter = Counter()
        self.seconds: list[float] = []
        self.escalations = dict.fromkeys(ESCALATION_LEVELS, 0)
        self.open_at_end = 0

    def add(self, type_: str, channel: str, measures: list[int]) -> None:
        for i, value in enumerate(measures):
            self.measures[i] += value
        self.types[type_] += measures[0]
        self.channels[channel] += measures[0]

    def figures(self, responses: Iterable[ResponseRow]) -> Figures:
        (received, answered, on_time, resolved, resolved_on_time, overdue, unanswered_late,
         reopened) = self.measures
        f = Figures(received=received, answered=answered, first_on_time=on_time,
                    resolved=resolved, resolved_on_time=resolved_on_time, overdue=overdue,
                    unanswered_late=unanswered_late, reopened=reopened,
                    open_at_end=self.open_at_end, escalations=self.escalations,
                    answer_seconds=sorted(self.seconds))
        types = {t: n for t, n in self.types.items() if n}
        channels = {c: n for c, n in self.channels.items() if n}
        f.by_type = {t: types.get(t, 0) for t in TYPES} | {
            t: n for t, n in types.items() if t not in TYPES}
        f.by_channel = {c: channels.get(c, 0) for c in CHANNELS} | {
            c: n for c, n in channels.items() if c not in CHANNELS}
        f.ikm = ikm_rules.compute(r.scores for r in responses)
        return f


def _sums(counted: Counted, key) -> dict:
    """One _Sum per group: key(unit, service) names the group of a slice."""
    out: dict = defaultdict(_Sum)
    for (unit, service, _assignee, type_, channel), measures in counted.counts.items():
        out[key(unit, service)].add(type_, channel, measures)
    for (unit, service, _assignee), values in counted.seconds.items():
        out[key(unit, service)].seconds += values
    for (unit, service, level), n in counted.escalations.items():
        target = out[key(unit, service)].escalations
        target[level] = target.get(level, 0) + n
    for (unit, service), n in counted.open_at_end.items():
        out[key(unit, service)].open_at_end += n
    return out


def figures(cohort: Sequence[TicketRow], backlog_open: int, responses: Sequence[ResponseRow],
            now: datetime, calendar: WorkingCalendar) -> Figures:
    """The figures of a group: its cohort, its requests open at the end, its responses."""
    everything = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    counted = count_rows(cohort, *everything, now, calendar)
    counted.open_at_end = {(None, None): backlog_open}
    return _sums(counted, lambda unit, service: None)[None].figures(responses)


# ------------------------------------------------------------------ the report

@dataclass
class Group:
    key: str | None
    name: str
    figures: Figures
    children: list[Group] = field(default_factory=list)


@dataclass
class StaffFigures:
    id: int
    name: str
    unit: str | None
    role: str
    handled: int
    answered: int
    answered_on_time: int
    median_seconds: float | None
    open_now: int

    @property
    def on_time_share(self) -> Decimal | None:
        return share(self.answered_on_time, self.answered)


OUTCOMES = {
    "tepat": "Dijawab tepat waktu",
    "terlambat": "Dijawab terlambat",
    "proses": "Masih diproses",
    "proses_terlambat": "Masih diproses, melewati batas waktu",
    "tanpa_jawaban": "Ditutup tanpa jawaban",
}


@dataclass
class Complaint:
    code: str
    created_dt: datetime
    unit: str | None
    service: str | None
    subject: str
    status: str
    outcome: str
    is_understood: bool | None
    reopen_count: int

    @property
    def outcome_label(self) -> str:
        return OUTCOMES[self.outcome]


def complaint_outcome(row: TicketRow, now: datetime) -> str:
    """What became of a complaint, as of `now` (see OUTCOMES)."""
    if row.status in OPEN_STATUSES:
        return "proses_terlambat" if late_now(row, now) else "proses"
    if row.first_response_dt is not None and row.first_response_dt <= now:
        return "tepat" if first_on_time(row) else "terlambat"
    return "tanpa_jawaban"


@dataclass
class Comment:
    submitted_dt: datetime
    unit: str | None
    service: str | None
    text: str


@dataclass
class Report:
    period: Period
    now: datetime
    #: the units shown ("Semua bidang" for kepala dinas/admin, one unit for a kabid)
    scope: str
    overall: Group
    units: list[Group]
    staff: list[StaffFigures]
    complaints: list[Complaint]
    comments: list[Comment]
    #: the same figures for the period before (overall and per unit), None when not asked
    previous: Report | None
    weekly_volume: list[tuple[date, int]]
    #: (first day of month, counted, on time); counted = answered + unanswered past the
    #: deadline (on_time_share). Weeks and months after `now` are left out, not zero.
    monthly_attainment: list[tuple[date, int, int]]
    service_names: dict[str | None, str] = field(default_factory=dict)
    unit_names: dict[str | None, str] = field(default_factory=dict)
    #: the office's zone (dates and weeks are read in it)
    tz: str = "Asia/Jakarta"

    @property
    def is_complete(self) -> bool:
        """The period is over at `now` (else the figures are still moving)."""
        return self.now >= self.period.bounds(self.tz)[1]

    def unit(self, key: str | None) -> Group | None:
        return next((g for g in self.units if g.key == key), None)


def build(period: Period, now: datetime, calendar: WorkingCalendar, *,
          tickets: Sequence[TicketRow], responses: Sequence[ResponseRow],
          units: Sequence[UnitInfo], services: Sequence[ServiceInfo],
          staff: Sequence[StaffRow] = (), scope: str = "Semua bidang",
          previous: Report | None = None, internal: bool = True) -> Report:
    """The evaluation of `period` for the given units (their tickets and responses only)."""
    # in UTC, like the rows: moments in two zones compare through utcoffset() every time
    start, end = (moment.astimezone(UTC) for moment in period.bounds(ZoneInfo(calendar.tz)))
    return assemble(period, now, calendar.tz, count_rows(tickets, start, end, now, calendar),
                    responses=responses, units=units, services=services, staff=staff,
                    scope=scope, previous=previous, internal=internal)


def assemble(period: Period, now: datetime, tz_name: str, counted: Counted, *,
             responses: Sequence[ResponseRow], units: Sequence[UnitInfo],
             services: Sequence[ServiceInfo], staff: Sequence[StaffRow] = (),
             scope: str = "Semua bidang", previous: Report | None = None,
             internal: bool = True) -> Report:
    """The evaluation of `period` from its requests as counted (count_rows, or the database's
    count of the same) and the survey responses."""
    tz = ZoneInfo(tz_name)
    start, end = (moment.astimezone(UTC) for moment in period.bounds(tz))
    period_responses = [r for r in responses if start <= r.submitted_dt < end
                        and r.submitted_dt <= now]

    unit_names = {u.code: u.name for u in units}
    service_names = {s.slug: s.name for s in services}
    service_names.setdefault(None, "Tanpa layanan")

    by_unit = _sums(counted, lambda unit, service: unit)
    by_service = _sums(counted, lambda unit, service: (unit, service))
    resp_by_unit = _group(period_responses, lambda x: x.unit)
    keys = [u.code for u in units]
    extra = [k for k in set(by_unit) | set(resp_by_unit) if k not in keys]
    if TRIAGE in extra:
        unit_names[TRIAGE] = "Belum ditentukan (triase)"
    keys += sorted(extra, key=lambda k: (k is None, k or ""))

    groups = []
    for key in keys:
        resp = resp_by_unit.get(key, [])
        group = Group(key, unit_names.get(key, key or ""),
                      by_unit.get(key, _Sum()).figures(resp))
        catalogue = [s.slug for s in services if s.unit == key]
        resp_by_service = _group(resp, lambda x: x.service)
        seen = {s for (u, s) in by_service if u == key} | set(resp_by_service)
        service_keys = catalogue + sorted((k for k in seen if k not in catalogue),
                                          key=lambda k: (k is None, k or ""))
        for slug in service_keys:
            group.children.append(Group(slug, service_names.get(slug, slug or ""), by_service.get(
                (key, slug), _Sum()).figures(resp_by_service.get(slug, []))))
        groups.append(group)

    overall = Group(None, scope, _sums(counted, lambda unit, service: None).get(
        None, _Sum()).figures(period_responses))

    staff_rows: list[StaffFigures] = []
    complaints: list[Complaint] = []
    comments: list[Comment] = []
    if internal:
        staff_rows = _staff(counted, staff)
        complaints = counted.complaints
        comments = [Comment(r.submitted_dt, r.unit, r.service, r.comment.strip())
                    for r in sorted(period_responses, key=lambda r: (r.submitted_dt, r.ticket_id))
                    if r.comment and r.comment.strip()]

    weekly = []
    today = now.astimezone(tz).date()
    days = counted.days
    for monday in period.weeks():
        if monday > today:
            break  # not yet: not plotted as a week with nothing in it
        weekly.append((monday, sum(days[d][0] for d in (
            date.fromordinal(monday.toordinal() + i) for i in range(7)) if d in days)))
    monthly = []
    for first in period.months():
        if first > today:
            break
        month = [v for d, v in days.items() if (d.year, d.month) == (first.year, first.month)]
        monthly.append((first, sum(v[1] + v[3] for v in month), sum(v[2] for v in month)))

    return Report(period=period, now=now, scope=scope, overall=overall, units=groups,
                  staff=staff_rows, complaints=complaints, comments=comments, previous=previous,
                  weekly_volume=weekly, monthly_attainment=monthly,
                  service_names=service_names, unit_names=unit_names, tz=tz_name)


def _group(rows, key) -> dict:
    out: dict = defaultdict(list)
    for row in rows:
        out[key(row)].append(row)
    return out


def _staff(counted: Counted, staff: Sequence[StaffRow]) -> list[StaffFigures]:
    handled: Counter = Counter()
    on_time: Counter = Counter()
    for (_unit, _service, assignee, _type, _channel), measures in counted.counts.items():
        if assignee is not None:
            handled[assignee] += measures[0]
            on_time[assignee] += measures[2]
    seconds: dict = defaultdict(list)
    for (_unit, _service, assignee), values in counted.seconds.items():
        if assignee is not None:
            seconds[assignee] += values
    out = []
    for person in staff:
        if not handled[person.id] and not person.open_now and person.role not in (
                "staf", "ketua_tim", "kabid"):
            continue
        answered = seconds.get(person.id, [])
        out.append(StaffFigures(
            id=person.id, name=person.name, unit=person.unit, role=person.role,
            handled=handled[person.id], answered=len(answered),
            answered_on_time=on_time[person.id], median_seconds=median(answered),
            open_now=person.open_now))
    return sorted(out, key=lambda s: (s.unit or "", s.name))


def format_duration(seconds: float | None) -> str:
    """Working time in words; the one formatter (domain.durations)."""
    return format_working_duration(seconds)
