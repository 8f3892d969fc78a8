"""Mail intake: a raw message in; stored first, then a new ticket, a follow-up, a note on a
ticket, or kept for review. The same pipeline serves IMAP (`poll_mailbox`), the MTA pipe
and files (`flask mail ingest`).

Order of work for every message:

1. store the raw bytes and commit (a crash later never loses the mail; the same bytes
   again - IMAP re-fetch, MTA retry, a second poller - hit the unique sha256 and are a
   duplicate);
2. parse and classify: a bounce of our mail becomes a note on its ticket and flags the
   requester's address; an auto-reply is recorded and changes nothing; bulk and list mail,
   list-manager notices, feedback (abuse) reports, provider-flagged spam and our own mail
   coming back are kept for review (`ignored`); none of them is ever answered;
3. thread: In-Reply-To/References naming one of our (signed) Message-IDs or a stored one,
   or a ticket code in the subject from the requester or someone copied on it -> follow-up;
   otherwise a new ticket, linked to a code it mentions;
4. acknowledge new tickets through the outbox, at most MAIL_AUTO_REPLY_PER_HOUR per
   sender per hour, never to our own or no-reply addresses.

A message that cannot be handled is `failed` with the error kept, for `reprocess_failed`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from functools import partial
from itertools import groupby

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import mail as mailparse
from ..extensions import db
from ..models import InboundMail, Ticket
from . import facts
from .auto_reply import auto_reply_refusal, counted_ahead, own_addresses
from .availability import DatabaseUnavailable, is_db_unavailable
from .mail_actions import IngestResult, UnhandledMail, _Mail, dispatch
from .parse_ahead import Pending, not_ahead, parse_ahead

log = logging.getLogger(__name__)

__all__ = [
    "DatabaseUnavailable",
    "IngestResult",
    "ReprocessError",
    "auto_reply_refusal",
    "claim_move",
    "ingest_headers_only",
    "ingest_many",
    "ingest_raw",
    "own_addresses",
    "poll_mailbox",
    "release_move",
    "reprocess_failed",
    "resume_stale",
]

SOURCES = ("imap", "pipe", "file")
_RETRIES = 3


@contextmanager
def _database() -> Iterator[None]:
    """Turn "the database is not there" into DatabaseUnavailable."""
    try:
        yield
    except DBAPIError as exc:
        if not is_db_unavailable(exc):
            raise
        try:
            db.session.rollback()
        except DBAPIError as again:
            log.debug("rollback after a lost connection: %s", again)
        raise DatabaseUnavailable(str(exc.orig or exc)) from exc


class ReprocessError(ValueError):
    """The stored mail cannot be processed again (unknown, headers only, wrong state)."""


# ------------------------------------------------------------------ entry points

def ingest_raw(raw: bytes, now: datetime, *, source: str, uid: str | None = None,
               folder: str | None = None) -> IngestResult:
    """Store one raw message (commit), then process it. Raises only when the database is
    unreachable (DatabaseUnavailable); everything else ends as a result."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    raw = bytes(raw or b"")
    with _database():
        row, is_new = _store(raw, hashlib.sha256(raw).hexdigest(), _peek_message_id(raw), now,
                             source=source, uid=uid, folder=folder, size=len(raw))
        if not is_new:
            return _seen_again(row.id, now)
        return _process(row.id, now, raw=raw)


