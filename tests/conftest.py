"""Fixtures: a fresh app and database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select, text

from ticketing import create_app
from ticketing.config import TestConfig
from ticketing.extensions import db
from ticketing.services.transaction import run

from .support.components import IN_CI, create_pg_database, missing_component, start_smtp
from .support.resetdb import Seed, reset_postgresql, seeded_tables, stamp_clock
from .support.speed import TEMPLATES, share_route_builders

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

share_route_builders()


def pytest_report_header(config):
    return [f"database backends: {', '.join(BACKENDS)}; CI={IN_CI}"]


@pytest.fixture(scope="session")
def pg_database():
    """One throw-away PostgreSQL database per run; tables are emptied between tests."""
    if not PG_URL:
        missing_component("PostgreSQL (set TEST_DATABASE_URL)")
    try:
        url, drop = create_pg_database(PG_URL)
    except Exception as exc:  # noqa: BLE001 - any connection problem means: not available
        missing_component(f"PostgreSQL at {PG_URL}: {exc}")
    app = create_app(_config(url, "/tmp"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    drop()


@pytest.fixture(scope="session")
def pg_seed(pg_database):
    """What seed_catalogue writes into the empty PostgreSQL schema (put back per test)."""
    from ticketing.services.catalogue import seed_catalogue

    app = create_app(_config(pg_database, "/tmp"))
    with app.app_context():
        _truncate_all()
        run(seed_catalogue)
        seed = Seed.read()
        db.session.remove()
        db.engine.dispose()
    return seed


def _config(url: str, tmp) -> dict:
    return {
        **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_DIR": str(tmp) + "/uploads",
    }


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """An empty SQLite database with the full schema, made once per run."""
    path = tmp_path_factory.mktemp("schema") / "template.sqlite3"
    app = create_app(_config(f"sqlite:///{path}", path.parent))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def sqlite_seeded(sqlite_template):
    """(path, seeded tables) of the empty schema with what seed_catalogue writes there."""
    from ticketing.services.catalogue import seed_catalogue

    path = sqlite_template.parent / "seeded.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = create_app(_config(f"sqlite:///{path}", path.parent))
    with app.app_context():
        run(seed_catalogue)
        tables = [t.name for t in db.metadata.sorted_tables
                  if db.session.execute(select(func.count()).select_from(t)).scalar()]
        db.session.remove()
        db.engine.dispose()
    return path, tables


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port, for the whole run."""
    server, controller = start_smtp()
    yield server
    controller.stop()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def _prebuilt_databases():
    """Databases a module builds once per backend (marker `prebuilt`), dropped after it."""
    made: dict = {}
    yield made
    for entry in made.values():
        entry.drop()


class _Prebuilt:
    """A database holding the catalogue and what `build()` made, built once per module and
    backend; every test gets its own copy (a file copy on SQLite, CREATE DATABASE ... TEMPLATE
    on PostgreSQL), so tests still cannot see each other's changes."""

    def __init__(self, backend: str, build, folder, schema):
        self.backend, self.folder = backend, folder
        if backend == "postgresql":
            self.url, self._drop = create_pg_database(PG_URL)
        else:
            self.url, self._drop = f"sqlite:///{folder}/prebuilt.sqlite3", lambda: None
        app = create_app(_config(self.url, folder))
        with app.app_context():
            if backend == "postgresql":
                db.create_all()
            else:
                shutil.copyfile(schema, folder / "prebuilt.sqlite3")
            from ticketing.services.catalogue import seed_catalogue

            run(seed_catalogue)
            self.state = build()
            db.session.remove()
            db.engine.dispose()

    def copy(self, tmp_path):
        """(url, drop) of a fresh copy for one test; the attachment store is copied too."""
        if (self.folder / "uploads").is_dir():
            shutil.copytree(self.folder / "uploads", tmp_path / "uploads", dirs_exist_ok=True)
        if self.backend == "sqlite":
            shutil.copyfile(self.folder / "prebuilt.sqlite3", tmp_path / "test.sqlite3")
            return f"sqlite:///{tmp_path}/test.sqlite3", lambda: None
        import uuid

        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        source = make_url(self.url)
        name = f"ticketing_test_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return source.set(database=name).render_as_string(hide_password=False), drop

    def drop(self) -> None:
        self._drop()


