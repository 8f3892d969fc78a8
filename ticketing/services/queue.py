"""The staff queue: which tickets a staff member sees, filtered, searched and paginated.

One query per page plus one count, with the row's unit, service and assignee loaded in the
same round trip (no N+1). Every filter has an index; the text search uses trigram indexes
on PostgreSQL (see models.search).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, union
from sqlalchemy.orm import aliased, joinedload

from ..domain import lifecycle
from ..domain import permissions as perm
from ..domain.codes import normalize_code
from ..extensions import db
from ..models import Message, Service, Ticket, Unit, User
from .intake import normalize_phone
from .tickets import Forbidden

TRIAGE = "triase"
ALL_UNITS = "semua"
#: status filter values besides the statuses themselves
OPEN, ANY = "terbuka", "semua"
MAX_PER_PAGE = 100
MAX_WORDS = 5
PHONE_LIKE = re.compile(r"\+?[\d\s\-().]{6,}")


@dataclass
class QueueFilter:
    """The queue's filters, as the form and the API send them (all optional)."""

    #: a unit code, "triase", "semua" (kepala dinas) or None for the caller's own queue
    unit: str | None = None
    #: a status, "terbuka" (default: baru, diproses, menunggu_pemohon) or "semua"
    status: str | None = None
    service: str | None = None
    type: str | None = None
    channel: str | None = None
    #: assignee's e-mail
    assignee: str | None = None
    mine: bool = False
    unassigned: bool = False
    overdue: bool = False
    q: str | None = None


@dataclass
class Page:
    items: list[Ticket]
    page: int
    per_page: int
    total: int
    #: the unit shown (None: triage or all units)
    unit: Unit | None = None
    scope: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def default_scope(actor: User) -> str:
    """Where a staff member lands: the own unit, or all units for the kepala dinas."""
    if actor.role in perm.UNIT_ROLES and actor.unit is not None:
        return actor.unit.code
    return ALL_UNITS


def resolve_scope(actor: User, wanted: str | None) -> tuple[str, Unit | None]:
    """(scope, unit) the actor may list; Forbidden otherwise."""
    wanted = (wanted or default_scope(actor)).strip()
    if wanted.lower() == TRIAGE:
        if not perm.can(actor.role, actor.unit_id, perm.QUEUE, None):
            raise Forbidden("Daftar triase hanya untuk ketua tim, kabid dan kepala dinas.")
        return TRIAGE, None
    if wanted.lower() == ALL_UNITS:
        units = db.session.scalars(select(Unit)).all()
        if not units or not all(perm.can(actor.role, actor.unit_id, perm.QUEUE, u.id)
                                for u in units):
            raise Forbidden("Anda hanya dapat melihat antrian bidang Anda.")
        return ALL_UNITS, None
    unit = db.session.scalar(select(Unit).where(Unit.code == wanted.upper()))
    if unit is None:
        raise Forbidden("Bidang tidak dikenal.")
    if not perm.can(actor.role, actor.unit_id, perm.QUEUE, unit.id):
        raise Forbidden("Anda hanya dapat melihat antrian bidang Anda.")
    return unit.code, unit