def ingest_many(raws: Iterable[bytes], clock: Callable[[], datetime], *,
                source: str) -> Iterator[IngestResult]:
    """Messages one after another (`flask mail ingest FILE...`), with the results of
    ingest_raw on each in turn, in two commits per chunk instead of two per message: the raw
    bytes of a chunk are stored (and claimed) in one commit, then its new messages are
    processed in one transaction (see _process_run: a message that fails is kept `failed`
    for review, the others go on). A result is yielded once it is committed. While a chunk
    is stored and processed, the next one is parsed in a helper process (parse_ahead; in
    order, so a reply still finds the request before it). Raises DatabaseUnavailable as
    ingest_raw does; a message stored and not processed yet is taken over by the next poll
    once its claim is stale."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    config = current_app.config
    chunks = _chunks(raws, _chunk_size())
    chunk = next(chunks, None)
    following = next(chunks, None)
    budget = config.get("MAIL_PARSE_BUDGET_SECONDS")
    with parse_ahead(partial(_parse_chunk, budget=budget),
                     seconds_per_message=(budget or 60) + 1,
                     enabled=following is not None and config.get("MAIL_PARSE_AHEAD", True)
                     ) as submit:
        parses: Pending = not_ahead
        while chunk is not None:
            parses_after = submit(following) if following is not None else not_ahead
            yield from _ingest_chunk(chunk, clock, source, parses)
            chunk, parses = following, parses_after
            following = next(chunks, None) if chunk is not None else None


def _ingest_chunk(chunk: list[bytes], clock: Callable[[], datetime], source: str,
                  parses: Pending) -> Iterator[IngestResult]:
    """One chunk of ingest_many: stored in one commit, its new messages processed (with the
    parses made ahead, when there are: in the chunk's order)."""
    with _database():
        stored, _held = _store_many(chunk, clock(), source=source)
    ready = parses()
    ahead = ({row_id: ready[i] for i, (_raw, row_id, is_new) in enumerate(stored) if is_new}
             if ready is not None and len(ready) == len(stored) else {})
    # in order: the new messages between two duplicates together, each duplicate alone
    for is_new, group in groupby(stored, key=lambda item: item[2]):
        if is_new:
            with _database():
                results = _process_run([(raw, row_id) for raw, row_id, _ in group], clock,
                                       ahead)
                db.session.commit()
            yield from results
            continue
        for _raw, row_id, _is_new in group:
            with _database():
                result = _seen_again(row_id, clock())
            yield result


def _process_run(items: list[tuple[bytes, int]], clock: Callable[[], datetime],
                 ahead: dict[int, mailparse.ParsedMail | mailparse.MailParseError] | None = None
                 ) -> list[IngestResult]:
    """Process claimed rows (raw bytes, row id) in the caller's transaction, no commit.
    `ahead`: parses made already (row id -> parse, or why it cannot be parsed).

    On PostgreSQL the daily facts they move are written once at the end, in key order
    (facts.deferred: two runs at once would otherwise deadlock on them). All of them are
    parsed, their senders' recent automatic mail counted in one query
    (auto_reply.counted_ahead), and they are processed in one go, without a SAVEPOINT each
    (two round trips per message); a message that cannot be parsed or is refused as it is
    (UnhandledMail) is kept `failed` there (nothing of it was written). If any other error
    comes up, the run is rolled back and done again with a SAVEPOINT per message, where a
    message that fails rolls back to its savepoint only and is kept `failed` (the messages
    are not parsed twice). On SQLite each message is processed and committed on its own
    (see _savepoints)."""
    # each row's parse, or why it cannot be parsed (a message near the parse budget is not
    # parsed a second time)
    parsed: dict[int, mailparse.ParsedMail | mailparse.MailParseError] = dict(ahead or {})
    if not _savepoints():
        return [_redo(raw, row_id, clock, parsed, commit=True) for raw, row_id in items]
    try:
        for raw, row_id in items:
            _parse_into(parsed, row_id, raw)
        with facts.deferred(), counted_ahead(_senders(parsed.values()), clock()):
            return [_process_unguarded(row_id, clock(), raw, parsed) for raw, row_id in items]
    except Exception as exc:  # redone message by message below
        if is_db_unavailable(exc):
            raise
        db.session.rollback()
        log.info("inbound mail %s..%s redone with a savepoint each: %s",
                 items[0][1], items[-1][1], exc)
    with facts.deferred():
        return [_redo(raw, row_id, clock, parsed) for raw, row_id in items]


def _redo(raw: bytes, row_id: int, clock: Callable[[], datetime],
          parsed: dict[int, mailparse.ParsedMail | mailparse.MailParseError], *,
          commit: bool = False) -> IngestResult:
    """One message of _process_run in its own SAVEPOINT (or, commit: transaction)."""
    done = parsed.get(row_id)
    result = (_mark_failed(row_id, clock(), done) if isinstance(done, mailparse.MailParseError)
              else _process_nested(row_id, clock(), raw=raw, parsed=done))
    if commit:
        db.session.commit()
    return result


def _process_unguarded(
        row_id: int, now: datetime, raw: bytes,
        parsed: dict[int, mailparse.ParsedMail | mailparse.MailParseError]) -> IngestResult:
    """Process one claimed row with no savepoint (no commit); raises what the work raises,
    except that a message that cannot be parsed is kept `failed`. The parse (or its error)
    is kept in `parsed` for a second try."""
    row = db.session.get(InboundMail, row_id)
    if isinstance(_parse_into(parsed, row_id, raw), mailparse.MailParseError):
        log.warning("inbound mail %s failed: %s", row_id, parsed[row_id])
        return _mark_failed(row_id, now, parsed[row_id])
    try:
        return _record(row, now, _handle(row, now, False, raw, parsed[row_id]))
    except UnhandledMail as exc:  # refused before anything of it was written: no redo
        log.warning("inbound mail %s failed: %s", row_id, exc)
        return _mark_failed(row_id, now, exc)


def _parse_into(parsed: dict[int, mailparse.ParsedMail | mailparse.MailParseError],
                row_id: int, raw: bytes) -> mailparse.ParsedMail | mailparse.MailParseError:
    """The row's parse (or why it cannot be parsed), kept in `parsed` once made."""
    if row_id not in parsed:
        try:
            parsed[row_id] = _parse(raw)
        except mailparse.MailParseError as exc:
            parsed[row_id] = exc
    return parsed[row_id]


def _senders(parses: Iterable[mailparse.ParsedMail | mailparse.MailParseError]) -> list[str]:
    return [p.from_email for p in parses if isinstance(p, mailparse.ParsedMail)]


def ingest_headers_only(header: bytes, size: int, now: datetime, *, source: str = "imap",
                        uid: str | None = None, folder: str | None = None) -> IngestResult:
    """A message too large to download: keep a stub with its headers, tell the sender."""
    header = bytes(header or b"")
    digest = hashlib.sha256(b"headers-only:%d:" % size + header).hexdigest()
    with _database():
        row, is_new = _store(header, digest, _peek_message_id(header), now, source=source,
                             uid=uid, folder=folder, size=size, headers_only=True)
        if not is_new:
            return _seen_again(row.id, now)
        return _process(row.id, now, raw=header)


def reprocess_failed(inbound_id: int, now: datetime, *,
                     force_request: bool = False) -> IngestResult:
    """Process a stored `failed` mail again (after a fix). With force_request an `ignored`
    one (bulk, auto-reply) is treated as a request from a person: an admin's decision."""
    with _database():
        row = db.session.get(InboundMail, inbound_id)
        if row is None:
            raise ReprocessError(f"surel masuk #{inbound_id} tidak ada")
        if row.is_headers_only:
            raise ReprocessError("hanya kepala pesan yang tersimpan (pesan terlalu besar)")
        allowed = ("failed", "ignored") if force_request else ("failed",)
        if row.action not in allowed or not _claim(row.id, now, allowed):
            raise ReprocessError(f"surel masuk #{inbound_id} berstatus {row.action}")
        return _process(row.id, now, force_request=force_request)


def resume_stale(now: datetime) -> list[IngestResult]:
    """Process mail a worker claimed and never finished (it died): after
    MAIL_CLAIM_STALE_MINUTES another worker takes it over."""
    results = []
    with _database():
        for row_id in db.session.scalars(
            select(InboundMail.id).where(InboundMail.action == "processing",
                                         InboundMail.claimed_dt < _stale_before(now))
            .order_by(InboundMail.id)
        ).all():
            if _claim(row_id, now, ("processing",)):
                results.append(_take_over(row_id, now))
    return results


def _take_over(row_id: int, now: datetime) -> IngestResult:
    """Process a row whose earlier worker never finished; after MAIL_MAX_PROCESS_ATTEMPTS
    claims it is kept as `failed` (a message that hangs or kills every worker must not be
    retried forever)."""
    row = db.session.get(InboundMail, row_id)
    limit = current_app.config.get("MAIL_MAX_PROCESS_ATTEMPTS", 3)
    if row.attempts > limit:
        result = _mark_failed(row_id, now, UnhandledMail(
            f"pemrosesan terhenti {row.attempts - 1} kali tanpa selesai (proses mati atau "
            f"macet pada pesan ini); disimpan sebagai gagal untuk ditinjau"))
        db.session.commit()
        return result
    return _process(row_id, now)


def claim_move(inbound_id: int, uid: str, now: datetime) -> bool:
    """May this poller move message `uid` (stored as `inbound_id`) out of the folder? Only one
    poller wins for a given UID; a claim whose move never happened goes stale. Commits."""
    with _database():
        result = db.session.execute(
            update(InboundMail).where(
                InboundMail.id == inbound_id,
                or_(InboundMail.imap_moved_uid.is_(None), InboundMail.imap_moved_uid != uid,
                    InboundMail.imap_move_dt.is_(None),
                    InboundMail.imap_move_dt < _stale_before(now)))
            .values(imap_moved_uid=uid, imap_move_dt=now)
            .execution_options(synchronize_session=False))
        db.session.commit()
    return result.rowcount == 1


def release_move(inbound_id: int) -> None:
    """The move failed (connection lost): let the next pass move the message at once."""
    with _database():
        db.session.execute(update(InboundMail).where(InboundMail.id == inbound_id)
                           .values(imap_move_dt=None)
                           .execution_options(synchronize_session=False))
        db.session.commit()


def poll_mailbox(now: datetime, **options) -> list[IngestResult]:
    """One pass over the IMAP folder (see services.mail_imap; the scheduler's job)."""
    from .mail_imap import poll_mailbox as _poll

    return _poll(now, **options)


# ------------------------------------------------------------------ storing and claiming

_MSGID_RE = re.compile(r"<[^<>\s]+>")


def _peek_message_id(raw: bytes) -> str:
    """The Message-ID before full parsing (which might fail); the parser's value replaces it
    once parsing succeeds. Same fallback as the parser: a hash of the content."""
    try:  # the header block only: the body can be megabytes
        head = BytesHeaderParser(policy=compat32).parsebytes(raw[:mailparse.header_block_end(raw)])
        value = str(head.get("Message-ID") or head.get("Message-Id") or "")
    except Exception:  # noqa: BLE001 - hostile input: fall back to the hash
        value = ""
    match = _MSGID_RE.search(_one_line(value))
    if match:
        return match.group()[:998]
    return f"<{hashlib.sha256(raw).hexdigest()[:32]}@generated.invalid>"


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(value: str | None) -> str:
    """A header-derived value fit for a text column: no NUL (PostgreSQL refuses it) and no
    other control characters."""
    return _CONTROL_RE.sub("", value or "")


def _new_row(raw: bytes, digest: str, message_id: str, now: datetime, *, source: str,
             uid: str | None = None, folder: str | None = None, size: int,
             headers_only: bool = False) -> InboundMail:
    """The row of a message seen for the first time, claimed by this worker."""
    return InboundMail(sha256=digest, message_id=message_id, raw=raw, size=size,
                       is_headers_only=headers_only, source=source, imap_uid=uid,
                       imap_folder=folder, action="processing", attempts=1, times_seen=1,
                       created_dt=now, claimed_dt=now)


def _store(raw: bytes, digest: str, message_id: str, now: datetime, *, source: str,
           uid: str | None, folder: str | None, size: int,
           headers_only: bool = False) -> tuple[InboundMail, bool]:
    """Insert and commit the row, claimed by this worker; (existing row, False) when these
    bytes were stored before. The unique sha256 decides, for a second delivery as for a race
    between two workers: no SELECT before the INSERT (new mail is the common case)."""
    row = _new_row(raw, digest, message_id, now, source=source, uid=uid, folder=folder,
                   size=size, headers_only=headers_only)
    db.session.add(row)
    try:
        _commit_keeping_loaded()
    except IntegrityError:
        db.session.rollback()
        existing = _by_sha(digest)
        if existing is None:
            raise
        return existing, False
    return row, True


#: bytes of raw mail stored in one commit at most (a chunk holds whole messages)
_CHUNK_BYTES = 16 * 1024 * 1024


def _chunk_size() -> int:
    """Messages stored per commit by ingest_many: the last of a chunk must be processed long
    before its claim goes stale (another worker would take it over), even when every one
    before it uses its whole parse budget."""
    cfg = current_app.config
    stale = cfg.get("MAIL_CLAIM_STALE_MINUTES", 10) * 60
    budget = cfg.get("MAIL_PARSE_BUDGET_SECONDS") or 20
    return max(1, min(50, int(stale / (2 * budget))))


def _chunks(raws: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    total = 0
    for raw in raws:
        raw = bytes(raw or b"")
        if chunk and (len(chunk) >= size or total + len(raw) > _CHUNK_BYTES):
            yield chunk
            chunk, total = [], 0
        chunk.append(raw)
        total += len(raw)
    if chunk:
        yield chunk


def _store_many(chunk: list[bytes], now: datetime, *, source: str
                ) -> tuple[list[tuple[bytes, int, bool]], list[InboundMail]]:
    """Store the new messages of a chunk in one commit: (raw, row id, is new) for each, in
    order (the same bytes twice in a chunk are new once, then seen again), and the rows
    stored: while the caller holds them, processing finds them in the session and does not
    SELECT them (and their raw bytes) again."""
    digests = [hashlib.sha256(raw).hexdigest() for raw in chunk]
    known = dict(db.session.execute(select(InboundMail.sha256, InboundMail.id)
                                    .where(InboundMail.sha256.in_(set(digests)))).all())
    rows: dict[str, InboundMail] = {}
    for raw, digest in zip(chunk, digests, strict=True):
        if digest not in known and digest not in rows:
            rows[digest] = _new_row(raw, digest, _peek_message_id(raw), now, source=source,
                                    size=len(raw))
    db.session.add_all(rows.values())
    try:
        _commit_keeping_loaded()
    except IntegrityError:  # another worker stored one of them meanwhile: one by one
        db.session.rollback()
        one_by_one = [(raw, *_store(raw, digest, _peek_message_id(raw), now, source=source,
                                    uid=None, folder=None, size=len(raw)))
                      for raw, digest in zip(chunk, digests, strict=True)]
        return ([(raw, row.id, is_new) for raw, row, is_new in one_by_one],
                [row for _raw, row, _is_new in one_by_one])
    out, first = [], set()
    for raw, digest in zip(chunk, digests, strict=True):
        is_new = digest in rows and digest not in first
        first.add(digest)
        out.append((raw, rows[digest].id if digest in rows else known[digest], is_new))
    return out, list(rows.values())


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds: the row just inserted is exactly what
    the database has, so processing it needs no SELECT of the row and its raw bytes again."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _by_sha(digest: str) -> InboundMail | None:
    return db.session.scalar(select(InboundMail).where(InboundMail.sha256 == digest))


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(minutes=current_app.config.get("MAIL_CLAIM_STALE_MINUTES", 10))


def _claim(row_id: int, now: datetime, actions: tuple[str, ...]) -> bool:
    """Take the row for processing if it is in one of `actions` ("processing" only when the
    earlier claim is stale). One conditional UPDATE, so only one worker wins. Commits."""
    others = [a for a in actions if a != "processing"]
    conditions = [InboundMail.action.in_(others)] if others else []
    if "processing" in actions:
        conditions.append(and_(InboundMail.action == "processing",
                               or_(InboundMail.claimed_dt.is_(None),
                                   InboundMail.claimed_dt < _stale_before(now))))
    result = db.session.execute(
        update(InboundMail).where(InboundMail.id == row_id, or_(*conditions))
        .values(action="processing", claimed_dt=now, attempts=InboundMail.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _seen_again(row_id: int, now: datetime) -> IngestResult:
    """These bytes were stored before: a duplicate (or a stale claim to take over)."""
    db.session.execute(update(InboundMail).where(InboundMail.id == row_id)
                       .values(times_seen=InboundMail.times_seen + 1)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    row = db.session.get(InboundMail, row_id)
    db.session.refresh(row)
    if row.action == "processing":
        if _claim(row.id, now, ("processing",)):
            return _take_over(row.id, now)
        return IngestResult(row.message_id, "duplicate", None,
                            "sedang diproses oleh proses lain", row.id, "processing",
                            row.is_headers_only)
    code = _code(row.ticket_id)
    first = row.created_dt.isoformat() if row.created_dt else "-"
    return IngestResult(row.message_id, "duplicate", code,
                        f"sudah diterima {first} ({row.action})", row.id, row.action,
                        row.is_headers_only)


def _code(ticket_id: int | None) -> str | None:
    if ticket_id is None:
        return None
    return db.session.scalar(select(Ticket.code).where(Ticket.id == ticket_id))


# ------------------------------------------------------------------ processing

def _process(row_id: int, now: datetime, *, force_request: bool = False,
             raw: bytes | None = None) -> IngestResult:
    """Handle a claimed row and commit (see _process_nested)."""
    result = _process_nested(row_id, now, force_request=force_request, raw=raw)
    db.session.commit()
    return result


def _process_nested(row_id: int, now: datetime, *, force_request: bool = False,
                    raw: bytes | None = None,
                    parsed: mailparse.ParsedMail | None = None) -> IngestResult:
    """Handle a claimed row in a SAVEPOINT of the caller's transaction (no commit); a
    concurrent change to the same ticket is redone on fresh rows; any other error rolls back
    to the savepoint and leaves the mail `failed` with the error kept.
    raw: the stored bytes when the caller has them (not read back from the row); parsed:
    the message parsed already."""
    for attempt in range(_RETRIES):
        row = db.session.get(InboundMail, row_id)
        try:
            with _savepoint():
                result = _record(row, now, _handle(row, now, force_request,
                                                   row.raw if raw is None else raw, parsed))
            return result
        except Exception as exc:  # any bug or odd input: keep the mail as failed
            if is_db_unavailable(exc):
                raise  # _database() turns it into DatabaseUnavailable; the claim goes stale
            if isinstance(exc, (StaleDataError, IntegrityError)) and attempt < _RETRIES - 1:
                continue  # another worker changed the same ticket or took the same code
            log.warning("inbound mail %s failed: %s", row_id, exc,
                        exc_info=not isinstance(exc, mailparse.MailParseError))
            return _mark_failed(row_id, now, exc)
    raise AssertionError("unreachable")  # pragma: no cover


def _record(row: InboundMail, now: datetime, result: IngestResult) -> IngestResult:
    """The outcome on the row."""
    row.action = result.action
    row.reason = _one_line(result.reason)[:300]
    row.error = None
    row.processed_dt = now
    result.inbound_id = row.id
    return result


def _savepoints() -> bool:
    """Several messages per transaction, a SAVEPOINT each? Not on SQLite: there a SAVEPOINT
    opens a deferred transaction before the first read, and two workers holding read locks
    that both want to write fail at once ("database is locked") instead of waiting; there
    each message keeps its own transaction."""
    return db.session.get_bind().dialect.name != "sqlite"


@contextmanager
def _savepoint() -> Iterator[None]:
    """The work of one message: a SAVEPOINT (rolled back to on an error), or on SQLite the
    whole transaction (rolled back on an error; the caller commits each message)."""
    if _savepoints():
        kept = facts.deferred_state()
        try:
            with db.session.begin_nested():
                yield
        except BaseException:
            facts.restore_deferred(kept)  # what the message added is undone with it
            raise
        return
    try:
        yield
        db.session.flush()
    except BaseException:
        db.session.rollback()
        raise


def _mark_failed(row_id: int, now: datetime, exc: BaseException) -> IngestResult:
    """Keep the mail as `failed` with the error (flushed, no commit)."""
    row = db.session.get(InboundMail, row_id)
    row.action = "failed"
    row.reason = _one_line(f"{type(exc).__name__}: {exc}")[:300]
    formatted = getattr(exc, "formatted", None) or "".join(traceback.format_exception(exc))
    row.error = formatted[-8000:].replace("\x00", "\\x00")
    row.processed_dt = now
    db.session.flush()
    return IngestResult(row.message_id, "failed", None, row.reason, row.id)


def _text_fields_safe(parsed: mailparse.ParsedMail) -> None:
    """Header-derived values go into text columns: strip NUL and control characters (a NUL
    in a Message-ID must not make PostgreSQL refuse the whole mail)."""
    parsed.message_id = _one_line(parsed.message_id) or "<empty@generated.invalid>"
    parsed.in_reply_to = [_one_line(v) for v in parsed.in_reply_to]
    parsed.references = [_one_line(v) for v in parsed.references]
    parsed.subject = _one_line(parsed.subject)
    parsed.from_name = _one_line(parsed.from_name)
    parsed.from_email = _one_line(parsed.from_email)
    parsed.reply_to_name = _one_line(parsed.reply_to_name)
    parsed.reply_to_email = _one_line(parsed.reply_to_email)
    parsed.to = [_one_line(v) for v in parsed.to]
    parsed.cc = [_one_line(v) for v in parsed.cc]
    for attachment in parsed.attachments:
        attachment.filename = _one_line(attachment.filename)


def _parse(raw: bytes) -> mailparse.ParsedMail:
    """MailParseError (not a mail) and MailParseTimeout (over the budget): failed, kept."""
    return _parse_within(raw, current_app.config.get("MAIL_PARSE_BUDGET_SECONDS"))


def _parse_within(raw: bytes, budget: float | None) -> mailparse.ParsedMail:
    parsed = mailparse.parse_message(raw, budget_seconds=budget)
    _text_fields_safe(parsed)
    return parsed


def _parse_chunk(raws: list[bytes], budget: float | None
                 ) -> list[mailparse.ParsedMail | mailparse.MailParseError]:
    """Each message's parse, or why it cannot be parsed, in order (parse_ahead's helper).
    The error keeps its traceback as text: it travels to the process that stores it."""
    out: list[mailparse.ParsedMail | mailparse.MailParseError] = []
    for raw in raws:
        try:
            out.append(_parse_within(raw, budget))
        except mailparse.MailParseError as exc:
            exc.formatted = "".join(traceback.format_exception(exc))
            out.append(exc)
    return out


def _handle(row: InboundMail, now: datetime, force_request: bool, raw: bytes,
            parsed: mailparse.ParsedMail | None = None) -> IngestResult:
    parsed = parsed or _parse(raw)
    sender = (parsed.from_email or "").strip().lower()
    # An admin makes a no-reply mail a request (a website's contact form): the requester is
    # the person its Reply-To names, who gets the acknowledgement and the answers.
    person = mailparse.relayed_person(sender, parsed.reply_to_email) if force_request else None
    mail = _Mail(row, parsed, person or sender, now,
                 sender_name=parsed.reply_to_name if person else None)
    result = dispatch(mail, force_request)
    # The row's own columns once the work is done: set before, every flush inside dispatch
    # would write the row again (one UPDATE of it per message, with the outcome).
    row.message_id = parsed.message_id[:998]
    row.from_email = sender[:254] or None
    row.subject = (parsed.subject or "")[:300] or None
    row.recipients = [a.lower()[:254] for a in (parsed.to + parsed.cc)][:100]
    row.classification = mail.classification
    row.ticket_id = mail.ticket_id
    return result
