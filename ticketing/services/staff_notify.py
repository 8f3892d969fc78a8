"""Staff hear about new work: a new ticket in their unit, a triage ticket, a citizen's reply,
a ticket assigned to them.

The audit log is the one record every channel (web, API, mail, WhatsApp, walk-in) writes, so
this job reads it from a cursor: each run costs the news since the last run, not the history.
Each audit entry tells each person once (unique user + entry); the mail follows each person's
preference: a mail per run ("segera"), one a working day at the digest time ("ringkasan"), or
none ("mati"). Unread news is marked in the queue until the person opens the ticket, or until
it is no longer theirs to act on: the ticket went to someone else (only the assignee's news
stays) or is no longer open (see settle). So unread news is bounded by the open work, and the
unread counts on every staff page and the mail run cost that, not the history.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update

from ..domain import permissions as perm
from ..domain.lifecycle import OPEN_STATUSES
from ..extensions import db
from ..models import NOTIFY_PREFS, AuditEntry, JobCursor, StaffNotification, Ticket, User
from ..urls import public_base
from .calendar import office_calendar
from .outbox import queue_mail

CURSOR = "staff_notify"
DIGEST_CURSOR = "staff_notify_digest"
#: audit entries read per run (a backlog is worked off over several runs)
BATCH = 1000
WATCHED = ("created", "unit", "citizen_reply", "assignee")
#: audit actions after which some unread news may no longer be anyone's to act on
SETTLING = ("assignee", "status", "unit")
#: roles told about a unit's unassigned work
UNIT_LISTENERS = ("staf", "ketua_tim")


def _cursor(name: str) -> JobCursor:
    cursor = db.session.get(JobCursor, name, with_for_update=True)
    if cursor is None:
        cursor = JobCursor(name=name, last_id=0)
        db.session.add(cursor)
        db.session.flush()
    return cursor


def _unit_people(unit_id: int | None) -> list[int]:
    """Who hears of unassigned work: the unit's staf and ketua tim; for triage, every ketua
    tim allowed to route it (the permission table decides)."""
    users = db.session.scalars(select(User).where(
        User.is_active_account, User.role.in_(UNIT_LISTENERS) if unit_id is not None
        else User.role.in_(("ketua_tim", "kabid", "kepala_dinas")))).all()
    if unit_id is not None:
        return [u.id for u in users if u.unit_id == unit_id]
    return [u.id for u in users if perm.can(u.role, u.unit_id, perm.QUEUE, None)]


def _recipients(entry: AuditEntry, ticket: Ticket) -> tuple[str, list[int]]:
    if entry.action == "assignee":
        return "assigned", [ticket.assignee_id] if ticket.assignee_id else []
    if entry.action == "citizen_reply":
        if ticket.assignee_id:
            return "citizen_reply", [ticket.assignee_id]
        return "citizen_reply", _unit_people(ticket.unit_id)
    if ticket.assignee_id:  # created/moved already in someone's hands: they are told
        return "assigned", [ticket.assignee_id]
    if ticket.unit_id is None:
        return "triage", _unit_people(None)
    return "new_ticket", _unit_people(ticket.unit_id)


def collect(now: datetime) -> int:
    """Turn new audit entries into notifications (no commit). Returns how many were made."""
    cursor = _cursor(CURSOR)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.id > cursor.last_id).order_by(AuditEntry.id)
        .limit(BATCH)).all()
    if not entries:
        return 0
    cursor.last_id = entries[-1].id
    watched = [e for e in entries if e.action in WATCHED and e.ticket_id is not None]
    touched = {e.ticket_id for e in entries
               if e.ticket_id is not None and e.action in WATCHED + SETTLING}
    tickets = {t.id: t for t in db.session.scalars(
        select(Ticket).where(Ticket.id.in_(touched)))} if touched else {}
    made = 0
    for entry in watched:
        ticket = tickets.get(entry.ticket_id)
        if ticket is None or ticket.status == "ditutup":
            continue
        kind, people = _recipients(entry, ticket)
        for user_id in dict.fromkeys(people):
            if user_id == entry.actor_id:
                continue  # nobody is told of what they did themselves
            db.session.add(StaffNotification(user_id=user_id, ticket_id=ticket.id,
                                             audit_entry_id=entry.id, kind=kind,
                                             created_dt=now))
            made += 1
    db.session.flush()
    settle([tickets[e.ticket_id] for e in entries
            if e.action in SETTLING and e.ticket_id in tickets], now)
    return made


def settle(tickets: list[Ticket], now: datetime) -> None:
    """News that is no longer anyone's to act on stops being unread (read_dt = now): all of a
    ticket's once it is no longer open; everyone's but the assignee's once it is assigned;
    of an unassigned ticket moved to another unit (or to triage), the news of those who no
    longer hear of its work. Costs the tickets this run's audit entries touched (no commit)."""
    unread = StaffNotification.read_dt.is_(None)
    closed = sorted({t.id for t in tickets if t.status not in OPEN_STATUSES})
    if closed:
        db.session.execute(update(StaffNotification).where(
            unread, StaffNotification.ticket_id.in_(closed)).values(read_dt=now))
    assigned = sorted({t.id for t in tickets
                       if t.status in OPEN_STATUSES and t.assignee_id is not None})
    if assigned:
        db.session.execute(update(StaffNotification).where(
            unread, StaffNotification.ticket_id.in_(assigned),
            StaffNotification.user_id != select(Ticket.assignee_id).where(
                Ticket.id == StaffNotification.ticket_id).scalar_subquery())
            .values(read_dt=now))
    by_unit: dict[int | None, set[int]] = defaultdict(set)
    for t in tickets:
        if t.status in OPEN_STATUSES and t.assignee_id is None:
            by_unit[t.unit_id].add(t.id)
    for unit_id, ids in by_unit.items():
        db.session.execute(update(StaffNotification).where(
            unread, StaffNotification.ticket_id.in_(sorted(ids)),
            StaffNotification.user_id.not_in(_unit_people(unit_id))).values(read_dt=now))


