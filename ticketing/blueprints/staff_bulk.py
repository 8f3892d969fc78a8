"""Bulk actions on the queue's selected tickets, and merging a duplicate into another."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..forms.staff import BulkForm, MergeForm
from ..models import Unit, User
from ..services import bulk, transaction
from ..services.errors import ActionError
from .helpers import now_utc
from .staff import render_ticket
from .staff_common import load_ticket, require_login

bp = Blueprint("bulk", __name__, url_prefix="/staf")
require_login(bp)


def _back_to_queue():
    target = request.form.get("kembali") or ""
    if not target.startswith("/staf/antrian") or target.startswith("//"):
        target = url_for("staff.queue")
    return redirect(target, code=303)


@bp.post("/antrian/massal")
def apply():
    form = BulkForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _back_to_queue()
    assignee = unit = None
    if form.assignee.data:
        assignee = db.session.scalar(select(User).where(User.email == form.assignee.data))
    if form.unit.data:
        unit = db.session.scalar(select(Unit).where(Unit.code == form.unit.data))
    request_ = bulk.BulkRequest(action=form.action.data, codes=request.form.getlist("kode"),
                                assignee=assignee, unit=unit, reason=form.reason.data or "")
    try:
        codes = transaction.run(bulk.apply, current_user, request_, now_utc())
    except bulk.BulkRefused as exc:
        flash(_("Tidak ada yang diubah. Tiket berikut tidak dapat diproses: %(list)s",
                list="; ".join(f"{c} ({why})" for c, why in exc.refused.items())), "error")
        return _back_to_queue()
    except ActionError as exc:
        flash(exc.message, "error")
        return _back_to_queue()
    done = {"assign": _("%(n)s tiket ditugaskan.", n=len(codes)),
            "transfer": _("%(n)s tiket dialihkan.", n=len(codes)),
            "close": _("%(n)s tiket ditutup.", n=len(codes))}[form.action.data]
    flash(done, "success")
    return _back_to_queue()


@bp.post("/tiket/<code>/gabung")
def merge(code: str):
    ticket = load_ticket(code, "close")
    form = MergeForm(prefix="merge")
    if not form.validate_on_submit():
        return render_ticket(ticket, 422, merge=form)
    try:
        target = transaction.run(bulk.merge, ticket, form.target.data, current_user,
                                 form.reason.data or "", now_utc())
    except ActionError as exc:
        form.target.errors = list(form.target.errors) + [exc.message]
        return render_ticket(ticket, exc.status, merge=form)
    flash(_("Tiket %(source)s digabung ke %(target)s; pemohon diberi tahu.",
            source=ticket.code, target=target.code), "success")
    return redirect(url_for("staff.ticket", code=target.code), code=303)
