"""Each staff member's news about new work, and how they want to hear of it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms.staff import NotifyPrefForm
from ..services import staff_notify
from .staff_common import require_login

bp = Blueprint("notify", __name__, url_prefix="/staf/pemberitahuan")
require_login(bp)


@bp.route("/", methods=["GET", "POST"])
def index():
    form = NotifyPrefForm()
    if form.validate_on_submit():
        staff_notify.set_preference(current_user, form.pref.data)
        db.session.commit()
        flash(_("Pengaturan pemberitahuan disimpan."), "success")
        return redirect(url_for(".index"), code=303)
    if not form.is_submitted():
        form.pref.data = current_user.notify_pref
    items = staff_notify.recent(current_user)
    return render_template("staff/notifications.html", form=form, items=items), (
        422 if form.is_submitted() else 200)