def _mail(user: User, items: list[StaffNotification], now: datetime, digest: bool) -> None:
    base = public_base()
    subject = ("Ringkasan tiket untuk Anda" if digest else
               f"{len(items)} kabar tiket baru untuk Anda" if len(items) > 1 else
               f"Kabar tiket {items[0].ticket.code}")
    queue_mail("staff_notification", user.email, subject, now, automatic=True,
               context={"user": user, "items": items, "digest": digest, "base_url": base})
    for item in items:
        item.mailed_dt = now


def _due_for_digest(now: datetime) -> bool:
    """Working days from SLA_DIGEST_TIME (07.30 WIB), once a day."""
    cfg = current_app.config
    local = now.astimezone(ZoneInfo(cfg["TIMEZONE"]))
    if office_calendar().hours_on(local.date()) is None:
        return False
    if local.time() < time.fromisoformat(cfg["SLA_DIGEST_TIME"]):
        return False
    cursor = _cursor(DIGEST_CURSOR)
    if cursor.last_id >= local.date().toordinal():
        return False
    cursor.last_id = local.date().toordinal()
    return True


def send(now: datetime) -> dict:
    """Mail unmailed, unread news: per run for "segera", once a working day for "ringkasan"."""
    pending = db.session.scalars(
        select(StaffNotification).join(User, User.id == StaffNotification.user_id)
        .where(StaffNotification.mailed_dt.is_(None), StaffNotification.read_dt.is_(None),
               User.is_active_account, User.notify_pref.in_(("segera", "ringkasan")))
        .order_by(StaffNotification.id)).all()
    by_user: dict[int, list[StaffNotification]] = defaultdict(list)
    for item in pending:
        by_user[item.user_id].append(item)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(by_user)))}
    digest_now = any(u.notify_pref == "ringkasan" for u in users.values()) and \
        _due_for_digest(now)
    sent = {"segera": 0, "ringkasan": 0}
    for user_id, items in by_user.items():
        user = users[user_id]
        if user.notify_pref == "ringkasan" and not digest_now:
            continue
        _mail(user, items, now, digest=user.notify_pref == "ringkasan")
        sent[user.notify_pref] += 1
    return sent


def run(now: datetime) -> dict:
    """The scheduler's job: collect, then mail. Commits once."""
    made = collect(now)
    sent = send(now)
    db.session.commit()
    return {"notifications": made, "mails": sent}


def mark_read(user: User, ticket: Ticket, now: datetime) -> None:
    """The person opened the ticket: its news is no longer unread (no commit)."""
    db.session.execute(
        update(StaffNotification)
        .where(StaffNotification.user_id == user.id, StaffNotification.ticket_id == ticket.id,
               StaffNotification.read_dt.is_(None))
        .values(read_dt=now))


def unread_ticket_ids(user: User, ticket_ids: list[int]) -> set[int]:
    """Which of these tickets have news the person has not seen."""
    if not ticket_ids:
        return set()
    return set(db.session.scalars(
        select(StaffNotification.ticket_id).where(
            StaffNotification.user_id == user.id, StaffNotification.read_dt.is_(None),
            StaffNotification.ticket_id.in_(ticket_ids)).distinct()))


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(func.distinct(StaffNotification.ticket_id))).where(
            StaffNotification.user_id == user.id, StaffNotification.read_dt.is_(None))) or 0


def recent(user: User, limit: int = 50) -> list[StaffNotification]:
    return list(db.session.scalars(
        select(StaffNotification).where(StaffNotification.user_id == user.id)
        .order_by(StaffNotification.id.desc()).limit(limit)))


def set_preference(user: User, pref: str) -> None:
    if pref not in NOTIFY_PREFS:
        raise ValueError(pref)
    user.notify_pref = pref
