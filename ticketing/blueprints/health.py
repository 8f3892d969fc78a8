"""GET /healthz for the operator's monitoring: no login, no personal data."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from ..services import heartbeat
from ..services.availability import rollback_quietly
from ..services.outbox import outbox_counts
from ..whatsapp import overview as whatsapp_overview
from .helpers import now_utc

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    from ..jobs import JOBS

    body: dict = {"database": "ok", "jobs": {}, "late": [], "outbox": None,
                  "inbound_failed": None, "whatsapp": None}
    try:
        db.session.execute(text("SELECT 1"))
        grace = timedelta(minutes=current_app.config["HEALTH_GRACE_MINUTES"])
        for job in heartbeat.job_health(JOBS, current_app.config, now_utc(), grace):
            body["jobs"][job.name] = job.last_run.isoformat() if job.last_run else None
            if job.late:
                body["late"].append(job.name)
        body["outbox"] = outbox_counts()
        body["inbound_failed"] = heartbeat.inbound_failed()
        body["whatsapp"] = whatsapp_overview.health()
    except DBAPIError:
        rollback_quietly()
        body["database"] = "unreachable"
    healthy = body["database"] == "ok" and not body["late"]
    body["status"] = "ok" if healthy else "fail"
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


#: pages that show the red "scheduler stopped" banner: the supervisors' board and the admin's
BANNER_BLUEPRINTS = {"supervisor", "admin", "admin_mail", "admin_outbox", "admin_catalogue",
                     "calendar_admin", "admin_privacy", "admin_whatsapp"}


@bp.app_template_global()
def scheduler_alert():
    """False, or the last time any scheduler job started (None: never) when that is longer
    ago than SCHEDULER_STALE_MINUTES; only computed on the board and the admin pages."""
    from flask import request

    if request.blueprint not in BANNER_BLUEPRINTS:
        return False
    threshold = timedelta(minutes=current_app.config["SCHEDULER_STALE_MINUTES"])
    try:
        return heartbeat.scheduler_silent_since(now_utc(), threshold)
    except DBAPIError:
        rollback_quietly()
        return False
