"""Benchmark: the staff queue stays fast as tickets pile up (indexed, paginated, no N+1).

Seeds N tickets with one message each (bulk insert), then times the queue queries a staff
member's day is made of, counting SQL statements (a page must not grow with its rows). Run:

    .venv/bin/python bench/queue_pages.py                       # SQLite in a temp folder
    .venv/bin/python bench/queue_pages.py --database-url postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sla_check import NOW, make_app
from sqlalchemy import event, insert, select, text

from ticketing.domain.codes import new_code
from ticketing.extensions import db
from ticketing.models import Message, Service, Ticket, User
from ticketing.services.catalogue import seed_catalogue
from ticketing.services.people import create_user
from ticketing.services.queue import QueueFilter, list_queue
from ticketing.services.transaction import run

STATUSES = ("ditutup",) * 7 + ("selesai", "diproses", "baru")


def seed(app, count: int) -> tuple[int, str]:
    with app.app_context():
        db.drop_all()
        db.create_all()
        run(seed_catalogue)
        user = create_user("ketua.pumk@bench.id", "Ketua", "ketua_tim", "PUMK", None, NOW)
        db.session.commit()
        services = db.session.scalars(select(Service).where(Service.unit_id.is_not(None))).all()
        probe = ""
        for start in range(0, count, 5000):
            tickets, codes = [], []
            for i in range(start, min(start + 5000, count)):
                service = services[i % len(services)]
                created = NOW - timedelta(minutes=i)
                code = new_code()
                codes.append(code)
                tickets.append({
                    "code": code, "type": "informasi", "channel": "web",
                    "unit_id": service.unit_id, "service_id": service.id,
                    "status": STATUSES[i % len(STATUSES)], "subject": f"Pertanyaan nomor {i}",
                    "requester_name": f"Warga {i}", "requester_email": f"warga{i}@example.com",
                    "created_dt": created, "sla_start_dt": created, "updated_dt": created,
                    "due_dt": created + timedelta(days=1), "sla_window_start_dt": created,
                    "sla_target_seconds": 30600.0,
                })
            db.session.execute(insert(Ticket), tickets)
            ids = dict(db.session.execute(
                select(Ticket.code, Ticket.id).where(Ticket.code.in_(codes))).all())
            db.session.execute(insert(Message), [
                {"ticket_id": ids[c], "direction": "in", "author_name": "Warga",
                 "body_text": f"Mohon informasi sertifikat halal untuk usaha {n}",
                 "created_dt": NOW} for n, c in enumerate(codes, start)])
            probe = codes[len(codes) // 2]
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        return user.id, probe


def measure(app, user_id: int, label: str, f: QueueFilter, page: int = 1) -> None:
    with app.app_context():
        actor = db.session.get(User, user_id)
        times, statements = [], []
        listener = lambda *args: statements.append(1)  # noqa: E731
        for _ in range(5):
            statements.clear()
            event.listen(db.engine, "before_cursor_execute", listener)
            start = time.perf_counter()
            result = list_queue(actor, f, NOW, page=page)
            times.append(time.perf_counter() - start)
            event.remove(db.engine, "before_cursor_execute", listener)
        print(f"  {label:<34} {statistics.median(times) * 1000:8.1f} ms  "
              f"{len(statements)} SQL  {result.total} match(es)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--tickets", type=int, nargs="+", default=[10000, 100000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(args.database_url, folder)
        for count in args.tickets:
            user_id, probe = seed(app, count)
            print(f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: {count} tickets")
            measure(app, user_id, "unit queue, open, page 1", QueueFilter())
            measure(app, user_id, "unit queue, open, page 20", QueueFilter(), page=20)
            measure(app, user_id, "overdue", QueueFilter(overdue=True))
            measure(app, user_id, "all statuses", QueueFilter(status="semua"))
            measure(app, user_id, "search by code", QueueFilter(status="semua", q=probe))
            measure(app, user_id, "search by e-mail", QueueFilter(status="semua",
                                                                  q="warga4242@example.com"))


if __name__ == "__main__":
    main()
