"""Admin: outgoing mail that failed or is still waiting, with "kirim ulang"."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..inputs import page_arg
from ..models import OutboxMail
from ..services import outbox
from .helpers import now_utc
from .staff_common import require_admin

bp = Blueprint("admin_outbox", __name__, url_prefix="/admin/kotak-keluar")
require_admin(bp)
PER_PAGE = 50


def _page() -> int:
    return page_arg("hal")


@bp.get("/", endpoint="index")
def outbox_list():
    which = request.args.get("status", "bermasalah")
    if which not in outbox.ADMIN_FILTERS:
        which = "bermasalah"
    page = _page()
    rows, total = outbox.undelivered_page(which, page, PER_PAGE)
    return render_template("admin/outbox_list.html", rows=rows, which=which, page=page,
                           pages=max(1, -(-total // PER_PAGE)), total=total,
                           counts=outbox.outbox_counts(), filters=outbox.ADMIN_FILTERS)


@bp.post("/<int:outbox_id>/kirim-ulang", endpoint="resend")
def resend(outbox_id: int):
    item = db.session.get(OutboxMail, outbox_id) if outbox_id < 2**31 else None
    if item is None:
        abort(404)
    try:
        outbox.requeue(item, now_utc(), actor=current_user)
    except outbox.RequeueError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Surel #%(id)s dijadwalkan untuk dikirim ulang dalam satu menit.", id=item.id),
              "success")
    return redirect(url_for(".index", status=request.form.get("status", "bermasalah")), code=303)


@bp.post("/kirim-ulang-semua", endpoint="resend_all")
def resend_all():
    summary = outbox.requeue_many(None, now_utc(), actor=current_user)
    db.session.commit()
    flash(_("%(n)s surel gagal dijadwalkan untuk dikirim ulang.", n=len(summary["requeued"])),
          "success")
    return redirect(url_for(".index"), code=303)
