"""The scheduler's heartbeats: every job run records its start, success or error, so
GET /healthz and the supervisors' and admin's banners can tell a dead scheduler."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..extensions import db
from ..models import InboundMail, JobHeartbeat
from .availability import rollback_quietly

log = logging.getLogger(__name__)


def _row(name: str) -> JobHeartbeat:
    row = db.session.get(JobHeartbeat, name)
    if row is None:
        row = JobHeartbeat(name=name)
        db.session.add(row)
    return row


def _save(name: str, change) -> None:
    """Apply change(row) and commit in its own transaction; a second scheduler inserting the
    same row first is fine (retry once as an update). Never raises: a heartbeat that cannot
    be written (database down) must not hide the job's own outcome."""
    for _attempt in range(2):
        try:
            change(_row(name))
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
        except DBAPIError as exc:
            rollback_quietly()
            log.warning("heartbeat %s not recorded: %s", name, exc.orig or exc)
            return


def started(name: str, now: datetime) -> None:
    def change(row: JobHeartbeat) -> None:
        row.last_start_dt = now

    _save(name, change)


def finished(name: str, start: datetime, end: datetime, error: BaseException | None) -> None:
    def change(row: JobHeartbeat) -> None:
        row.last_duration_ms = int((end - start).total_seconds() * 1000)
        if error is None:
            row.last_success_dt = end
        else:
            row.last_error_dt = end
            row.last_error = describe(error)

    _save(name, change)


def describe(error: BaseException) -> str:
    """The error's type and first line: never SQL parameters (they may be personal data)."""
    orig = getattr(error, "orig", None)
    text = str(orig if orig is not None else error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]


@dataclass(frozen=True)
class JobHealth:
    name: str
    enabled: bool
    interval: timedelta | None
    last_run: datetime | None
    last_success: datetime | None
    late: bool


def job_health(jobs, config, now: datetime, grace: timedelta) -> list[JobHealth]:
    """Each job's last run and whether it is late: enabled, and no success within twice its
    interval plus the grace (a job that is not configured is never late)."""
    rows = {r.name: r for r in db.session.scalars(select(JobHeartbeat))}
    result = []
    for job in jobs:
        row = rows.get(job.name)
        enabled = all(config.get(key) for key in job.requires)
        interval = job.interval()
        success = row.last_success_dt if row else None
        late = enabled and interval is not None and (
            success is None or now - success > 2 * interval + grace)
        result.append(JobHealth(job.name, enabled, interval, row.last_start_dt if row else None,
                                success, late))
    return result


def scheduler_silent_since(now: datetime, threshold: timedelta) -> datetime | bool | None:
    """False while some job started within the threshold; otherwise the last start (None
    when the scheduler never ran)."""
    last = db.session.scalar(select(func.max(JobHeartbeat.last_start_dt)))
    if last is not None and now - last <= threshold:
        return False
    return last


def inbound_failed() -> int:
    return db.session.scalar(select(func.count(InboundMail.id))
                             .where(InboundMail.action == "failed"))
