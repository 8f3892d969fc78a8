"""The scheduler process: create_app(), a JOBS list, APScheduler. Nothing else."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler

from ticketing import create_app
from ticketing.jobs import JOBS

log = logging.getLogger("scheduler")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app()
    scheduler = BlockingScheduler(timezone=app.config["TIMEZONE"])
    for job in JOBS:
        if job.enabled(app):
            scheduler.add_job(job.wrap(app), job.trigger, id=job.name, name=job.name,
                              max_instances=1, coalesce=True,
                              next_run_time=datetime.now(UTC) if job.run_at_start
                              else None, **job.trigger_args)
            log.info("job %s scheduled (%s %s)", job.name, job.trigger, job.trigger_args)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


if __name__ == "__main__":
    main()
