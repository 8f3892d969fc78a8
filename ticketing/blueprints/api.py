"""The JSON API of INTERFACE.md (public part; staff endpoints live in api_staff)."""

from __future__ import annotations

import hashlib

from flask import Blueprint, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import csrf, db, limiter
from ..forms import request_fields
from ..inputs import text_error
from ..models import Service
from ..ratelimit import intake_limited
from ..schemas import parse_body
from ..schemas.api import RequestBody
from ..schemas.base import invalid
from ..services import catalogue, intake, transaction
from ..services.serialize import iso, ticket_json
from .helpers import now_utc

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # JSON clients authenticate with tokens or nothing, never with cookies


@bp.get("/services")
def services():
    rows = db.session.scalars(
        select(Service).options(selectinload(Service.unit)).where(Service.is_active)
        .order_by(Service.sort_order)
    ).all()
    return jsonify([
        {"slug": s.slug, "name": s.name, "unit": s.unit.code if s.unit else None,
         "target_days": float(s.target_days), "fee": s.fee, "product": s.product}
        for s in rows
    ])


@bp.get("/faq")
@limiter.limit("120 per minute")
def faq():
    """Published answers matching `q` (and `service`): the form's suggestions, open to anyone."""
    from flask import url_for

    from ..services import faq as faq_service

    query = (request.args.get("q") or "")[:300]
    service = (request.args.get("service") or "")[:80] or None
    limit = max(1, min(request.args.get("limit", 5, type=int) or 5, 20))
    entries = faq_service.search(query, service, limit=limit) if query.strip() else []
    return jsonify([
        {"id": e.id, "title": e.title, "answer": e.text, "service": e.service_slug,
         "url": url_for("public.faq_index", _anchor=f"tanya-{e.id}"),
         "vote_url": url_for("public.faq_vote", canned_id=e.id)}
        for e in entries
    ])


@bp.post("/requests")
@intake_limited()
def create_request():
    body = parse_body(RequestBody)
    # The web form's content rules (email, phone, lengths, service), fed the typed values.
    values, errors = request_fields.check(body.model_dump(), catalogue.active_slugs())
    if errors:
        return jsonify({"errors": errors}), 422
    data = intake.RequestData(
        name=values["name"], email=values["email"] or None, phone=values["phone"] or None,
        type=values["type"], service_slug=values["service"], subject=values["subject"],
        message=values["message"], channel="api", consent=body.consent is True,
        submission_key=_idempotency_key(body.idempotency_key),
    )
    try:
        receipt = transaction.run(_receipt, data, now_utc())
    except intake.IntakeError as exc:
        return jsonify({"errors": exc.errors}), 422
    return jsonify(receipt), 201


def _receipt(data: intake.RequestData, now) -> dict:
    """Open the request and read the receipt before the commit (no reload after it)."""
    receipt = intake.submit(data, now)
    return {
        "code": receipt.code,
        "status": receipt.status,
        "due_at": iso(receipt.due_dt),
        "tracking_url": receipt.tracking_url,
    }


def _idempotency_key(from_body: str | None) -> str | None:
    """An Idempotency-Key header lets an integration retry without creating two tickets."""
    key = request.headers.get("Idempotency-Key") or from_body
    if not key:
        return None
    return "api:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:58]


@bp.get("/requests/<code>")
@intake_limited()
def request_status(code: str):
    contact = requester_contact()
    ticket = intake.find_for_requester(code, contact or "")
    if ticket is None:
        return jsonify({"error": "Permohonan tidak ditemukan."}), 404
    data = ticket_json(ticket, now_utc(), public_only=True)
    data.pop("assignee", None)
    return jsonify(data)


#: headers that carry the requester's email or phone, so it stays out of URLs and access logs
CONTACT_HEADERS = ("X-Requester-Contact", "X-Requester-Email", "X-Requester-Phone")


def requester_contact() -> str | None:
    """The requester's email/phone: from a header (preferred) or ?email= / ?phone= (kept for
    INTERFACE.md). A header with control characters is refused like any other input."""
    for name in CONTACT_HEADERS:
        value = request.headers.get(name)
        if value:
            problem = text_error(value)
            if problem:
                invalid({"contact": problem})
            return value.strip()
    return request.args.get("email") or request.args.get("phone")