def search_words(q: str | None) -> list[str]:
    """Words that must all match; a phone number typed with spaces stays one word."""
    q = (q or "").strip()
    if PHONE_LIKE.fullmatch(q):
        return [q]
    return q.split()[:MAX_WORDS]


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_condition(word: str, scope: Callable[[type[Ticket]], list]) -> ColumnElement[bool]:
    """Tickets where one word appears in the code, requester, subject or any message.

    Written as `id IN (… UNION …)`, each branch carrying the queue's own filters: PostgreSQL
    answers a rare word from the trigram indexes and a common one by walking the (much
    smaller) queue, instead of scanning for an OR across two tables.
    """
    code = normalize_code(word)
    if code and "-" in word:
        # A whole code as printed on the receipt (7KQ4-M9XD): the unique index answers it.
        return Ticket.code == code
    pattern = _like(word)
    found = aliased(Ticket, name="found")
    columns = [found.code, found.subject, found.requester_name, found.requester_email]
    matches = [c.ilike(pattern, escape="\\") for c in columns]
    if code:
        matches.append(found.code == code)
    digits = re.sub(r"[\s\-+().]", "", word)
    if digits.isdigit() and len(digits) >= 4:
        phone = normalize_phone(digits) if digits.startswith(("0", "62")) else digits
        matches.append(found.requester_phone.like(_like(phone), escape="\\"))
    in_ticket = select(found.id).where(*scope(found), or_(*matches))
    written = aliased(Ticket, name="written")
    in_messages = (select(Message.ticket_id).join(written, written.id == Message.ticket_id)
                   .where(*scope(written), Message.body_text.ilike(pattern, escape="\\")))
    return Ticket.id.in_(union(in_ticket, in_messages))


def conditions(actor: User, f: QueueFilter, now: datetime) -> tuple[list, str, Unit | None]:
    scope, unit = resolve_scope(actor, f.unit)

    def filters(entity) -> list:
        return _filters(entity, actor, f, scope, unit, now)

    where = filters(Ticket)
    for word in search_words(f.q):
        where.append(search_condition(word, filters))
    return where, scope, unit


def _filters(T, actor: User, f: QueueFilter, scope: str, unit: Unit | None,
             now: datetime) -> list:
    """Every filter but the text search, on the Ticket entity T (or an alias of it)."""
    where: list = []
    if scope == TRIAGE:
        where.append(T.unit_id.is_(None))
    elif unit is not None:
        where.append(T.unit_id == unit.id)
    status = (f.status or OPEN).strip()
    if status == OPEN:
        where.append(T.status.in_(sorted(lifecycle.OPEN_STATUSES)))
    elif status in lifecycle.STATUSES:
        where.append(T.status == status)
    elif status != ANY:
        raise ValueError(f"status tidak dikenal: {status}")
    if f.service:
        where.append(T.service_id == select(Service.id).where(
            Service.slug == f.service).scalar_subquery())
    if f.type:
        where.append(T.type == f.type)
    if f.channel:
        where.append(T.channel == f.channel)
    if f.mine:
        where.append(T.assignee_id == actor.id)
    elif f.unassigned:
        where.append(T.assignee_id.is_(None))
    elif f.assignee:
        where.append(T.assignee_id == select(User.id).where(
            User.email == f.assignee.strip().lower()).scalar_subquery())
    if f.overdue:
        where.append(and_(T.status.in_(sorted(lifecycle.CLOCK_RUNNING)), T.due_dt <= now))
    return where


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Late: the clock runs and the deadline has passed (as serialize.is_overdue)."""
    return and_(Ticket.status.in_(sorted(lifecycle.CLOCK_RUNNING)), Ticket.due_dt <= now)


def list_queue(actor: User, f: QueueFilter, now: datetime, *, page: int = 1,
               per_page: int = 25) -> Page:
    """One page of the queue, most urgent first (paused tickets, with no due time, last)."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    where, scope, unit = conditions(actor, f, now)
    total = db.session.scalar(select(func.count(Ticket.id)).where(*where))
    items = db.session.scalars(
        select(Ticket).where(*where)
        .options(joinedload(Ticket.unit), joinedload(Ticket.service),
                 joinedload(Ticket.assignee))
        .order_by(Ticket.due_dt.asc().nulls_last(), Ticket.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    return Page(items=list(items), page=page, per_page=per_page, total=total or 0,
                unit=unit, scope=scope)


def count_overdue(scope: str, unit: Unit | None, now: datetime) -> int:
    """Late tickets in the scope shown, for the queue's header."""
    where = [overdue_condition(now)]
    if scope == TRIAGE:
        where.append(Ticket.unit_id.is_(None))
    elif unit is not None:
        where.append(Ticket.unit_id == unit.id)
    return db.session.scalar(select(func.count(Ticket.id)).where(*where)) or 0
