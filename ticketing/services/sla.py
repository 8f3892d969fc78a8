"""The SLA clock's periodic work: warnings and escalations (`flask sla check`), the daily
digest to ketua tim and kabid, and auto-close of answered tickets nobody replied to.

Each unit of work is its own transaction, so a crash or restart mid-run loses nothing and
repeats nothing: the decision row (SlaNotification / SlaDigest, each with a unique
constraint) is written with its outbox mail and committed together. On PostgreSQL tickets
are taken with FOR UPDATE SKIP LOCKED, so concurrent runs share the work instead of
doubling it; on any database the unique constraint is the last word.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError

from ..domain import sla as rules
from ..domain.calendar import WorkingCalendar
from ..domain.lifecycle import CLOCK_RUNNING, OPEN_STATUSES
from ..extensions import db
from ..models import Service, SlaDigest, SlaNotification, Ticket, User
from ..urls import public_base
from . import audit
from .calendar import office_calendar
from .lifecycle import set_status
from .outbox import queue_mail

log = logging.getLogger(__name__)

RUNNING = tuple(sorted(CLOCK_RUNNING))
#: RFC 3834: mail a machine sends on its own, not in reply to anything
AUTO_GENERATED = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
#: ticket ids per IN (...) query
CHUNK = 500
#: tickets decided per transaction by `sla check`
BATCH = 100

SUMMARY_KEYS = {rules.WARNING: "warning", rules.LEVEL_1: "level1", rules.LEVEL_2: "level2"}
SUBJECTS = {
    rules.WARNING: "Pengingat: permohonan mendekati batas waktu",
    rules.LEVEL_1: "Eskalasi 1: permohonan melewati batas waktu",
    rules.LEVEL_2: "Eskalasi 2: permohonan masih terlambat",
}


# ------------------------------------------------------------------ the clock of one ticket

def thresholds_for(service: Service | None) -> rules.Thresholds:
    """The service's thresholds, or the configured defaults (75%, 1 working day)."""
    cfg = current_app.config
    percent = cfg["SLA_WARNING_PERCENT"]
    days = cfg["SLA_LEVEL2_DAYS"]
    if service is not None:
        if service.sla_warning_percent is not None:
            percent = service.sla_warning_percent
        if service.sla_level2_days is not None:
            days = service.sla_level2_days
    return rules.Thresholds(warning_share=float(percent) / 100, level2_days=float(days))


def clock_of(ticket: Ticket, calendar: WorkingCalendar) -> rules.Clock:
    target = ticket.sla_target_seconds
    if target is None and ticket.due_dt is not None:
        # Tickets from before the SLA columns: the window ran from the clock's start.
        start = ticket.sla_window_start_dt or ticket.sla_start_dt or ticket.created_dt
        target = calendar.working_seconds_between(start, ticket.due_dt)
    return rules.Clock(ticket.status, ticket.due_dt, float(target or 0.0),
                       ticket.sla_remaining_seconds)


def state_of(ticket: Ticket, now: datetime, calendar: WorkingCalendar | None = None,
             service: Service | None = None) -> rules.SlaState:
    """The ticket's SLA state at `now` (service passed in to avoid a lazy load in loops)."""
    calendar = calendar or office_calendar()
    service = service if service is not None else ticket.service
    return rules.sla_state(clock_of(ticket, calendar), now, calendar, thresholds_for(service))


def escalation_level(ticket: Ticket, now: datetime, calendar: WorkingCalendar | None = None) -> int:
    """The ticket JSON's escalation_level: what was sent in this window, and never less than
    the clock calls for now (so it agrees with `overdue` even between two checks)."""
    if ticket.status not in CLOCK_RUNNING or ticket.due_dt is None:
        return ticket.escalation_level or 0
    return max(ticket.escalation_level or 0, state_of(ticket, now, calendar).escalation_level)


# ------------------------------------------------------------------ links in mail

def _path(endpoint: str, fallback: str, **values) -> str:
    """The URL path of an endpoint, or `fallback` while that blueprint does not exist yet."""
    app = current_app
    if endpoint in app.view_functions:
        try:
            return app.url_map.bind("localhost").build(endpoint, values)
        except BuildError:
            pass
    return fallback


