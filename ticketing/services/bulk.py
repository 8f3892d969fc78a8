"""Queue bulk actions and merging a duplicate request into another.

Bulk actions are all or nothing: every selected ticket goes through the same use case as on
its own page (same permission table, same audit entries); if any one is refused, nothing is
changed and the staff member is told which tickets and why (the caller's transaction rolls
back). A merge closes the duplicate, links it to the request that stays open, keeps both
conversations, and tells the requester of the duplicate where the answer will come.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..domain import permissions as perm
from ..domain.codes import normalize_code
from ..extensions import db
from ..models import Message, Ticket, Unit, User
from . import audit, tickets
from .errors import ActionError
from .outbox import queue_mail

ACTIONS = ("assign", "transfer", "close")
#: how many tickets one bulk action may touch (a page of the queue is 25)
MAX_TICKETS = 100


class BulkRefused(ActionError):
    """Some tickets could not be changed; nothing was (code -> reason)."""

    def __init__(self, refused: dict[str, str]):
        super().__init__("; ".join(f"{code}: {why}" for code, why in refused.items()))
        self.refused = refused


@dataclass
class BulkRequest:
    action: str
    codes: list[str]
    assignee: User | None = None
    unit: Unit | None = None
    reason: str = ""


def apply(actor: User, request: BulkRequest, now: datetime) -> list[str]:
    """Do the action on every ticket or raise BulkRefused (no commit). Returns the codes."""
    if request.action not in ACTIONS:
        raise ActionError("Pilih tindakan.")
    codes = list(dict.fromkeys(c for c in (normalize_code(c) for c in request.codes) if c))
    if not codes:
        raise ActionError("Pilih paling sedikit satu tiket.")
    if len(codes) > MAX_TICKETS:
        raise ActionError(f"Paling banyak {MAX_TICKETS} tiket sekaligus.")
    found = {t.code: t for t in db.session.scalars(select(Ticket).where(Ticket.code.in_(codes)))}
    refused: dict[str, str] = {code: "tiket tidak ditemukan" for code in codes
                               if code not in found}
    for code in codes:
        ticket = found.get(code)
        if ticket is None:
            continue
        try:
            _one(actor, ticket, request, now)
        except ActionError as exc:
            refused[code] = exc.message
    if refused:
        raise BulkRefused(refused)
    return codes


def _one(actor: User, ticket: Ticket, request: BulkRequest, now: datetime) -> None:
    if not perm.can(actor.role, actor.unit_id, perm.VIEW, ticket.unit_id):
        raise ActionError("tidak berhak")
    if request.action == "assign":
        if request.assignee is None:
            raise ActionError("Pilih petugas.")
        tickets.assign(ticket, actor, request.assignee, now)
    elif request.action == "transfer":
        if request.unit is None:
            raise ActionError("Pilih bidang tujuan.")
        tickets.transfer(ticket, actor, request.unit, request.reason, now)
    else:
        if not request.reason.strip():
            raise ActionError("Tuliskan alasan penutupan (misalnya: duplikat dari kode lain).")
        if ticket.status == "ditutup":
            raise ActionError("sudah ditutup")
        tickets.close(ticket, actor, now, reason=request.reason.strip())


def _same_requester(a: Ticket, b: Ticket) -> bool:
    return bool((a.requester_email and a.requester_email == b.requester_email)
                or (a.requester_phone and a.requester_phone == b.requester_phone))


def merge(source: Ticket, target_code: str, actor: User, reason: str, now: datetime) -> Ticket:
    """Close `source` as a duplicate of the ticket `target_code` (no commit). Returns it.

    Only requests of the same requester (same email or phone) are merged: the answer on the
    request that stays open reaches them. Requests of two different people stay separate
    (each gets its own answer, a canned answer makes that quick).
    """
    code = normalize_code(target_code or "")
    target = db.session.scalar(select(Ticket).where(Ticket.code == code)) if code else None
    if target is None:
        raise ActionError("Kode tiket tujuan tidak ditemukan.")
    if target.id == source.id:
        raise ActionError("Tiket tidak dapat digabung ke dirinya sendiri.")
    if "ditutup" in (source.status, target.status):
        raise ActionError("Tiket yang sudah ditutup tidak dapat digabung.")
    for ticket, action in ((source, perm.CLOSE), (target, perm.VIEW)):
        if not perm.can(actor.role, actor.unit_id, action, ticket.unit_id):
            raise ActionError(f"Anda tidak berhak menggabungkan tiket {ticket.code}.")
    if not _same_requester(source, target):
        raise ActionError("Pemohon kedua tiket berbeda (email dan telepon tidak sama): jawab "
                          "masing-masing, misalnya dengan jawaban siap.")
    reason = (reason or "").strip() or "permohonan yang sama"
    first = next((m for m in source.messages if m.direction == "in"), None)
    # Both conversations stay whole: the duplicate's question is kept on the request that
    # stays open, for the staff who answer it.
    target.messages.append(Message(
        direction="note", author_name=actor.name, author_id=actor.id, created_dt=now,
        body_text=(f"Digabung dari {source.code} ({source.channel}). Alasan: {reason}\n\n"
                   f"Perihal: {source.subject}\n{first.body_text if first else ''}").strip()))
    source.parent_id = target.id
    source.messages.append(Message(
        direction="out", author_name=actor.name, author_id=actor.id, created_dt=now,
        body_text=(f"Permohonan ini sama dengan permohonan Anda {target.code} dan telah "
                   f"digabungkan ke sana. Jawaban petugas akan disampaikan melalui "
                   f"permohonan {target.code}.")))
    tickets.close(source, actor, now, reason=f"digabung ke {target.code}: {reason}")
    audit.record(source, "merged", now, actor=actor, old=source.code, new=target.code,
                 detail={"reason": reason})
    audit.record(target, "merged", now, actor=actor, old=source.code, new=target.code,
                 detail={"reason": reason})
    if source.requester_email and not source.is_email_undeliverable:
        from .intake import tracking_url

        queue_mail("merged_notice", source.requester_email,
                   "Permohonan Anda digabungkan", now, ticket=source,
                   context={"target": target, "tracking_url": tracking_url(target)})
    return target
