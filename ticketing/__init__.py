"""Layanan informasi dan pengaduan Dinas Koperasi dan UKM Kota Palembang."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .config import Config, finalize

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | type | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI. Wiring only, no side effects."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(Config)
    if isinstance(test_config, type):
        app.config.from_object(test_config)
    elif test_config:
        app.config.from_mapping(test_config)
    finalize(app.config, app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        # flaskr does the same: the default SQLite file lives in the instance folder.
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(app.instance_path) / "ticketing.sqlite3"
        )
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = str(Path(app.instance_path) / "uploads")
    if not app.config.get("DEV_MAIL_DIR"):  # development mail catcher (make run)
        app.config["DEV_MAIL_DIR"] = str(Path(app.instance_path) / "devmail")

    from . import dbpool, extensions, headers, i18n, inputs, logs, ratelimit, security
    from .blueprints import register_blueprints
    from .cli import init_app as init_cli

    extensions.db.init_app(app)
    with app.app_context():
        for engine in extensions.db.engines.values():
            dbpool.ping_when_idle(engine, float(app.config["DB_PING_IDLE_SECONDS"]))
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"),
                                render_as_batch=True)
    extensions.mail.init_app(app)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    inputs.init_app(app)
    headers.init_app(app)
    logs.init_app(app)
    register_blueprints(app)
    ratelimit.checks_in_decorators_only(app)
    init_cli(app)
    from .services import facts  # noqa: F401 - the daily facts' flush listener

    return app
