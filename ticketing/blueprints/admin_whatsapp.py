"""Admin: the WhatsApp channel - on or off (and why), the webhook address for Meta, and the
messages and sends that need attention."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..inputs import page_arg
from ..whatsapp import inbound, is_configured, overview
from .helpers import now_utc
from .staff_common import require_admin

bp = Blueprint("admin_whatsapp", __name__, url_prefix="/admin/whatsapp")
require_admin(bp)
PER_PAGE = 50


@bp.get("/")
def index():
    page = page_arg("hal")
    problems = db.paginate(overview.problems_query(), page=page, per_page=PER_PAGE,
                           error_out=False)
    failed = db.session.scalars(overview.failed_sends_query().limit(20)).all()
    return render_template("admin/whatsapp.html", status=overview.status(),
                           counts=overview.counts(), problems=problems, failed=failed)


@bp.post("/proses-ulang")
def reprocess():
    """Process again the stored deliveries that failed or were never processed (the same
    work as `flask whatsapp process`); messages already handled are not handled twice."""
    from flask import current_app

    if not is_configured(current_app.config):
        flash(_("Kanal WhatsApp tidak aktif."), "error")
        return redirect(url_for("admin_whatsapp.index"), code=303)
    results = inbound.process_pending(now_utc())
    counts: dict[str, int] = {}
    for result in results:
        counts[result.action] = counts.get(result.action, 0) + 1
    summary = ", ".join(f"{action} {n}" for action, n in sorted(counts.items())) or "-"
    flash(_("Diproses ulang: %(summary)s.", summary=summary), "success")
    return redirect(url_for("admin_whatsapp.index"), code=303)
