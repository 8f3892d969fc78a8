"""The admin's catalogue: each service's published standard (14 components), name and status."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..forms.accounts import ButtonForm
from ..models import Service
from ..services import catalogue, transaction
from .helpers import now_utc
from .staff_common import require_admin

bp = Blueprint("admin_catalogue", __name__, url_prefix="/admin/layanan")
require_admin(bp)




@bp.get("/")
def index():
    services = db.session.scalars(
        select(Service).options(selectinload(Service.unit)).order_by(Service.sort_order)).all()
    return render_template("admin/catalogue.html", services=services)


def _service(slug: str) -> Service:
    service = db.session.scalar(select(Service).where(Service.slug == slug))
    if service is None:
        abort(404)
    return service


@bp.route("/<slug>", methods=["GET", "POST"])
def edit(slug: str):
    service = _service(slug)
    form = ButtonForm()
    errors: dict[str, str] = {}
    values = None
    if form.validate_on_submit():
        values = {
            "name": request.form.get("name", ""),
            "summary": request.form.get("summary", ""),
            "is_active": request.form.get("is_active") == "y",
            "bodies": {key: request.form.get(f"c_{key}", "") for key in catalogue.COMPONENT_KEYS},
            "english": {
                **{f: request.form.get(f"en_{f}", "") for f in ("name", "summary", "fee",
                                                               "product")},
                "components": {key: request.form.get(f"en_c_{key}", "")
                               for key in catalogue.COMPONENT_KEYS},
            },
        }
        try:
            changed = transaction.run(catalogue.update_service, service, now_utc(),
                                      actor=current_user, **values)
        except catalogue.CatalogueError as exc:
            errors = exc.errors
        else:
            flash(_("Standar pelayanan %(name)s disimpan (%(n)s perubahan).",
                    name=service.name, n=len(changed)), "success")
            return redirect(url_for("admin_catalogue.edit", slug=service.slug), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/catalogue_form.html", service=service, form=form,
                           errors=errors, values=values), status
