"""Benchmark: `run_sla_check` costs in proportion to open work, not to history.

Seeds N closed tickets (history) and M open ones, then times one SLA pass that has
notifications to send and one steady-state pass (what the scheduler does every minute),
counting SQL statements too. Run:

    .venv/bin/python bench/sla_check.py                      # SQLite in a temp folder
    .venv/bin/python bench/sla_check.py --database-url postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select, text

from ticketing import create_app
from ticketing.config import TestConfig
from ticketing.domain.codes import new_code
from ticketing.extensions import db
from ticketing.models import Service, Ticket
from ticketing.services.catalogue import seed_catalogue
from ticketing.services.people import create_user
from ticketing.services.sla import run_sla_check
from ticketing.services.transaction import run

#: Thursday 3 Dec 2026 10.30 WIB
NOW = datetime(2026, 12, 3, 3, 30, tzinfo=UTC)
HOUR = 3600.0


def make_app(url: str | None, folder: str):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = url or f"sqlite:///{folder}/bench.sqlite3"
    config["UPLOAD_DIR"] = folder
    return create_app(config)


def reset(app) -> None:
    with app.app_context():
        db.drop_all()
        db.create_all()
        run(seed_catalogue)
        for role, unit in (("ketua_tim", "PUMK"), ("kabid", "PUMK"),
                           ("ketua_tim", "KELEMBAGAAN"), ("kabid", "KELEMBAGAAN")):
            create_user(f"{role}.{unit.lower()}@bench.id", role, role, unit, None, NOW)
        db.session.commit()


def seed(app, closed: int, open_: int) -> None:
    with app.app_context():
        services = db.session.scalars(select(Service).where(Service.unit_id.is_not(None))).all()
        rows = []
        for i in range(closed + open_):
            service = services[i % len(services)]
            is_open = i >= closed
            created = NOW - timedelta(days=400) + timedelta(minutes=i % 500000)
            row = {
                "code": new_code(), "type": "informasi", "channel": "web",
                "unit_id": service.unit_id, "service_id": service.id,
                "subject": f"Bench {i}", "requester_name": "Bench", "created_dt": created,
                "sla_start_dt": created, "sla_window_start_dt": created,
                "sla_target_seconds": 8.5 * HOUR, "updated_dt": created,
            }
            if is_open:
                # Open work spread around now: some on track, some at 75%, some late.
                due = NOW + timedelta(hours=(i % 48) - 24)
                row.update(status="diproses", due_dt=due, created_dt=due - timedelta(days=1),
                           sla_start_dt=due - timedelta(days=1))
            else:
                row.update(status="ditutup", due_dt=created + timedelta(days=1),
                           first_response_dt=created + timedelta(hours=5),
                           resolved_dt=created + timedelta(hours=5),
                           closed_dt=created + timedelta(days=6), is_first_response_late=False)
            rows.append(row)
            if len(rows) == 5000:
                db.session.execute(insert(Ticket), rows)
                rows = []
        if rows:
            db.session.execute(insert(Ticket), rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def timed_pass(app) -> tuple[float, int, dict]:
    with app.app_context():
        statements = []

        def listener(*_args) -> None:
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", listener)
        start = time.perf_counter()
        summary = run_sla_check(NOW)
        elapsed = time.perf_counter() - start
        event.remove(db.engine, "before_cursor_execute", listener)
        return elapsed, len(statements), summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--closed", type=int, nargs="+", default=[0, 20000, 100000])
    parser.add_argument("--open", type=int, nargs="+", default=[200, 1000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(args.database_url, folder)
        with app.app_context():
            backend = db.engine.dialect.name
        print(f"backend: {backend}; now = {NOW.isoformat()}")
        print(f"{'closed':>8} {'open':>6} | {'1st pass s':>10} {'sql':>5} {'sent':>5} | "
              f"{'steady s':>9} {'sql':>5} {'checked':>8}")
        for open_ in args.open:
            for closed in args.closed:
                reset(app)
                seed(app, closed, open_)
                first, first_sql, summary = timed_pass(app)
                steady, steady_sql, again = timed_pass(app)
                sent = summary["warning"] + summary["level1"] + summary["level2"]
                print(f"{closed:>8} {open_:>6} | {first:>10.3f} {first_sql:>5} {sent:>5} | "
                      f"{steady:>9.3f} {steady_sql:>5} {again['checked']:>8}")
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


if __name__ == "__main__":
    main()