def staff_ticket_url(code: str) -> str:
    return public_base() + _path("staff.ticket", f"/staf/tiket/{code}", code=code)


def board_url() -> str:
    return public_base() + _path("supervisor.board", "/pengawasan/")


# ------------------------------------------------------------------ sla check

def _people() -> list[rules.Person]:
    """Everyone an escalation can reach (active ketua tim, kabid, kepala dinas)."""
    users = db.session.scalars(
        select(User).options(selectinload(User.unit))
        .where(User.is_active_account, User.role.in_(rules.CHAIN_ROLES))
    )
    return [_person(u) for u in users]


def _person(user: User) -> rules.Person:
    return rules.Person(id=user.id, email=user.email, name=user.name, role=user.role,
                        unit=user.unit.code if user.unit else None,
                        is_active=user.is_active_account)


def _sent_in_window(ticket_ids: list[int]) -> dict[int, list[tuple[int, int, int | None]]]:
    """ticket id -> [(level, window, unit_id)] of decisions already taken."""
    sent: dict[int, list[tuple[int, int, int | None]]] = defaultdict(list)
    for start in range(0, len(ticket_ids), CHUNK):
        chunk = ticket_ids[start:start + CHUNK]
        rows = db.session.execute(
            select(SlaNotification.ticket_id, SlaNotification.level, SlaNotification.sla_window,
                   SlaNotification.unit_id).where(SlaNotification.ticket_id.in_(chunk))
        )
        for ticket_id, level, window, unit_id in rows:
            sent[ticket_id].append((level, window, unit_id))
    return sent


def _plan(sent: list[tuple[int, int, int | None]], window: int, unit_id: int | None,
          state: rules.SlaState) -> tuple[bool, list[int]]:
    """(retarget, levels to send). Retarget: this window's mail went to another unit's chain,
    so the ticket was transferred (or routed out of triage) and a new window begins."""
    current = [(level, unit) for level, w, unit in sent if w == window]
    retarget = any(unit != unit_id for _, unit in current)
    already = [] if retarget else [level for level, _ in current]
    return retarget, rules.notifications_due(state, already)


@dataclass
class CheckSummary:
    checked: int = 0
    warning: int = 0
    level1: int = 0
    level2: int = 0
    mails: int = 0
    retargeted: int = 0
    #: taken by a concurrent check (locked, or its decision committed first)
    skipped: int = 0

    def as_dict(self) -> dict:
        return {"checked": self.checked, "warning": self.warning, "level1": self.level1,
                "level2": self.level2, "mails": self.mails, "retargeted": self.retargeted,
                "skipped": self.skipped}


def run_sla_check(now: datetime) -> dict:
    """One pass of the SLA clock: send the reminders and escalations that fell due.

    Reads only tickets whose clock runs (index on status, due_dt), so the cost follows the
    open work, not the history. A top-level use case: it runs its own transactions, one per
    ticket, so call it with a clean session (the CLI and the scheduler do).
    """
    calendar = office_calendar()
    default = thresholds_for(None)
    thresholds = {s.id: thresholds_for(s) for s in db.session.scalars(select(Service))}
    summary = CheckSummary()
    candidates = db.session.execute(
        select(Ticket.id, Ticket.status, Ticket.due_dt, Ticket.sla_target_seconds,
               Ticket.sla_window_start_dt, Ticket.sla_start_dt, Ticket.created_dt,
               Ticket.sla_remaining_seconds, Ticket.service_id, Ticket.unit_id,
               Ticket.sla_window)
        .where(Ticket.status.in_(RUNNING), Ticket.due_dt.is_not(None))
        .order_by(Ticket.due_dt, Ticket.id)
    ).all()
    summary.checked = len(candidates)
    sent = _sent_in_window([row.id for row in candidates])
    todo = []
    for row in candidates:
        state = rules.sla_state(clock_of(row, calendar), now, calendar,
                                thresholds.get(row.service_id, default))
        _, levels = _plan(sent.get(row.id, []), row.sla_window, row.unit_id, state)
        if levels:
            todo.append(row.id)
    db.session.rollback()  # end the read transaction before taking row locks
    if todo:
        people = _people()
        for first in range(0, len(todo), BATCH):
            _notify_batch(todo[first:first + BATCH], now, calendar, thresholds, default, people,
                          summary)
    result = summary.as_dict()
    log.info("sla check: %s", result)
    return result


