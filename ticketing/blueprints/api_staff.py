"""The staff part of the JSON API (INTERFACE.md): queue, ticket, reply/note, assign/transfer.

Bearer tokens only (from `flask users token` or the account page); a session cookie is never
accepted here, which is why the blueprint can be exempt from CSRF. 401 without a valid
token, 403 outside the caller's rights, 404 for an unknown ticket, 409 for a lost race.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain import lifecycle
from ..domain import permissions as perm
from ..domain.codes import normalize_code
from ..extensions import csrf, db
from ..inputs import MAX_PAGE, bounded_int
from ..models import Message, Ticket, Unit, User
from ..schemas import parse_body
from ..schemas.api import AssignBody, StaffMessageBody
from ..services import queue as queue_service
from ..services import tickets as ticket_service
from ..services import transaction
from ..services.people import user_by_token
from ..services.serialize import message_json, ticket_json
from ..urls import public_url
from .helpers import now_utc

bp = Blueprint("api_staff", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

TRUE = {"1", "true", "yes", "ya"}


def _error(status: int, message: str, **extra):
    response = jsonify({"error": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="staf"'
    return response


def _invalid(errors: dict[str, str]):
    return jsonify({"errors": errors}), 422


@bp.before_request
def _authenticate():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = (user_by_token(token.strip(), now_utc())
            if scheme.lower() == "bearer" and token.strip() else None)
    if user is None:
        return _error(401, "Token API tidak ada, salah atau sudah dicabut.")
    g.api_user = user
    return None


def _ticket(code: str, action: str = perm.VIEW):
    """(ticket, None) or (None, error response)."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.code == (normalize_code(code) or "")))
    if ticket is None:
        return None, _error(404, "Tiket tidak ditemukan.")
    if not ticket_service.allowed(g.api_user, action, ticket):
        return None, _error(403, "Di luar hak akses Anda.")
    return ticket, None


@bp.get("/tickets")
def tickets():
    args = request.args
    status = args.get("status") or queue_service.OPEN
    if status not in (*lifecycle.STATUSES, queue_service.OPEN, queue_service.ANY):
        return _invalid({"status": "Status tidak dikenal."})
    filters = queue_service.QueueFilter(
        unit=args.get("unit"), status=status, service=args.get("service"),
        type=args.get("type"), channel=args.get("channel"), assignee=args.get("assignee"),
        mine=args.get("mine", "").lower() in TRUE,
        unassigned=args.get("unassigned", "").lower() in TRUE,
        overdue=args.get("overdue", "").lower() in TRUE, q=args.get("q"))
    page = bounded_int(args.get("page") or "1", minimum=1, maximum=MAX_PAGE)
    per_page = bounded_int(args.get("per_page") or "50", minimum=1, maximum=1000)
    if page is None or per_page is None:
        return _invalid({"page" if page is None else "per_page":
                         f"page (1-{MAX_PAGE}) dan per_page (1-1000) harus bilangan bulat."})
    now = now_utc()
    try:
        result = queue_service.list_queue(g.api_user, filters, now, page=page, per_page=per_page,
                                          after=args.get("after"), before=args.get("before"))
    except ticket_service.Forbidden as exc:
        return _error(403, exc.message)
    except queue_service.CursorError as exc:
        return _invalid({"after" if args.get("after") else "before": str(exc)})
    response = jsonify([ticket_json(t, now, messages=False) for t in result.items])
    # Exact up to COUNT_LIMIT; beyond it the header says COUNT_LIMIT and
    # X-Total-Count-Exact says false (README: Staff API).
    response.headers["X-Total-Count"] = str(result.total)
    response.headers["X-Total-Count-Exact"] = "true" if result.total_exact else "false"
    response.headers["X-Page"] = str(result.page)
    response.headers["X-Per-Page"] = str(result.per_page)
    base = {k: v for k, v in args.to_dict().items() if k not in ("page", "after", "before")}
    links = []
    if result.has_next:
        query = {**base, "after": result.next_cursor, "page": result.page + 1,
                 "per_page": result.per_page}
        links.append(f'<{_public_url(query)}>; rel="next"')
    if result.has_prev:
        query = {**base, "before": result.prev_cursor, "page": max(1, result.page - 1),
                 "per_page": result.per_page}
        links.append(f'<{_public_url(query)}>; rel="prev"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


def _public_url(query: dict) -> str:
    """The queue's URL on the configured public address, never on the request's Host header
    (which a client or a misconfigured proxy chooses)."""
    return public_url(".tickets", **query)


@bp.get("/tickets/<code>")
def ticket(code: str):
    found, error = _ticket(code)
    if error:
        return error
    # Staff see the whole conversation, internal notes included (two queries, no N+1).
    found = db.session.scalar(
        select(Ticket).where(Ticket.id == found.id)
        .options(selectinload(Ticket.messages).selectinload(Message.attachments))
        .execution_options(populate_existing=True))
    return jsonify(ticket_json(found, now_utc()))


@bp.post("/tickets/<code>/messages")
def add_message(code: str):
    body = parse_body(StaffMessageBody)
    found, error = _ticket(code, perm.REPLY if body.kind == "reply" else perm.NOTE)
    if error:
        return error
    if not body.body:
        return _invalid({"body": "Isi pesan wajib diisi."})
    status = body.status
    now = now_utc()
    try:
        if body.kind == "reply":
            message = transaction.run(ticket_service.reply, found, g.api_user, body.body,
                                      status or "selesai", now,
                                      retries=ticket_service.REPLY_RETRIES)
        else:
            # The note and its status change are one use case: a refused status keeps no note.
            message = transaction.run(ticket_service.note_with_status, found, g.api_user,
                                      body.body, status or None, now)
    except ticket_service.ActionError as exc:
        if exc.status == 422:
            return _invalid({"status" if status else "body": exc.message})
        return _error(exc.status, exc.message)
    return jsonify({"code": found.code, "status": found.status,
                    "message": message_json(message)}), 201


@bp.post("/tickets/<code>/assign")
def assign(code: str):
    body = parse_body(AssignBody)
    if not (body.assignee or body.unit):
        return _invalid({"assignee": "Kirim {\"assignee\": email} atau {\"unit\": kode}."})
    found, error = _ticket(code)
    if error:
        return error
    actor: User = g.api_user
    now = now_utc()
    try:
        if body.unit:
            unit = db.session.scalar(select(Unit).where(Unit.code == body.unit.upper()))
            if unit is None:
                return _invalid({"unit": "Bidang tidak dikenal."})
            transaction.run(ticket_service.transfer, found, actor, unit, body.reason or "", now,
                            expected_version=body.version)
        else:
            assignee = db.session.scalar(select(User).where(User.email == body.assignee.lower()))
            if assignee is None:
                return _invalid({"assignee": "Petugas tidak dikenal."})
            if assignee.id == actor.id and not ticket_service.allowed(actor, perm.ASSIGN, found):
                # a staf assigning to self claims
                transaction.run(ticket_service.claim, found, actor, now)
            else:
                transaction.run(ticket_service.assign, found, actor, assignee, now,
                                expected_version=body.version)
    except ticket_service.ActionError as exc:
        if exc.status == 422:
            return _invalid({"unit" if body.unit else "assignee": exc.message})
        return _error(exc.status, exc.message)
    if not ticket_service.allowed(actor, perm.VIEW, found):
        # Transferred out of the caller's sight: say where it went, nothing more.
        return jsonify({"code": found.code, "unit": found.unit.code if found.unit else None})
    return jsonify(ticket_json(found, now, messages=False))
