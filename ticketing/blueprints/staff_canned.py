"""Canned answers, kept by each unit's ketua tim (and kabid, and the admin)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..domain import permissions as perm
from ..extensions import db
from ..forms.staff import CannedForm, options
from ..models import CannedAnswer, Service
from ..services import canned as canned_service
from ..services import faq, transaction
from .helpers import now_utc
from .staff_common import require_login

bp = Blueprint("canned", __name__, url_prefix="/staf/jawaban-siap")
require_login(bp)

GENERAL = "umum"


@bp.before_request
def _only_editors():
    if current_user.is_authenticated and not any(
            perm.can(current_user.role, current_user.unit_id, perm.CANNED, target)
            for target in (current_user.unit_id, None)):
        abort(403)


def _service_choices() -> list:
    services = db.session.scalars(select(Service).order_by(Service.sort_order)).all()
    choices = [(GENERAL, _("Umum (semua layanan)"))] if canned_service.can_edit(
        current_user, None) else []
    return options(choices + [(s.slug, s.name) for s in services
                              if canned_service.can_edit(current_user, s)])


@bp.get("/")
def index():
    answers = canned_service.editable_by(current_user)
    return render_template("staff/canned_list.html", answers=answers,
                           helped=faq.helped_counts([a.id for a in answers]))


@bp.route("/baru", methods=["GET", "POST"])
@bp.route("/<int:canned_id>", methods=["GET", "POST"])
def edit(canned_id: int | None = None):
    canned = None
    if canned_id is not None:
        canned = db.session.get(CannedAnswer, canned_id)
        if canned is None:
            abort(404)
        if not canned_service.can_edit(current_user, canned.service):
            abort(403)
    form = CannedForm(obj=canned) if request.method == "GET" else CannedForm()
    form.service.choices = _service_choices()
    if request.method == "GET":
        if canned is not None:
            form.service.data = canned.service.slug if canned.service else GENERAL
        elif request.args.get("layanan"):
            form.service.data = request.args["layanan"]
    if form.validate_on_submit():
        service = (None if form.service.data == GENERAL else db.session.scalar(
            select(Service).where(Service.slug == form.service.data)))
        try:
            transaction.run(canned_service.save, current_user, canned, service,
                            form.title.data, form.body.data, bool(form.is_active.data), now_utc(),
                            is_public=bool(form.is_public.data))
        except PermissionError:
            abort(403)
        flash(_("Jawaban siap \u201c%(title)s\u201d disimpan.", title=form.title.data),
              "success")
        return redirect(url_for(".index"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("staff/canned_form.html", form=form, canned=canned), status