@pytest.fixture
def prebuilt(app, request):
    """What the module's `prebuilt` builder returned (for the database this test got)."""
    return request.node.stash[_PREBUILT_STATE]


@pytest.fixture
def quarter(prebuilt):
    """A prebuilt quarter (tests.support.quarter) thawed into this test's database, the clock
    held at the moment its report is made. A module may define its own (a live server needs a
    ticking clock)."""
    import time_machine

    from .support.quarter import REPORT_NOW

    built = prebuilt.thaw()
    with time_machine.travel(REPORT_NOW, tick=False):
        yield built


_PREBUILT_STATE = pytest.StashKey()


@pytest.fixture
def app(backend, tmp_path, request, smtp_server):
    marker = request.node.get_closest_marker("prebuilt")
    drop = None
    if marker is not None:
        schema = (request.getfixturevalue("sqlite_template") if backend == "sqlite"
                  else request.getfixturevalue("pg_database"))  # PostgreSQL is there
        made = request.getfixturevalue("_prebuilt_databases")
        build = marker.kwargs["build"]
        if (backend, build) not in made:
            folder = request.getfixturevalue("tmp_path_factory").mktemp("prebuilt")
            made[(backend, build)] = _Prebuilt(backend, build, folder, schema)
        template = made[(backend, build)]
        url, drop = template.copy(tmp_path)
        request.node.stash[_PREBUILT_STATE] = template.state
    elif backend == "postgresql":
        url = request.getfixturevalue("pg_database")
    else:
        # Copying a ready database is ~50x faster than CREATE TABLE per test on SQLite.
        seeded, seeded_tables_names = request.getfixturevalue("sqlite_seeded")
        shutil.copyfile(seeded, tmp_path / "test.sqlite3")
        url = f"sqlite:///{tmp_path}/test.sqlite3"
    config = _config(url, tmp_path)
    config["MAIL_SERVER"] = smtp_server.host
    config["MAIL_PORT"] = smtp_server.port
    smtp_server.clear()
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATES
    app.config["INSTANCE_TMP"] = str(tmp_path)
    with app.app_context():
        # Unless prebuilt: the database seed_catalogue makes out of the empty schema, at this
        # test's clock (tests.support.resetdb).
        if marker is None and backend == "postgresql":
            reset_postgresql(request.getfixturevalue("pg_seed"))
        elif marker is None:
            stamp_clock(seeded_tables(seeded_tables_names))
            db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()
    if drop is not None:
        drop()


def _truncate_all() -> None:
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def now() -> datetime:
    """A fixed Wednesday morning in WIB (10:00), inside office hours."""
    return datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock_starts_at_now(request):
    """No test depends on the real date: the clock of every test starts at its `now` (the
    module's own `now` fixture where it has one) and runs on from there. A test may travel
    elsewhere itself (time-machine nests). Tests marked `real_clock` (other processes that
    read the real clock next to this one) keep the real time."""
    if request.node.get_closest_marker("real_clock"):
        yield
        return
    with time_machine.travel(request.getfixturevalue("now"), tick=True):
        yield


@pytest.fixture(scope="session")
def playwright_instance():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_component("playwright (pip install playwright)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    from .support.browser import launch_browser

    browser = launch_browser(playwright_instance)
    yield browser
    browser.close()


@pytest.fixture
def live_url(app):
    """The app served over HTTP on a free port (for the browser tests)."""
    from .support.browser import live_server

    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1"  # replaced below once the port is known
    with live_server(app) as url:
        app.config["PUBLIC_BASE_URL"] = url
        yield url


@pytest.fixture
def phone_page(browser, live_url):
    """A phone-sized page (360x740, touch) in a fresh browser context."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(10000)
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser, live_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(10000)
    yield page
    context.close()
