"""The scheduler's jobs as one declarative list; each calls the same service as the CLI."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from flask import Flask

from .extensions import db

log = logging.getLogger("scheduler.jobs")


def _flush(now: datetime) -> dict:
    from .services.outbox import flush

    return flush(now)


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

    def wrap(self, app: Flask) -> Callable[[], None]:
        def run() -> None:
            with app.app_context():
                try:
                    result = self.func(datetime.now(timezone.utc))
                    log.info("%s: %s", self.name, result)
                except Exception:  # noqa: BLE001 - one failed run must not stop the scheduler
                    db.session.rollback()
                    log.exception("%s failed", self.name)
                finally:
                    db.session.remove()

        return run


JOBS: list[Job] = [
    Job("mail_flush", _flush, "interval", {"minutes": 1}),
]
