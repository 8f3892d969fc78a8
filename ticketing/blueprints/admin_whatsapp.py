"""Admin: the WhatsApp channel - on or off (and why), the webhook address for Meta, and the
messages and sends that need attention."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..extensions import db
from ..whatsapp import overview
from .staff_common import require_admin

bp = Blueprint("admin_whatsapp", __name__, url_prefix="/admin/whatsapp")
require_admin(bp)
PER_PAGE = 50


@bp.get("/")
def index():
    page = request.args.get("hal", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    problems = db.paginate(overview.problems_query(), page=page, per_page=PER_PAGE,
                           error_out=False)
    failed = db.session.scalars(overview.failed_sends_query().limit(20)).all()
    return render_template("admin/whatsapp.html", status=overview.status(),
                           counts=overview.counts(), problems=problems, failed=failed)
