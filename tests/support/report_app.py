"""One generated quarter per test module (building it costs seconds): an app on its own
database (a SQLite file, or a throw-away PostgreSQL database), for tests that only read it."""

from __future__ import annotations

import contextlib
import os

import time_machine

from ticketing import create_app
from ticketing.config import TestConfig
from ticketing.extensions import db

from .components import create_pg_database
from .quarter import REPORT_NOW, Quarter, build_quarter


@contextlib.contextmanager
def quarter_app(backend: str, tmp_dir, *, count: int = 22):
    """(app, quarter) inside an app context, the clock at REPORT_NOW (not ticking)."""
    drop = None
    if backend == "postgresql":
        url, drop = create_pg_database(os.environ["TEST_DATABASE_URL"])
    else:
        url = f"sqlite:///{tmp_dir}/quarter.sqlite3"
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=f"{tmp_dir}/uploads")
    app = create_app(config)
    try:
        with app.app_context():
            db.create_all()
            from ticketing.services.catalogue import seed_catalogue

            seed_catalogue()
            built: Quarter = build_quarter(count=count, sla_checks=False)
            with time_machine.travel(REPORT_NOW, tick=False):
                yield app, built
            db.session.remove()
            db.engine.dispose()
    finally:
        if drop is not None:
            drop()
