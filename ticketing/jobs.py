"""The scheduler's jobs as one declarative list; each calls the same service as the CLI."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Flask

from .extensions import db

log = logging.getLogger("scheduler.jobs")


def _flush(now: datetime) -> dict:
    from .services.outbox import flush

    return flush(now)


def _sla_check(now: datetime) -> dict:
    from .services.sla import run_sla_check

    return run_sla_check(now)


def _sla_digest(now: datetime) -> dict:
    # Runs every few minutes; the service sends at SLA_DIGEST_TIME (07.30 WIB) on working
    # days, once per person per day, so a scheduler down at 07.30 catches up when it returns.
    from .services.sla import send_digests

    return send_digests(now)


def _staff_notify(now: datetime) -> dict:
    from .services.staff_notify import run

    return run(now)


def _auto_close(now: datetime) -> dict:
    from .services.sla import auto_close

    return auto_close(now)


def _facts(now: datetime) -> dict:
    from .services.facts import rebuild_recent

    rows = rebuild_recent(now)
    db.session.commit()
    return {"fact_rows": rows}


def _mail_poll(now: datetime) -> dict:
    # Owned by the mail-ingest work; looked up lazily so this list does not depend on it.
    from .services import mail_ingest

    poll = getattr(mail_ingest, "poll_mailbox", None) or mail_ingest.poll
    result = poll(now)
    if isinstance(result, dict):
        return result
    # A list of IngestResult: log how many of each action, not every message.
    counts: dict[str, int] = {}
    for item in result or []:
        action = getattr(item, "action", "?")
        counts[action] = counts.get(action, 0) + 1
    return counts


def _whatsapp_media(now: datetime) -> dict:
    from .whatsapp.media import retry_due

    return retry_due(now)


def _whatsapp_catch_up(now: datetime) -> dict:
    # Deliveries the webhook stored but never finished (a crash after the 200).
    from .whatsapp.inbound import process_pending

    counts: dict[str, int] = {}
    for item in process_pending(now, include_failed=False, min_age=timedelta(minutes=5)):
        counts[item.action] = counts.get(item.action, 0) + 1
    return counts


_WHATSAPP = ("WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET",
             "WHATSAPP_VERIFY_TOKEN")


def _retention(now: datetime) -> dict:
    # Owned by the privacy work: anonymise/purge what the retention policy says is due.
    from .services.privacy import run_retention

    result = run_retention(now)
    db.session.commit()
    return result


def _report_cache(now: datetime) -> dict:
    # The last finished quarter's evaluation, built once for every worker (period_cache).
    from .services.reports import warm_cache

    result = warm_cache(now)
    db.session.commit()
    return result


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[datetime], dict]
    trigger: str
    trigger_args: dict = field(default_factory=dict)
    run_at_start: bool = True
    #: config keys that must be set for the job to run (e.g. IMAP credentials)
    requires: tuple[str, ...] = ()

    def enabled(self, app: Flask) -> bool:
        return all(app.config.get(key) for key in self.requires)

    def interval(self) -> timedelta | None:
        """How often it runs (interval triggers), for the heartbeat's "late" rule."""
        if self.trigger != "interval":
            return None
        return timedelta(**self.trigger_args)

    def wrap(self, app: Flask) -> Callable[[], None]:
        def run() -> None:
            from .services import heartbeat

            with app.app_context():
                start = datetime.now(UTC)
                heartbeat.started(self.name, start)
                error = None
                try:
                    result = self.func(start)
                    log.info("%s: %s", self.name, result)
                except Exception as exc:
                    error = exc
                    db.session.rollback()
                    log.exception("%s failed", self.name)
                try:
                    heartbeat.finished(self.name, start, datetime.now(UTC), error)
                finally:
                    db.session.remove()

        return run


JOBS: list[Job] = [
    Job("mail_flush", _flush, "interval", {"minutes": 1}),
    Job("sla_check", _sla_check, "interval", {"minutes": 1}),
    Job("mail_poll", _mail_poll, "interval", {"minutes": 2},
        requires=("IMAP_USER", "IMAP_PASSWORD")),
    Job("sla_digest", _sla_digest, "interval", {"minutes": 5}),
    Job("auto_close", _auto_close, "interval", {"minutes": 15}),
    Job("privacy_retention", _retention, "interval", {"hours": 24}),
    # 00.30 office time: yesterday's open_late snapshot, late answers, calendar edits
    Job("facts_rebuild", _facts, "cron", {"hour": 0, "minute": 30}, run_at_start=False),
    # 01.00 office time (and at start): the quarter just finished, before anyone asks for it
    Job("report_cache", _report_cache, "cron", {"hour": 1, "minute": 0}),
    Job("staff_notify", _staff_notify, "interval", {"minutes": 1}),
    Job("whatsapp_media", _whatsapp_media, "interval", {"minutes": 2}, requires=_WHATSAPP),
    Job("whatsapp_catch_up", _whatsapp_catch_up, "interval", {"minutes": 10},
        requires=_WHATSAPP),
]
