"""The supervisors' board (ketua tim, kabid, kepala dinas): late and due-today work at a glance."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user

from ..inputs import page_arg
from ..services import board as board_service
from .helpers import now_utc
from .staff_common import request_calendar, require_login

bp = Blueprint("supervisor", __name__, url_prefix="/pengawasan")
require_login(bp)

#: the page reloads itself this often (static/js/refresh.js; CSP forbids inline scripts)
REFRESH_SECONDS = 60


def ticket_url(code: str) -> str:
    """The staff ticket page (a plain path while the staff blueprint is not there)."""
    if "staff.ticket" in current_app.view_functions:
        return url_for("staff.ticket", code=code)
    return f"/staf/tiket/{code}"


@bp.before_request
def _only_supervisors():
    if current_user.is_authenticated and current_user.role not in board_service.BOARD_ROLES:
        abort(403)


@bp.get("/")
def board():
    scopes = board_service.scopes_for(current_user)
    if not scopes:
        abort(403)
    key = request.args.get("bidang") or scopes[0].key
    scope = next((s for s in scopes if s.key == key), None)
    if scope is None:
        abort(403)  # another unit's board
    page = page_arg("hal")
    now = now_utc()
    tz = board_service.tz()
    return render_template(
        "supervisor/board.html", scopes=scopes, scope=scope, now=now,
        late=board_service.late_and_due_today(scope, now, request_calendar(), tz, page),
        counts=board_service.unit_counts(scope, scopes, now, tz),
        attainment=board_service.attainment(scope, scopes, now, tz),
        refresh=current_app.config.get("BOARD_REFRESH_SECONDS", REFRESH_SECONDS),
        ticket_url=ticket_url,
    )
