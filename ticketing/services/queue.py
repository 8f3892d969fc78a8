"""The staff queue: which tickets a staff member sees, filtered, searched and paginated.

One query per page plus one bounded count, with the row's unit, service and assignee loaded in
the same round trip (no N+1). Every filter has an index; deep pages are keyset pages on the
queue's order; the text search uses full-text and trigram indexes on PostgreSQL (see
models.search).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, func, or_, select, tuple_, union
from sqlalchemy.orm import aliased, joinedload

from ..domain import lifecycle
from ..domain import permissions as perm
from ..domain.codes import normalize_code
from ..extensions import db
from ..models import Message, Service, Ticket, Unit, User
from ..models import search as search_index
from .intake import normalize_phone
from .tickets import Forbidden

TRIAGE = "triase"
ALL_UNITS = "semua"
#: status filter values besides the statuses themselves
OPEN, ANY = "terbuka", "semua"
MAX_PER_PAGE = 100
#: counts above this are shown as "1.000+" (see Page)
COUNT_LIMIT = 1000
#: the same for a text search
SEARCH_COUNT_LIMIT = 200
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
MAX_WORDS = 5
PHONE_LIKE = re.compile(r"\+?[\d\s\-().]{6,}")
#: the letter/digit runs PostgreSQL's `simple` parser makes words of
TOKEN = re.compile(r"[^\W_]+")


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
    """One page of the queue.

    `total` is exact up to COUNT_LIMIT; beyond it `total_exact` is False and `total` is
    COUNT_LIMIT ("1.000+"): counting every match of a large queue on each page view is what
    made it slow. Pages after the first are reached by keyset cursors (`next_cursor`,
    `prev_cursor`: the last/first row's due time and id), so page 500 costs what page 1 does.
    """

    items: list[Ticket]
    page: int
    per_page: int
    total: int
    #: the unit shown (None: triage or all units)
    unit: Unit | None = None
    scope: str = ""
    total_exact: bool = True
    has_next: bool = False
    has_prev: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int | None:
        """Number of pages, when the total is known."""
        if not self.total_exact:
            return None
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def next_cursor(self) -> str | None:
        return encode_cursor(self.items[-1]) if self.has_next and self.items else None

    @property
    def prev_cursor(self) -> str | None:
        return encode_cursor(self.items[0]) if self.has_prev and self.items else None


class CursorError(ValueError):
    """A page cursor that was not made by encode_cursor."""


def encode_cursor(ticket: Ticket) -> str:
    """The queue position of a row: '<due time as epoch microseconds or ->.<id>'."""
    due = ticket.due_dt
    key = "-" if due is None else str((due - EPOCH) // MICROSECOND)
    return f"{key}.{ticket.id}"


def decode_cursor(value: str) -> tuple[datetime | None, int]:
    due, dot, ident = (value or "").strip().partition(".")
    if (not dot or not ident.isascii() or not ident.isdigit() or len(ident) > 18
            or not (due == "-" or (due.isascii() and due.lstrip("-").isdigit()))):
        raise CursorError("Penanda halaman tidak valid.")
    try:
        moment = None if due == "-" else EPOCH + int(due) * MICROSECOND
    except (OverflowError, OSError, ValueError) as exc:
        raise CursorError("Penanda halaman tidak valid.") from exc
    return moment, int(ident)


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


def _prefix_query(word: str) -> str | None:
    """A to_tsquery text: every letter/digit run of the word as a prefix, all required."""
    tokens = TOKEN.findall(word.lower())[:MAX_WORDS]
    return " & ".join(f"{token}:*" for token in tokens) or None


def _contact_matches(T, word: str) -> list[ColumnElement[bool]]:
    """The word inside a name, e-mail address or phone number, or as a code."""
    pattern = _like(word)
    matches = [T.requester_name.ilike(pattern, escape="\\"),
               T.requester_email.ilike(pattern, escape="\\"),
               T.code.ilike(pattern, escape="\\")]
    code = normalize_code(word)
    if code:
        matches.append(T.code == code)
    digits = re.sub(r"[\s\-+().]", "", word)
    if digits.isdigit() and len(digits) >= 4:
        phone = normalize_phone(digits) if digits.startswith(("0", "62")) else digits
        matches.append(T.requester_phone.like(_like(phone), escape="\\"))
    return matches


#: a whole e-mail address (local part, @, a domain with a dot), as staff paste it
EMAIL_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[^\s@<>()\[\],;:\".]{2,}")


def requester_address(word: str) -> str | None:
    """The lowercased address when `word` is a whole address some request came from: then the
    search is equality on the plain index of tickets.requester_email (stored lowercased),
    not a trigram scan. None for anything else, an address nobody wrote from included (it is
    then searched like any word: inside addresses, subjects, messages)."""
    address = word.strip("<>").lower()
    if not EMAIL_ADDRESS.fullmatch(address):
        return None
    known = db.session.scalar(select(Ticket.id).where(Ticket.requester_email == address)
                              .limit(1))
    return address if known is not None else None


def search_condition(word: str, scope: Callable[[type[Ticket]], list],
                     dialect: str = "sqlite") -> ColumnElement[bool]:
    """Tickets where one word appears in the code, requester, subject or any message.

    PostgreSQL: the words of subjects and messages by full-text search (one GIN index on
    tickets.search_vector, prefix match), names, contacts and codes by trigram indexes; all
    conditions on the tickets table, so the planner either walks the queue's order and checks
    each row (a common word) or reads the indexes (a rare one). SQLite: LIKE over the same
    fields and the messages.
    """
    code = normalize_code(word)
    if code and "-" in word:
        # A whole code as printed on the receipt (7KQ4-M9XD): the unique index answers it.
        return Ticket.code == code
    address = requester_address(word)
    if address is not None:
        return Ticket.requester_email == address
    if dialect == "postgresql":
        matches = _contact_matches(Ticket, word)
        query = _prefix_query(word)
        if query:
            matches.append(Ticket.search_vector.op("@@")(
                func.to_tsquery(search_index.REGCONFIG, query)))
        return or_(*matches)
    pattern = _like(word)
    found = aliased(Ticket, name="found")
    matches = [*_contact_matches(found, word), found.subject.ilike(pattern, escape="\\")]
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
    dialect = db.session.get_bind().dialect.name
    for word in search_words(f.q):
        where.append(search_condition(word, filters, dialect))
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
        # Written out as literals, so PostgreSQL sees the predicate of the partial index of
        # open tickets (models.tickets) even in a prepared statement.
        where.append(T.status.in_(bindparam("open_statuses", sorted(lifecycle.OPEN_STATUSES),
                                            expanding=True, literal_execute=True)))
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
        where.append(overdue_condition(now))
    return where


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Late: the clock runs and the deadline has passed (domain.lifecycle.is_overdue)."""
    return Ticket.is_overdue_at(now)


def bounded_count(where: list, limit: int | None = None) -> tuple[int, bool]:
    """(count, exact): exact up to `limit` (COUNT_LIMIT), else (limit, False); never reads
    more than limit+1 rows."""
    limit = COUNT_LIMIT if limit is None else limit
    found = select(Ticket.id).where(*where).limit(limit + 1).subquery()
    count = db.session.scalar(select(func.count()).select_from(found)) or 0
    return (count, True) if count <= limit else (limit, False)


def _ordered(where: list, *, descending: bool = False):
    order = ((Ticket.due_dt.desc().nulls_first(), Ticket.id.desc()) if descending
             else (Ticket.due_dt.asc().nulls_last(), Ticket.id))
    return (select(Ticket).where(*where)
            .options(joinedload(Ticket.unit), joinedload(Ticket.service),
                     joinedload(Ticket.assignee))
            .order_by(*order))


def _fetch(where: list, limit: int, *, descending: bool = False) -> list[Ticket]:
    return list(db.session.scalars(_ordered(where, descending=descending).limit(limit))
                .unique().all())


def _after(where: list, cursor: tuple[datetime | None, int], limit: int) -> list[Ticket]:
    """Rows after the cursor in queue order (due time, then id; no due time last).

    Each part is one range of the (unit, due_dt, id) index; the paused tickets (no due time)
    are read only when the dated ones run out.
    """
    due, ident = cursor
    if due is None:
        return _fetch([*where, Ticket.due_dt.is_(None), Ticket.id > ident], limit)
    rows = _fetch([*where, tuple_(Ticket.due_dt, Ticket.id) > (due, ident)], limit)
    if len(rows) < limit:
        rows += _fetch([*where, Ticket.due_dt.is_(None)], limit - len(rows))
    return rows


def _before(where: list, cursor: tuple[datetime | None, int], limit: int) -> list[Ticket]:
    """Rows before the cursor, nearest first (the caller reverses them)."""
    due, ident = cursor
    if due is not None:
        return _fetch([*where, tuple_(Ticket.due_dt, Ticket.id) < (due, ident)], limit,
                      descending=True)
    rows = _fetch([*where, Ticket.due_dt.is_(None), Ticket.id < ident], limit, descending=True)
    if len(rows) < limit:
        rows += _fetch([*where, Ticket.due_dt.is_not(None)], limit - len(rows),
                       descending=True)
    return rows


def list_queue(actor: User, f: QueueFilter, now: datetime, *, page: int = 1,
               per_page: int = 25, after: str | None = None,
               before: str | None = None) -> Page:
    """One page of the queue, most urgent first (paused tickets, with no due time, last).

    `after`/`before` (a row's cursor) give the page following/preceding that row (keyset);
    `page` alone counts pages from the start (offset; fine for the first few pages).
    `page` is then only the number shown. CursorError for a cursor not made here.
    """
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    where, scope, unit = conditions(actor, f, now)
    # A search checks each row it counts (a common name matches every 40th ticket): it is
    # counted exactly only up to SEARCH_COUNT_LIMIT.
    total, exact = bounded_count(where, SEARCH_COUNT_LIMIT if search_words(f.q) else None)
    if after:
        rows = _after(where, decode_cursor(after), per_page + 1)
        has_prev, has_next = True, len(rows) > per_page
        items = rows[:per_page]
    elif before:
        rows = _before(where, decode_cursor(before), per_page + 1)
        has_prev, has_next = len(rows) > per_page, True
        items = list(reversed(rows[:per_page]))
    else:
        rows = list(db.session.scalars(
            _ordered(where).limit(per_page + 1).offset((page - 1) * per_page)).unique().all())
        has_prev, has_next = page > 1, len(rows) > per_page
        items = rows[:per_page]
    return Page(items=items, page=page, per_page=per_page, total=total, unit=unit, scope=scope,
                total_exact=exact, has_next=has_next, has_prev=has_prev)


def count_overdue(scope: str, unit: Unit | None, now: datetime) -> int:
    """Late tickets in the scope shown, for the queue's header."""
    where = [overdue_condition(now)]
    if scope == TRIAGE:
        where.append(Ticket.unit_id.is_(None))
    elif unit is not None:
        where.append(Ticket.unit_id == unit.id)
    # Bounded by open work (the clock runs only on open tickets): an exact count is cheap.
    return db.session.scalar(select(func.count(Ticket.id)).where(*where)) or 0