def _locked(ticket_ids: list[int]) -> list[Ticket]:
    """The tickets still running, row-locked; those another check holds are skipped."""
    return list(db.session.scalars(
        select(Ticket)
        .where(Ticket.id.in_(ticket_ids), Ticket.status.in_(RUNNING), Ticket.due_dt.is_not(None))
        # what the notices read (the thread's last inbound Message-ID, the service), so
        # deciding a batch asks nothing per ticket
        .options(joinedload(Ticket.unit), joinedload(Ticket.assignee),
                 joinedload(Ticket.service), selectinload(Ticket.messages))
        .order_by(Ticket.id)
        .with_for_update(skip_locked=True, of=Ticket)
        .execution_options(populate_existing=True)
    ).unique())


def _notify_batch(ticket_ids: list[int], now: datetime, calendar: WorkingCalendar,
                  thresholds: dict[int, rules.Thresholds], default: rules.Thresholds,
                  people: list[rules.Person], summary: CheckSummary) -> None:
    """Decide and queue the notifications of up to BATCH tickets in one transaction: one
    locking read, one read of the decisions taken, one flush, one commit.

    A concurrent check cannot take the same decision meanwhile (it skips the locked rows and
    re-reads decisions after locking); if it did anyway (a unique clash), the batch is undone
    and its tickets are done one by one, as before.
    """
    tickets = _locked(ticket_ids)
    summary.skipped += len(ticket_ids) - len(tickets)
    sent = _sent_in_window([t.id for t in tickets])
    done, updates = [], []
    try:
        with db.session.no_autoflush:
            decided_all = [_decide(ticket, sent.get(ticket.id, []), now, calendar, thresholds,
                                   default, people, summary) for ticket in tickets]
        for decided in decided_all:
            if decided is not None:
                done.append(decided[0])
                updates.append(decided[1])
        if not updates:
            db.session.rollback()
            return
        db.session.flush()
        # A Core UPDATE: the escalation must not bump the optimistic-lock version (staff
        # saving an answer at this moment should not be told someone else changed it).
        table = Ticket.__table__
        db.session.connection().execute(
            update(table).where(table.c.id == bindparam("ticket_id"))
            .values(escalation_level=bindparam("level_now"), sla_window=bindparam("window"),
                    updated_dt=table.c.updated_dt), updates)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        for ticket_id in ticket_ids:
            _notify_one(ticket_id, now, calendar, thresholds, default, people, summary)
        return
    for levels, queued in done:
        _count(summary, levels, queued)


def _count(summary: CheckSummary, levels: list[int], queued: int) -> None:
    for level in levels:
        name = SUMMARY_KEYS[level]
        setattr(summary, name, getattr(summary, name) + 1)
    summary.mails += queued


