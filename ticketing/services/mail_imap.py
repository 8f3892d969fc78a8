"""One pass over the IMAP folder: fetch by UID with PEEK, store and commit, then move.

A message is never marked, moved or deleted before its bytes are committed. A connection
that drops mid-pass ends the pass; the next pass reconnects, and a message that was stored
but not yet moved is recognised as a duplicate and only moved. Two pollers on one mailbox
meet at the unique sha256 of the stored mail: each message becomes one ticket.
"""

from __future__ import annotations

import imaplib
import logging
import re
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from imap_tools import MailBox, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError, MailboxFolderCreateError, MailboxMoveError

from .mail_ingest import (
    IngestResult,
    claim_move,
    ingest_headers_only,
    ingest_raw,
    release_move,
    resume_stale,
)

log = logging.getLogger(__name__)

#: what a dropped or broken connection raises (imaplib.IMAP4.abort is an IMAP4.error)
CONNECTION_ERRORS = (imaplib.IMAP4.error, OSError, EOFError, ImapToolsError)
_SIZE_CHUNK = 500


class MailboxError(RuntimeError):
    """The mailbox is not configured, or could not be reached or logged into."""


def poll_mailbox(now: datetime, *,
                 on_stored: Callable[[MailBox, IngestResult], None] | None = None
                 ) -> list[IngestResult]:
    """Handle every message in IMAP_FOLDER once; returns what happened to each.

    on_stored is called after a message is committed and before it is moved (monitoring,
    and the tests that cut the connection at exactly that point).
    Raises MailboxError when the mailbox cannot be reached at all.
    """
    cfg = current_app.config
    if not (cfg.get("IMAP_USER") and cfg.get("IMAP_PASSWORD")):
        raise MailboxError("IMAP_USER dan IMAP_PASSWORD belum diatur")
    results = resume_stale(now)
    try:
        box = _connect(cfg)
    except CONNECTION_ERRORS as exc:
        raise MailboxError(f"kotak surel {cfg['IMAP_HOST']}:{cfg['IMAP_PORT']} tidak dapat "
                           f"dibuka: {exc}") from exc
    try:
        _one_pass(box, cfg, now, results, on_stored)
    except CONNECTION_ERRORS as exc:
        # Everything handled so far is committed; the rest waits for the next pass.
        log.warning("IMAP connection lost mid-pass after %d message(s): %s", len(results), exc)
    finally:
        _logout(box)
    return results


def _connect(cfg) -> MailBox:
    cls = MailBox if cfg["IMAP_SSL"] else MailBoxUnencrypted
    box = cls(cfg["IMAP_HOST"], cfg["IMAP_PORT"], timeout=cfg.get("IMAP_TIMEOUT", 60))
    try:
        box.login(cfg["IMAP_USER"], cfg["IMAP_PASSWORD"], initial_folder=None)
        # imaplib keeps the capabilities of the greeting; servers (Dovecot, Gmail) announce
        # MOVE only after login, and without it imap-tools falls back to COPY + EXPUNGE.
        typ, data = box.client.capability()
        if typ == "OK" and data and data[-1]:
            box.client.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
    except CONNECTION_ERRORS:
        _logout(box)
        raise
    return box


def _logout(box: MailBox) -> None:
    try:
        box.logout()
    except Exception:  # noqa: BLE001 - the connection may already be gone
        try:
            box.client.shutdown()
        except Exception as exc:  # noqa: BLE001
            log.debug("IMAP shutdown: %s", exc)


def _one_pass(box: MailBox, cfg, now: datetime, results: list[IngestResult],
              on_stored: Callable[[MailBox, IngestResult], None] | None) -> None:
    folder = cfg["IMAP_FOLDER"]
    processed, failed = cfg["IMAP_PROCESSED_FOLDER"], cfg["IMAP_FAILED_FOLDER"]
    for name in (processed, failed):
        _ensure_folder(box, name)
    box.folder.set(folder)
    uids = box.uids("UNDELETED")
    sizes = _sizes(box, uids)
    limit = cfg["MAIL_MAX_INBOUND_BYTES"]
    for uid in uids:
        if uid not in sizes:
            continue  # moved by another poller since the search
        if sizes[uid] > limit:
            header = _fetch(box, uid, "BODY.PEEK[HEADER]")
            if header is None:
                continue
            result = ingest_headers_only(header, sizes[uid], now, uid=uid, folder=folder)
        else:
            raw = _fetch(box, uid, "BODY.PEEK[]")
            if raw is None:
                continue
            result = ingest_raw(raw, now, source="imap", uid=uid, folder=folder)
        results.append(result)
        if on_stored is not None:
            on_stored(box, result)
        if result.in_progress:
            continue  # another poller has it; it moves the message when done
        if result.inbound_id is None or not claim_move(result.inbound_id, uid, now):
            continue  # another poller is moving this very message right now
        stored = result.stored_action or result.action
        destination = failed if stored == "failed" or result.is_too_large else processed
        try:
            _move(box, uid, destination)
        except CONNECTION_ERRORS:
            release_move(result.inbound_id)
            raise


def _ensure_folder(box: MailBox, name: str) -> None:
    if box.folder.exists(name):
        return
    try:
        box.folder.create(name)
    except MailboxFolderCreateError:
        if not box.folder.exists(name):  # not just created by a poller next door
            raise


_UID_RE = re.compile(rb"UID (\d+)")
_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")


def _sizes(box: MailBox, uids: list[str]) -> dict[str, int]:
    """RFC822.SIZE of each UID, asked before anything is downloaded."""
    sizes: dict[str, int] = {}
    for start in range(0, len(uids), _SIZE_CHUNK):
        chunk = uids[start:start + _SIZE_CHUNK]
        typ, data = box.client.uid("FETCH", ",".join(chunk), "(UID RFC822.SIZE)")
        if typ != "OK":
            raise imaplib.IMAP4.error(f"FETCH RFC822.SIZE: {typ} {data}")
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            uid, size = _UID_RE.search(line), _SIZE_RE.search(line)
            if uid and size:
                sizes[uid.group(1).decode()] = int(size.group(1))
    return sizes


def _fetch(box: MailBox, uid: str, part: str) -> bytes | None:
    """The exact bytes of one message part, without setting \\Seen; None when gone."""
    typ, data = box.client.uid("FETCH", uid, f"({part})")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"FETCH {uid}: {typ} {data}")
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2:
            match = _UID_RE.search(item[0])
            if match is None or match.group(1).decode() == uid:
                return bytes(item[1])
    return None


def _move(box: MailBox, uid: str, folder: str) -> None:
    try:
        box.move(uid, folder)
    except MailboxMoveError as exc:
        # Stored and committed already: the message is seen again (a duplicate) next pass.
        log.warning("could not move UID %s to %s: %s", uid, folder, exc)