def _notify_one(ticket_id: int, now: datetime, calendar: WorkingCalendar,
                thresholds: dict[int, rules.Thresholds], default: rules.Thresholds,
                people: list[rules.Person], summary: CheckSummary) -> None:
    """Decide and queue one ticket's notifications in one transaction."""
    tickets = _locked([ticket_id])
    if not tickets:
        # Locked by another check, or answered/paused since the scan: not ours to send.
        db.session.rollback()
        summary.skipped += 1
        return
    ticket = tickets[0]
    try:
        decided = _decide(ticket, _sent_in_window([ticket.id]).get(ticket.id, []), now,
                          calendar, thresholds, default, people, summary)
        if decided is None:
            db.session.rollback()
            return
        db.session.flush()
        db.session.execute(
            update(Ticket).where(Ticket.id == ticket.id)
            .values(escalation_level=decided[1]["level_now"], sla_window=decided[1]["window"],
                    updated_dt=Ticket.updated_dt)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except IntegrityError:
        # A concurrent check committed the same decision first: it queued the mail.
        db.session.rollback()
        summary.skipped += 1
        return
    _count(summary, *decided[0])


def _decide(ticket: Ticket, sent: list[tuple[int, int, int | None]], now: datetime,
            calendar: WorkingCalendar, thresholds: dict[int, rules.Thresholds],
            default: rules.Thresholds, people: list[rules.Person], summary: CheckSummary):
    """Add one locked ticket's decisions, mail and audit to the session (no flush).

    Returns ((levels, mails queued), the ticket's new escalation level and window) or None
    when nothing is due.
    """
    state = rules.sla_state(clock_of(ticket, calendar), now, calendar,
                            thresholds.get(ticket.service_id, default))
    window = ticket.sla_window or 1
    retarget, levels = _plan(sent, window, ticket.unit_id, state)
    if not levels:
        return None
    level_now = ticket.escalation_level or 0
    if retarget:
        audit.record(ticket, "sla_window", now, old=window, new=window + 1,
                     detail={"reason": "dialihkan ke bidang lain"})
        window += 1
        level_now = 0
        summary.retargeted += 1
    unit_code = ticket.unit.code if ticket.unit else None
    assignee = _person(ticket.assignee) if ticket.assignee is not None else None
    plan = [(level, rules.recipients(level, unit_code, assignee, people)) for level in levels]
    for level, told in plan:
        db.session.add(SlaNotification(ticket_id=ticket.id, level=level, sla_window=window,
                                       unit_id=ticket.unit_id,
                                       recipients=[p.email for p in told], created_dt=now))
    # (queueing mail below may autoflush the decisions: a clash with a concurrent check
    # surfaces here, and the caller undoes the transaction before any mail is kept)
    queued = 0
    for level, told in plan:
        for person in told:
            _queue_notice(ticket, level, person, state, now)
            queued += 1
        if not told:
            log.warning("sla check: nobody to tell for %s level %s", ticket.code, level)
        audit.record(ticket, "sla_warning" if level == rules.WARNING else "escalation", now,
                     old=level_now, new=level,
                     detail={"window": window, "recipients": [p.email for p in told]})
        if level >= rules.LEVEL_1:
            level_now = max(level_now, level)
    return (levels, queued), {"ticket_id": ticket.id, "level_now": level_now, "window": window}


def _queue_notice(ticket: Ticket, level: int, person: rules.Person, state: rules.SlaState,
                  now: datetime) -> None:
    item = queue_mail(
        "sla_warning" if level == rules.WARNING else "sla_escalation",
        person.email, SUBJECTS[level], now, ticket=ticket,
        context={"recipient": {"name": person.name, "email": person.email}, "level": level,
                 "label": rules.LEVEL_LABELS[level],
                 "late": rules.format_working_duration(state.late_seconds),
                 "share": round((state.elapsed_share or 0) * 100),
                 "staff_url": staff_ticket_url(ticket.code), "board_url": board_url()},
        render_later=True,  # rendered by `mail flush`: a run with many due stays short
    )
    # Internal mail: not part of the citizen's thread.
    item.headers = dict(AUTO_GENERATED)
    item.in_reply_to = None


# ------------------------------------------------------------------ daily digest

@dataclass
class DigestList:
    overdue: list[Ticket]
    due_today: list[Ticket]
    unassigned: list[Ticket]
    totals: dict[str, int]

    @property
    def count(self) -> int:
        return sum(self.totals.values())


DIGEST_LIMIT = 30


def _unit_filter(unit_id: int):
    # A ketua tim / kabid is told of triage too (they receive its escalations).
    return (Ticket.unit_id == unit_id) | Ticket.unit_id.is_(None)


def digest_for_unit(unit_id: int, now: datetime, tz: ZoneInfo) -> DigestList:
    """Overdue, due today and unassigned tickets of a unit (and triage), for the digest."""
    local = now.astimezone(tz)
    end_of_day = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
    unit = _unit_filter(unit_id)
    conditions = {
        "overdue": (unit, Ticket.is_overdue_at(now)),
        "due_today": (unit, Ticket.status.in_(RUNNING), Ticket.due_dt > now,
                      Ticket.due_dt < end_of_day),
        "unassigned": (unit, Ticket.status.in_(tuple(sorted(OPEN_STATUSES))),
                       Ticket.assignee_id.is_(None)),
    }
    order = {"overdue": (Ticket.due_dt, Ticket.id), "due_today": (Ticket.due_dt, Ticket.id),
             "unassigned": (Ticket.created_dt, Ticket.id)}
    lists, totals = {}, {}
    for key, where in conditions.items():
        lists[key] = list(db.session.scalars(
            select(Ticket).options(selectinload(Ticket.assignee), selectinload(Ticket.service))
            .where(*where).order_by(*order[key]).limit(DIGEST_LIMIT)))
        totals[key] = db.session.scalar(select(func.count(Ticket.id)).where(*where))
    return DigestList(lists["overdue"], lists["due_today"], lists["unassigned"], totals)


def send_digests(now: datetime) -> dict:
    """The morning digest, once per person per working day (from SLA_DIGEST_TIME until the
    office closes, so a scheduler that was down at 07.30 catches up)."""
    cfg = current_app.config
    tz = ZoneInfo(cfg["TIMEZONE"])
    calendar = office_calendar()
    local = now.astimezone(tz)
    hours = calendar.hours_on(local.date())
    if hours is None:
        return {"sent": 0, "skipped": "bukan hari kerja"}
    if local.time() < time.fromisoformat(cfg["SLA_DIGEST_TIME"]) or local >= hours[1]:
        return {"sent": 0, "skipped": "di luar jam kirim"}
    today = local.date()
    users = list(db.session.scalars(
        select(User).options(selectinload(User.unit))
        .where(User.is_active_account, User.role.in_(("ketua_tim", "kabid")),
               User.unit_id.is_not(None)).order_by(User.id)
    ))
    done = set(db.session.scalars(
        select(SlaDigest.user_id).where(SlaDigest.day == today,
                                        SlaDigest.user_id.in_([u.id for u in users]))
    )) if users else set()
    summary = {"sent": 0, "empty": 0, "skipped": 0}
    per_unit: dict[int, object] = {}  # a unit's ketua tim and kabid get the same lists
    for user in users:
        if user.id in done:
            continue
        if user.unit_id not in per_unit:
            per_unit[user.unit_id] = digest_for_unit(user.unit_id, now, tz)
        items = per_unit[user.unit_id]
        try:
            db.session.add(SlaDigest(user_id=user.id, day=today, item_count=items.count,
                                     created_dt=now))
            db.session.flush()
            if items.count:
                item = queue_mail(
                    "sla_digest", user.email,
                    f"Ringkasan harian {local:%d-%m-%Y}: {items.totals['overdue']} terlambat, "
                    f"{items.totals['due_today']} jatuh tempo hari ini", now,
                    context={"recipient": user, "items": items, "unit": user.unit,
                             "day": local, "board_url": board_url(),
                             "ticket_url": staff_ticket_url, "limit": DIGEST_LIMIT},
                )
                item.headers = dict(AUTO_GENERATED)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another scheduler recorded this person's digest first
            summary["skipped"] += 1
            continue
        summary["sent" if items.count else "empty"] += 1
    log.info("sla digest: %s", summary)
    return summary


# ------------------------------------------------------------------ auto-close

def auto_close(now: datetime) -> dict:
    """Close `selesai` tickets the citizen has not answered for AUTO_CLOSE_WORKING_DAYS."""
    days = float(current_app.config["AUTO_CLOSE_WORKING_DAYS"])
    calendar = office_calendar()
    # N working days are never fewer than N calendar days: a cheap indexed pre-filter.
    rows = db.session.execute(
        select(Ticket.id, Ticket.resolved_dt)
        .where(Ticket.status == "selesai", Ticket.resolved_dt <= now - timedelta(days=days))
        .order_by(Ticket.resolved_dt, Ticket.id)
    ).all()
    db.session.rollback()
    summary = {"closed": 0, "skipped": 0}
    for ticket_id, resolved in rows:
        if rules.after_working_days(calendar, resolved, days) > now:
            continue
        ticket = db.session.scalars(
            select(Ticket).where(Ticket.id == ticket_id, Ticket.status == "selesai")
            .with_for_update(skip_locked=True, of=Ticket)
            .execution_options(populate_existing=True)
        ).first()
        if ticket is None:
            db.session.rollback()
            summary["skipped"] += 1
            continue
        set_status(ticket, "ditutup", now, actor_label=audit.SYSTEM,
                   reason=f"otomatis: tidak ada tanggapan pemohon {days:g} hari kerja")
        db.session.commit()
        summary["closed"] += 1
    log.info("auto close: %s", summary)
    return summary
